import type { DeviceDetection } from '../detect/detect-device.ts';
import type { DetectedEvent } from '../domain/events/detected-event.ts';
import { parseTimeParam } from '../http/time-param.ts';
import { withServices } from './with-services.ts';

export interface DetectCommandOptions {
  db: string;
  device?: string;
  all?: boolean;
  from?: string;
  to?: string;
  json?: boolean;
}

const iso = (ms: number | null) => (ms === null ? '…' : new Date(ms).toISOString().replace('.000Z', 'Z'));

/** `telltale detect --device ID | --all`: runs the detectors, stores the events, prints them. */
export async function runDetectCommand(options: DetectCommandOptions): Promise<void> {
  if (!options.device && !options.all) throw new Error('pass --device ID or --all');
  const fromMs = parseTimeParam(options.from, '--from');
  const toMs = parseTimeParam(options.to, '--to');
  const events: DetectedEvent[] = [];
  const totals = { devices: 0, rows: 0, created: 0, updated: 0, removed: 0 };
  const report = (r: DeviceDetection): void => {
    const { deviceId } = r;
    totals.devices++;
    totals.rows += r.rows;
    totals.created += r.changes.created.length;
    totals.updated += r.changes.updated.length;
    totals.removed += r.changes.removed.length;
    events.push(...r.events);
    if (!options.json) {
      process.stdout.write(`${deviceId}: ${r.events.length} events (${r.changes.created.length} new, ${r.changes.updated.length} updated, ${r.changes.removed.length} removed)\n`);
      for (const e of r.events) {
        process.stdout.write(`  ${iso(e.startMs)} → ${iso(e.endMs)}  ${e.severity.padEnd(8)} ${e.kind}/${e.subkind}  ${e.summary}\n`);
      }
    }
  };
  await withServices(options.db, { detectors: 'load' }, async (services) => {
    if (options.all) await services.detection.detectAll({ fromMs, toMs }, report);
    else report(await services.detection.detect(options.device!, { fromMs, toMs }));
  });
  if (options.json) {
    const byKind: Record<string, number> = {};
    for (const e of events) byKind[e.kind] = (byKind[e.kind] ?? 0) + 1;
    process.stdout.write(`${JSON.stringify({ events, counts: { ...totals, events: events.length, byKind } })}\n`);
  }
}
