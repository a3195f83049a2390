import { createHash } from 'node:crypto';

/** Stable across re-detections: the same moment (device, kind, subkind, start) keeps its id. */
export function eventId(deviceId: string, kind: string, subkind: string, startMs: number): string {
  return createHash('sha1').update(`${deviceId}\u0000${kind}\u0000${subkind}\u0000${startMs}`).digest('hex').slice(0, 20);
}
