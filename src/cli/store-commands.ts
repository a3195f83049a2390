import { writeFileSync } from 'node:fs';
import { loadAlertConfig } from '../alerts/alert-config.ts';
import { loadDetectorSet } from '../detect/load-detectors.ts';
import { MESSAGES } from '../domain/errors/error-catalogue.ts';
import { TelltaleError } from '../domain/errors/telltale-error.ts';
import { parseTimeParam } from '../http/time-param.ts';
import type { TelemetryFormat } from '../ingest/sources/source.ts';
import { openBackendServices, type BackendServices, type BackendServicesOptions } from '../services/backend-services.ts';
import type { StoreLocation } from '../store/contract/store-url.ts';
import { formatFromPath } from './format-from-path.ts';

/**
 * The CLI on a store named by --store / TELLTALE_STORE that is not the DuckDB file (a ClickHouse
 * cluster): ingest, export and plot run through the contract services (src/services/backend-services.ts).
 * `serve` has its own composition there (cluster-serve-command.ts); every other command needs the
 * DuckDB store for now and says so.
 */
async function withStore<T>(location: StoreLocation, options: BackendServicesOptions, work: (s: BackendServices) => Promise<T>): Promise<T> {
  const services = await openBackendServices(location, options);
  try {
    return await work(services);
  } finally {
    await services.close();
  }
}

export async function runStoreIngest(location: StoreLocation, files: string[], o: { device?: string; format?: TelemetryFormat; profile?: string; tz?: string; map: string[]; delimiter?: string; encoding?: string; start?: string; alertRules?: string; json?: boolean }): Promise<void> {
  const alerts = o.alertRules ? loadAlertConfig(o.alertRules) : undefined;
  const set = await loadDetectorSet({ onWarning: (m) => process.stderr.write(`telltale: ${m}\n`) });
  try {
    await withStore(location, { detectors: set.detectors, rules: alerts?.rules ?? [], delivery: alerts?.delivery, publicUrl: alerts?.publicUrl }, async (services) => {
      const summaries = [];
      for (const file of files) {
        const format = o.format ?? formatFromPath(file);
        if (!format) throw new TelltaleError('UNKNOWN_FORMAT', MESSAGES.formatNotFromExtension(file));
        const s = await services.ingest({ input: { path: file }, format, source: file, deviceId: o.device, profile: o.profile, tz: o.tz, maps: o.map, delimiter: o.delimiter, encoding: o.encoding, start: o.start });
        summaries.push({ file, ...s, derived: { events: s.derived.events.length, openedIncidents: s.derived.openedIncidents.length } });
        if (!o.json) process.stdout.write(`${file}: ${s.accepted} accepted, ${s.duplicates} duplicates, ${s.rejected} rejected; ${s.derived.events.length} events changed, ${s.derived.openedIncidents.length} incidents opened\n`);
      }
      const delivered = await services.alerts.deliverDue();
      if (o.json) process.stdout.write(`${JSON.stringify({ files: summaries, webhooksDelivered: delivered })}\n`);
    });
  } finally {
    await set.release();
  }
}

export async function runStoreExport(location: StoreLocation, o: { device: string; from?: string; to?: string; out: string }): Promise<void> {
  const format = o.out.toLowerCase().split('.').pop();
  if (format !== 'csv' && format !== 'ndjson' && format !== 'arrow' && format !== 'arrows') {
    throw new TelltaleError('UNKNOWN_FORMAT', `--out ${o.out}: on this store the extension must be .csv, .ndjson or .arrows (Arrow IPC stream); Parquet is written by the DuckDB store`);
  }
  const fromMs = parseTimeParam(o.from, '--from');
  const toMs = parseTimeParam(o.to, '--to');
  await withStore(location, {}, async (services) => {
    if (!(await services.backend.devices.get(o.device))) throw new TelltaleError('NOT_FOUND', MESSAGES.noDevice(o.device));
    const bytes = await services.backend.telemetry.exportBytes({ deviceId: o.device, fromMs, toMs, format: format === 'arrows' ? 'arrow' : format });
    writeFileSync(o.out, bytes);
    process.stderr.write(`${o.out}: ${bytes.length} bytes\n`);
  });
}

export async function runStorePlot(location: StoreLocation, o: { device: string; from?: string; to?: string; out: string; width: number; height: number }): Promise<void> {
  const ext = o.out.toLowerCase();
  const format = ext.endsWith('.svg') ? 'svg' : ext.endsWith('.png') ? 'png' : ext.endsWith('.vl.json') ? 'vl.json' : undefined;
  if (!format) throw new TelltaleError('UNKNOWN_FORMAT', `--out ${o.out}: .svg, .png or .vl.json`);
  await withStore(location, {}, async (services) => {
    const body = await services.chart({ deviceId: o.device, fromMs: parseTimeParam(o.from, '--from'), toMs: parseTimeParam(o.to, '--to'), format, widthPx: o.width, heightPx: o.height });
    writeFileSync(o.out, body);
    process.stderr.write(`${o.out}: written\n`);
  });
}

/** What a command that needs the DuckDB store answers when --store names something else. */
export function notOnThisStore(command: string): never {
  throw new TelltaleError('BAD_REQUEST', `'${command}' runs on the DuckDB store only for now; on a ClickHouse store the CLI has serve (the core routes), ingest, export and plot (see docs/scale-out.md)`);
}
