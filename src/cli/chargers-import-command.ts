import { readFileSync } from 'node:fs';
import { loadConfig, DEFAULT_DB_PATH } from '../config.ts';
import { parseChargersCsv } from '../chargers/parse-chargers-csv.ts';
import { IngestError } from '../ingest/ingest-error.ts';
import { upsertChargers } from '../store/charger-repository.ts';
import { TelemetryStore } from '../store/telemetry-store.ts';

/** `telltale chargers import FILE.csv`: good rows are upserted, bad rows listed with line and field. */
export async function runChargersImportCommand(file: string, options: { db: string; json?: boolean }): Promise<void> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new IngestError('FILE_NOT_FOUND', `${file}: no such file`);
  }
  const { chargers, errors } = parseChargersCsv(text);
  const store = await TelemetryStore.open(options.db, { memoryLimit: loadConfig().memoryLimit, createFolder: options.db === DEFAULT_DB_PATH });
  let result: { created: number; updated: number };
  try {
    result = await store.withConnection((conn) => upsertChargers(conn, chargers, file, store.now()));
  } finally {
    await store.close();
  }
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ ...result, rejected: errors.length, errors })}\n`);
  } else {
    process.stdout.write(`${file}: ${result.created} created, ${result.updated} updated, ${errors.length} rejected\n`);
    for (const e of errors) process.stdout.write(`  line ${e.line}, ${e.field}: ${e.reason}\n`);
  }
  if (errors.length > 0) process.exitCode = 1;
}
