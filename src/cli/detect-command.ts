import { loadConfig, DEFAULT_DB_PATH } from '../config.ts';
import { DetectionService } from '../detect/detection-service.ts';
import { loadDetectors } from '../detect/load-detectors.ts';
import type { DetectedEvent } from '../domain/events/detected-event.ts';
import { parseTimeParam } from '../http/time-param.ts';
import { listDevices } from '../store/telemetry-repository.ts';
import { TelemetryStore } from '../store/telemetry-store.ts';

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
  const store = await TelemetryStore.open(options.db, { memoryLimit: loadConfig().memoryLimit, createFolder: options.db === DEFAULT_DB_PATH });
  const events: DetectedEvent[] = [];
  const totals = { devices: 0, rows: 0, created: 0, updated: 0, removed: 0 };
  try {
    const service = new DetectionService(store, await loadDetectors({ onWarning: (m) => process.stderr.write(`telltale: ${m}\n`) }));
    const devices = options.all ? (await store.withConnection(listDevices)).map((d) => d.deviceId) : [options.device!];
    if (!options.all) {
      const known = (await store.withConnection(listDevices)).some((d) => d.deviceId === options.device);
      if (!known) throw new Error(`no device '${options.device}' in ${options.db}`);
    }
    for (const deviceId of devices) {
      const r = await service.detect(deviceId, { fromMs, toMs });
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
    }
  } finally {
    await store.close();
  }
  if (options.json) {
    const byKind: Record<string, number> = {};
    for (const e of events) byKind[e.kind] = (byKind[e.kind] ?? 0) + 1;
    process.stdout.write(`${JSON.stringify({ events, counts: { ...totals, events: events.length, byKind } })}\n`);
  }
}
