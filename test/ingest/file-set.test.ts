import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ingest, ingestFiles, type IngestRequest } from '../../src/ingest/ingest-pipeline.ts';
import { StagedFileSet } from '../../src/store/staged-file-set.ts';
import { openTempStore } from '../temp-store.ts';

/**
 * Several plain CSV files in one `telltale ingest` are read by one read_csv and committed in one
 * transaction (StagedFileSet), each still its own batch: the rows, summaries, batch records and
 * derived work must be those of ingesting the files one by one, and a file with a bad row sends
 * the run file by file, so that row is quarantined with its number and field.
 */
const T0 = Date.parse('2024-06-01T08:00:00Z');
const HEADER = 'device_id,ts,speed_kph,soc_pct,state,error_codes,firmware';
let dir: string;
const stores: Awaited<ReturnType<typeof openTempStore>>[] = [];

/** One device's rows from second `from` on; `bad` replaces a row's speed. */
function deviceCsv(device: string, from: number, rows: number, bad?: { row: number; speed: string }): string {
  const lines = [HEADER];
  for (let i = 1; i <= rows; i++) {
    const s = from + i;
    const ts = i % 2 === 0 ? String(T0 + s * 1000) : new Date(T0 + s * 1000).toISOString();
    const speed = bad?.row === i ? bad.speed : i % 7 === 0 ? '' : (40 + (s % 30) + 0.5).toString();
    lines.push(`${device},${ts},${speed},${(90 - s / 100).toFixed(2)},${i % 3 ? 'driving' : 'parked'},${i % 11 === 0 ? 'P0A0F|U0100' : ''},v2`);
  }
  return `${lines.join('\n')}\n`;
}

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const requests = (paths: string[]): IngestRequest[] => paths.map((path) => ({ input: { path }, format: 'csv', source: path }));

async function fresh() {
  const store = await openTempStore();
  stores.push(store);
  return store;
}

async function rows(store: (typeof stores)[number], sql: string): Promise<string[]> {
  const reader = await store.db.runAndReadAll(sql);
  return reader.getRows().map((r) => JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)));
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'telltale-file-set-'));
});
afterEach(() => vi.restoreAllMocks());
afterAll(async () => {
  for (const s of stores) await s.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('ingest of several plain CSV files', () => {
  it('stores through one read exactly what the files store one by one: rows, summaries, batches, devices and derived work', async () => {
    const paths = [
      write('a.csv', deviceCsv('car-a', 0, 300)),
      write('b.csv', deviceCsv('car-b', 0, 200)),
      // car-a again, overlapping a.csv's last 100 s: those 100 rows are this file's duplicates.
      write('a-late.csv', deviceCsv('car-a', 200, 250)),
    ];
    const stage = vi.spyOn(StagedFileSet, 'stage');
    const together = await fresh();
    const committed: number[] = [];
    const set = await ingestFiles(together, requests(paths), (ix) => committed.push(ix));
    expect(await stage.mock.results[0]!.value).toBeInstanceOf(StagedFileSet);
    expect(committed).toEqual([0, 1, 2]);
    const oneByOne = await fresh();
    const single = [];
    for (const r of requests(paths)) single.push(await ingest(oneByOne, r));
    expect(set.map((s) => ({ ...s, batchId: '' }))).toEqual(single.map((s) => ({ ...s, batchId: '' })));
    expect(set.map((s) => [s.accepted, s.duplicates])).toEqual([[300, 0], [200, 0], [150, 100]]);
    for (const sql of [
      'SELECT * FROM telemetry ORDER BY device_id, ts',
      'SELECT device_id, first_ts, last_ts, row_count FROM devices ORDER BY device_id',
      'SELECT source, format, status, received, accepted, duplicates, rejected FROM ingest_batches ORDER BY source',
    ]) {
      expect(await rows(together, sql)).toEqual(await rows(oneByOne, sql));
    }
    // Each file's batch records its own derived work, as a batch of its own does.
    const work = 'SELECT b.source, w.device_id, w.from_ts, w.to_ts FROM derived_work w JOIN ingest_batches b USING (batch_id) ORDER BY b.source';
    expect(await rows(together, work)).toEqual(await rows(oneByOne, work));
    // Loading the same files again is all duplicates.
    expect((await ingestFiles(together, requests(paths))).map((s) => s.duplicates)).toEqual([300, 200, 250]);
  });

  it('goes file by file when one file has a bad row: that row is quarantined with its number and field, the rest stored', async () => {
    const paths = [write('ok.csv', deviceCsv('car-c', 0, 40)), write('bad.csv', deviceCsv('car-d', 0, 40, { row: 9, speed: 'fast' }))];
    const stage = vi.spyOn(StagedFileSet, 'stage');
    const store = await fresh();
    const [ok, bad] = await ingestFiles(store, requests(paths));
    expect(await stage.mock.results[0]!.value).toBeUndefined();
    expect(ok).toMatchObject({ accepted: 40, rejected: 0 });
    expect(bad).toMatchObject({ accepted: 39, rejected: 1 });
    expect(bad!.errors).toEqual([{ row: 9, field: 'speed_kph', reason: expect.stringContaining("'fast' is not a number") }]);
    expect(await rows(store, "SELECT status, count(*) FROM ingest_batches GROUP BY status")).toEqual(['["committed","2"]']);
    expect(await rows(store, 'SELECT row_number, field FROM quarantine')).toEqual(['["9","speed_kph"]']);
  });
});
