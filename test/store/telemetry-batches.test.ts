import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingest } from '../../src/ingest/ingest-pipeline.ts';
import { telemetryBatchesToArrowPieces } from '../../src/store/telemetry-batches-arrow.ts';
import { readTelemetryBatches } from '../../src/store/telemetry-batches-repository.ts';
import { readTelemetryPage, type TelemetryPage } from '../../src/store/telemetry-page-repository.ts';
import { telemetryPageToRows } from '../../src/store/telemetry-page-rows.ts';
import { TelemetryStore } from '../../src/store/telemetry-store.ts';
import { compactTelemetry } from '../../src/store/compact-telemetry.ts';
import type { ColumnName } from '../../src/domain/telemetry-schema.ts';

const T0 = Date.UTC(2024, 2, 1);
const ROWS = 5000; // more than two DuckDB chunks of 2,048
let dir: string;
let store: TelemetryStore;

/** Row i of a device with NULLs, NULL and empty lists, NULL states, every few rows. */
function line(i: number, deviceId = 'car-1'): string {
  const ts = new Date(T0 + i * 1000).toISOString();
  const speed = i % 7 === 0 ? '' : String((i % 130) + 0.5);
  const soc = i % 11 === 0 ? '' : String(90 - i / 100);
  const state = i % 13 === 0 ? '' : i % 2 ? 'driving' : 'parked';
  const codes = i % 97 === 0 ? 'P0A1F|U0100' : i % 89 === 0 ? 'B1234' : '';
  return `${deviceId},${ts},${speed},${soc},,20.5,,,48.1,11.5,,${1000 + i / 100},${i % 5 === 0 ? '' : (i % 40) - 10},${state},${codes}`;
}
const HEADER = 'device_id,ts,speed_kph,soc_pct,range_km,battery_temp_c,outside_temp_c,cabin_setpoint_c,lat,lon,alt_m,odometer_km,power_kw,state,error_codes';

/** Arrow stream → the rows the JSON reply has, for comparison with the page reader's. */
async function arrowRows(pieces: Iterable<Uint8Array>): Promise<Record<string, unknown>[]> {
  const parts: Uint8Array[] = [];
  for (const p of pieces) parts.push(p.slice());
  const table = tableFromIPC(Buffer.concat(parts));
  return table.toArray().map((r) => {
    const row = r.toJSON() as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(row)) {
      if (k === 'ts') out[k] = new Date(Number(v)).toISOString();
      else if (v && typeof v === 'object' && 'toArray' in v) out[k] = [...(v as { toArray(): string[] }).toArray()].map(String);
      else out[k] = v;
    }
    return out;
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'telltale-batches-'));
  store = await TelemetryStore.open(join(dir, 't.duckdb'));
  // The second half arrives first: the store's scan order is not time order.
  const late = Array.from({ length: ROWS / 2 }, (_, i) => line(ROWS / 2 + i));
  const early = Array.from({ length: ROWS / 2 }, (_, i) => line(i));
  for (const part of [late, early]) await ingest(store, { input: [new TextEncoder().encode([HEADER, ...part].join('\n'))], format: 'csv', source: 'inline' });
  // car-2: the same rows in time order, in two batches: stored in order, read without a sort.
  for (const half of [0, 1]) {
    const part = Array.from({ length: ROWS / 2 }, (_, i) => line(half * (ROWS / 2) + i, 'car-2'));
    await ingest(store, { input: [new TextEncoder().encode([HEADER, ...part].join('\n'))], format: 'csv', source: 'inline' });
  }
});

async function tsOrdered(deviceId: string): Promise<boolean> {
  return store.withConnection(async (conn) => (await conn.runAndReadAll('SELECT ts_ordered FROM devices WHERE device_id = $1', [deviceId])).getRows()[0]![0] === true);
}

afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('telemetry read as DuckDB chunks → Arrow', () => {
  const cases: { name: string; limit: number; columns?: ColumnName[]; fromMs?: number }[] = [
    { name: 'the whole range in one page', limit: 100_000 },
    { name: 'a page cut inside a chunk', limit: 3001 },
    { name: 'a page from the middle, some columns', limit: 1000, fromMs: T0 + 1234 * 1000, columns: ['ts', 'speed_kph', 'state', 'error_codes'] },
  ];
  for (const c of cases.flatMap((c) => ['car-1', 'car-2'].map((deviceId) => ({ ...c, deviceId })))) {
    it(`gives exactly the page reader's rows and cursor: ${c.name} (${c.deviceId === 'car-1' ? 'stored out of order, sorted' : 'stored in order, streamed'})`, async () => {
      const q = { deviceId: c.deviceId, fromMs: c.fromMs ?? T0, toMs: T0 + ROWS * 1000, limit: c.limit, columns: c.columns };
      const reference: TelemetryPage = (await store.withConnection((conn) => readTelemetryPage(conn, q)))!;
      const page = (await store.withConnection((conn) => readTelemetryBatches(conn, q)))!;
      expect(page.nextStartMs).toEqual(reference.nextStartMs);
      expect(page.length).toBe(reference.length);
      const rows = await arrowRows(telemetryBatchesToArrowPieces(page));
      const expected = telemetryPageToRows(reference).map((r) => JSON.parse(JSON.stringify(r)) as Record<string, unknown>);
      expect(rows.length).toBe(expected.length);
      // NULLs stay NULL, lists stay lists (empty ones included), in time order.
      expect(rows).toEqual(expected);
      if (!c.columns) {
        expect(rows.some((r) => r.speed_kph === null)).toBe(true);
        expect(rows.some((r) => r.state === null)).toBe(true);
        expect(rows.some((r) => Array.isArray(r.error_codes) && (r.error_codes as string[]).length === 2)).toBe(true);
      }
    });
  }

  it('answers an empty range with a valid, empty stream', async () => {
    const rows = await arrowRows(telemetryBatchesToArrowPieces((await store.withConnection((conn) => readTelemetryBatches(conn, { deviceId: 'car-1', fromMs: T0 - 10_000, toMs: T0 - 5000, limit: 10 })))!));
    expect(rows).toEqual([]);
    const page = (await store.withConnection((conn) => readTelemetryPage(conn, { deviceId: 'car-1', fromMs: T0 - 10_000, toMs: T0 - 5000, limit: 10 })))!;
    expect(page.length).toBe(0);
    expect(await store.withConnection((conn) => readTelemetryPage(conn, { deviceId: 'no-such-car', limit: 10 }))).toBeUndefined();
    expect(await store.withConnection((conn) => readTelemetryBatches(conn, { deviceId: 'no-such-car', limit: 10 }))).toBeUndefined();
  });

  it('each commit records whether a device\'s rows are stored in time order; compaction restores it', async () => {
    expect(await tsOrdered('car-1')).toBe(false); // its second batch started before the first
    expect(await tsOrdered('car-2')).toBe(true);
    await ingest(store, { input: [new TextEncoder().encode([HEADER, line(ROWS + 5, 'car-3'), line(ROWS + 9, 'car-3')].join('\n'))], format: 'csv', source: 'inline' });
    expect(await tsOrdered('car-3')).toBe(true);
    await ingest(store, { input: [new TextEncoder().encode([HEADER, line(ROWS + 8, 'car-3')].join('\n'))], format: 'csv', source: 'inline' });
    expect(await tsOrdered('car-3')).toBe(false); // a row between two stored ones
    const states = await store.withConnection(async (conn) => (await conn.runAndReadAll("SELECT states FROM devices WHERE device_id = 'car-3'")).getRowsJS()[0]![0]);
    expect(states).toEqual(['driving', 'parked']); // every state value it sent, sorted, once ('parked' came last)
    await compactTelemetry(store);
    expect(await tsOrdered('car-1')).toBe(true);
    expect(await tsOrdered('car-3')).toBe(true);
  });

  it('reads a range again sorted when its scan breaks the order the device records', async () => {
    const dir2 = mkdtempSync(join(tmpdir(), 'telltale-batches-lie-'));
    const other = await TelemetryStore.open(join(dir2, 't.duckdb'));
    try {
      for (const part of [Array.from({ length: ROWS / 2 }, (_, i) => line(ROWS / 2 + i)), Array.from({ length: ROWS / 2 }, (_, i) => line(i))]) {
        await ingest(other, { input: [new TextEncoder().encode([HEADER, ...part].join('\n'))], format: 'csv', source: 'inline' });
      }
      await other.withConnection((conn) => conn.run("UPDATE devices SET ts_ordered = true WHERE device_id = 'car-1'"));
      const q = { deviceId: 'car-1', limit: 100_000 };
      const page = (await other.withConnection((conn) => readTelemetryBatches(conn, q)))!;
      const rows = await arrowRows(telemetryBatchesToArrowPieces(page));
      const reference = (await other.withConnection((conn) => readTelemetryPage(conn, q)))!;
      expect(rows.map((r) => r.ts)).toEqual(Array.from({ length: ROWS }, (_, i) => new Date(T0 + i * 1000).toISOString()));
      expect(rows).toEqual(telemetryPageToRows(reference).map((r) => JSON.parse(JSON.stringify(r)) as Record<string, unknown>));
    } finally {
      await other.close();
      rmSync(dir2, { recursive: true, force: true });
    }
  });
});
