import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TelemetrySeries } from '../../src/domain/telemetry-series.ts';
import { ingest } from '../../src/ingest/ingest-pipeline.ts';
import { readSeries } from '../../src/store/series-repository.ts';
import { openTempStore } from '../temp-store.ts';

const DIR = join(import.meta.dirname, '../../fixtures/twizy-rsk');
export const TWIZY_FILES = readdirSync(DIR).filter((f) => /\.csv(\.gz)?$/.test(f)).sort();

/**
 * Every real twizy-rsk trip through its import profile into a real DuckDB file: each trip as a
 * device of its own (named after its file), and all of them as one vehicle history ('twizy').
 */
export async function loadTwizyTrips(): Promise<{ series: Map<string, TelemetrySeries>; dispose: () => Promise<void> }> {
  const store = await openTempStore();
  for (const file of TWIZY_FILES) {
    await ingest(store, { input: { path: join(DIR, file) }, format: 'csv', source: file, deviceId: file, profile: 'twizy-rsk' });
    await ingest(store, { input: { path: join(DIR, file) }, format: 'csv', source: file, deviceId: 'twizy', profile: 'twizy-rsk' });
  }
  const series = new Map<string, TelemetrySeries>();
  for (const id of [...TWIZY_FILES, 'twizy']) series.set(id, await store.withConnection((conn) => readSeries(conn, { deviceId: id })));
  return { series, dispose: () => store.dispose() };
}
