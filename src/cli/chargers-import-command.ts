import { readFileSync } from 'node:fs';
import { parseChargersCsv } from '../chargers/parse-chargers-csv.ts';
import { MESSAGES } from '../domain/errors/error-catalogue.ts';
import { TelltaleError } from '../domain/errors/telltale-error.ts';
import { withServices } from './with-services.ts';

/** `telltale chargers import FILE.csv`: good rows are upserted, bad rows listed with line and field. */
export async function runChargersImportCommand(file: string, options: { db: string; json?: boolean }): Promise<void> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new TelltaleError('FILE_NOT_FOUND', MESSAGES.noSuchFile(file));
  }
  const { chargers, errors } = parseChargersCsv(text);
  const result = await withServices(options.db, {}, (services) => services.chargers.upsert(chargers, file));
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ ...result, rejected: errors.length, errors })}\n`);
  } else {
    process.stdout.write(`${file}: ${result.created} created, ${result.updated} updated, ${errors.length} rejected\n`);
    for (const e of errors) process.stdout.write(`  line ${e.line}, ${e.field}: ${e.reason}\n`);
  }
  if (errors.length > 0) process.exitCode = 1;
}
