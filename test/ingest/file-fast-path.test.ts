import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ingest } from '../../src/ingest/ingest-pipeline.ts';
import { StagedIngest } from '../../src/store/staged-ingest.ts';
import { openTempStore } from '../temp-store.ts';

/**
 * Files in the schema's own columns go through DuckDB's own reader (StagedIngest.stageFile); the
 * rows stored must be exactly those the streaming path stores for the same bytes, and a file with
 * a bad row must still be quarantined row by row.
 */
const T0 = Date.parse('2024-06-01T08:00:00Z');
let dir: string;
const stores: Awaited<ReturnType<typeof openTempStore>>[] = [];

function csv(rows: number, bad?: { row: number; line: string }): string {
  const lines = ['device_id,ts,speed_kph,soc_pct,power_kw,lat,lon,state,error_codes,firmware'];
  for (let i = 1; i <= rows; i++) {
    if (bad?.row === i) {
      lines.push(bad.line);
      continue;
    }
    const device = `car-${i % 3}`;
    const ts = i % 2 === 0 ? String(T0 + i * 1000) : new Date(T0 + i * 1000).toISOString();
    const speed = i % 7 === 0 ? '' : i % 11 === 0 ? 'NA' : (50 + (i % 40) + 0.25).toString();
    const codes = i % 13 === 0 ? 'P0A0F|U0100' : '';
    const state = i % 5 === 0 ? '' : i % 2 ? 'driving' : 'parked';
    lines.push(`${device},${ts},${speed},${(80 - i / 100).toFixed(2)},${(i % 9) - 2.5},48.${i},11.5,${state},${codes},v1.2`);
  }
  return `${lines.join('\n')}\n`;
}

async function telemetry(store: (typeof stores)[number]): Promise<string[]> {
  const reader = await store.db.runAndReadAll('SELECT * FROM telemetry ORDER BY device_id, ts');
  return reader.getRows().map((r) => JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)));
}

async function fresh() {
  const store = await openTempStore();
  stores.push(store);
  return store;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'telltale-fast-path-'));
});
afterEach(() => vi.restoreAllMocks());
afterAll(async () => {
  for (const s of stores) await s.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('ingest of a file in the schema\'s own columns', () => {
  it('stores through DuckDB\'s CSV reader exactly the rows the streaming path stores, with the same summary', async () => {
    const path = join(dir, 'fleet.csv');
    writeFileSync(path, csv(600));
    const stageFile = vi.spyOn(StagedIngest.prototype, 'stageFile');
    const viaFile = await fresh();
    const a = await ingest(viaFile, { input: { path }, format: 'csv', source: 'fleet.csv' });
    expect(await stageFile.mock.results[0]!.value).toMatchObject({ rows: 600 });
    const viaStream = await fresh();
    const b = await ingest(viaStream, { input: [readFileSync(path)], format: 'csv', source: 'fleet.csv' });
    expect({ ...a, batchId: '' }).toEqual({ ...b, batchId: '' });
    expect(a).toMatchObject({ accepted: 600, duplicates: 0, rejected: 0, ignoredColumns: ['firmware'] });
    expect(await telemetry(viaFile)).toEqual(await telemetry(viaStream));
    // A second load of the same file is all duplicates, as on the streaming path.
    expect(await ingest(viaFile, { input: { path }, format: 'csv', source: 'fleet.csv' })).toMatchObject({ accepted: 0, duplicates: 600 });
  });

  it('stores a Parquet file through read_parquet exactly as the streaming path stores the same rows', async () => {
    const csvPath = join(dir, 'source.csv');
    writeFileSync(csvPath, csv(300));
    const viaStream = await fresh();
    await ingest(viaStream, { input: [readFileSync(csvPath)], format: 'csv', source: 'source.csv' });
    const parquet = join(dir, 'fleet.parquet');
    await viaStream.db.run(`COPY (SELECT * EXCLUDE (flags) FROM telemetry ORDER BY ts) TO '${parquet}' (FORMAT parquet)`);
    const stageFile = vi.spyOn(StagedIngest.prototype, 'stageFile');
    const viaFile = await fresh();
    expect(await ingest(viaFile, { input: { path: parquet }, format: 'parquet', source: 'fleet.parquet' })).toMatchObject({ accepted: 300, rejected: 0 });
    expect(await stageFile.mock.results[0]!.value).toMatchObject({ rows: 300 });
    expect(await telemetry(viaFile)).toEqual(await telemetry(viaStream));
  });

  it('streams a file with a bad row instead, quarantining that row with its number and field and storing the others', async () => {
    const path = join(dir, 'bad.csv');
    writeFileSync(path, csv(50, { row: 17, line: `car-1,${T0 + 17_000},fast,80,1,48.1,11.5,driving,,v1` }));
    const stageFile = vi.spyOn(StagedIngest.prototype, 'stageFile');
    const store = await fresh();
    const s = await ingest(store, { input: { path }, format: 'csv', source: 'bad.csv' });
    expect(await stageFile.mock.results[0]!.value).toBeUndefined();
    expect(s).toMatchObject({ accepted: 49, rejected: 1 });
    expect(s.errors).toEqual([{ row: 17, field: 'speed_kph', reason: expect.stringContaining("'fast' is not a number") }]);
    const q = await store.db.runAndReadAll('SELECT row_number, field FROM quarantine');
    expect(q.getRows().map(([r, f]) => [Number(r), f])).toEqual([[17, 'speed_kph']]);
  });
});
