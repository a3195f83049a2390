import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readAnnotationsFile } from '../annotations/read-annotations-file.ts';
import { parseChargersCsv } from '../chargers/parse-chargers-csv.ts';
import { ingest } from '../ingest/ingest-pipeline.ts';
import { upsertAnnotations } from '../store/annotation-repository.ts';
import { upsertChargers } from '../store/charger-repository.ts';
import type { TouchedRange } from '../store/staged-ingest.ts';
import type { TelemetryStore } from '../store/telemetry-store.ts';

export const MODEL_S_DEVICE = 'model-s-2013';

/**
 * The reconstructed 2013 Model S test drive (fixtures/model-s-2013): telemetry, the chargers on its
 * route and the annotated claims. Idempotent: a second load is all duplicates and replacements.
 * Chargers go in before the telemetry so detection after the commit already knows them.
 */
export async function loadModelSDemo(store: TelemetryStore, fixturesDir: string, log: (msg: string) => void, onCommitted?: (touched: TouchedRange[]) => void): Promise<void> {
  const dir = join(fixturesDir, MODEL_S_DEVICE);
  const { chargers, errors } = parseChargersCsv(readFileSync(join(dir, 'chargers.csv'), 'utf8'));
  if (errors.length) throw new Error(`fixtures/${MODEL_S_DEVICE}/chargers.csv line ${errors[0]!.line}: ${errors[0]!.field} ${errors[0]!.reason}`);
  const c = await store.withConnection((conn) => upsertChargers(conn, chargers, `fixtures/${MODEL_S_DEVICE}/chargers.csv`, store.now()));
  const s = await ingest(store, {
    input: { path: join(dir, 'telemetry.csv.gz') },
    format: 'csv',
    source: `fixtures/${MODEL_S_DEVICE}/telemetry.csv.gz`,
    deviceId: MODEL_S_DEVICE,
    onCommitted,
  });
  const notes = readAnnotationsFile(join(dir, 'annotations.json'));
  const a = await store.withConnection((conn) => upsertAnnotations(conn, MODEL_S_DEVICE, notes, store.now()));
  log(`demo data ${MODEL_S_DEVICE}: ${s.accepted} accepted, ${s.duplicates} duplicates, ${s.rejected} rejected; `
    + `${c.created + c.updated} chargers, ${a.created} new and ${a.updated} replaced annotations`);
}
