import { loadConfig, DEFAULT_DB_PATH } from '../config.ts';
import { IngestError } from '../ingest/ingest-error.ts';
import { exportTelemetry } from '../store/telemetry-export.ts';
import { TelemetryStore } from '../store/telemetry-store.ts';
import { parseTimeParam } from '../http/time-param.ts';

export interface ExportCommandOptions {
  db: string;
  device: string;
  from?: string;
  to?: string;
  out: string;
}

/** `telltale export --device ID --out FILE.{parquet,csv,arrow}` */
export async function runExportCommand(options: ExportCommandOptions): Promise<void> {
  const format = options.out.toLowerCase().split('.').pop();
  if (format !== 'parquet' && format !== 'csv' && format !== 'arrow') {
    throw new IngestError('UNKNOWN_FORMAT', `--out ${options.out}: the extension must be .parquet, .csv or .arrow`);
  }
  const store = await TelemetryStore.open(options.db, { memoryLimit: loadConfig().memoryLimit, createFolder: options.db === DEFAULT_DB_PATH });
  try {
    const { rows } = await exportTelemetry(store, {
      deviceId: options.device,
      fromMs: parseTimeParam(options.from, '--from'),
      toMs: parseTimeParam(options.to, '--to'),
      format,
      outPath: options.out,
    });
    process.stderr.write(`${options.out}: ${rows} rows\n`);
  } finally {
    await store.close();
  }
}
