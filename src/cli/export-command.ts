import { TelltaleError } from '../domain/errors/telltale-error.ts';
import { parseTimeParam } from '../http/time-param.ts';
import { withServices } from './with-services.ts';

export interface ExportCommandOptions {
  db: string;
  device: string;
  from?: string;
  to?: string;
  out: string;
}

/** `telltale export --device ID --out FILE.{parquet,csv,arrow}`: an unknown device is NOT_FOUND, and no file is written. */
export async function runExportCommand(options: ExportCommandOptions): Promise<void> {
  const format = options.out.toLowerCase().split('.').pop();
  if (format !== 'parquet' && format !== 'csv' && format !== 'arrow') {
    throw new TelltaleError('UNKNOWN_FORMAT', `--out ${options.out}: the extension must be .parquet, .csv or .arrow`);
  }
  const fromMs = parseTimeParam(options.from, '--from');
  const toMs = parseTimeParam(options.to, '--to');
  const { rows } = await withServices(options.db, {}, (services) =>
    services.telemetry.exportToFile({ deviceId: options.device, fromMs, toMs, format, outPath: options.out }),
  );
  process.stderr.write(`${options.out}: ${rows} rows\n`);
}
