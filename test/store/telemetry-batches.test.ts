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
import type { ColumnName } from '../../src/domain/telemetry-schema.ts';

const T0 = Date.UTC(2024, 2, 1);
const ROWS = 5000; // more than two DuckDB chunks of 2,048
let dir: string;
let store: TelemetryStore;

/** Row i of a device with NULLs, NULL and empty lists, NULL states, every few rows. */
function line(i: number): string {
  const ts = new Date(T0 + i * 1000).toISOString();
  const speed = i % 7 === 0 ? '' : String((i % 130) + 0.5);
  const soc = i % 11 === 0 ? '' : String(90 - i / 100);
  const state = i % 13 === 0 ? '' : i % 2 ? 'driving' : 'parked';
  const codes = i % 97 === 0 ? 'P0A1F|U0100' : i % 89 === 0 ? 'B1234' : '';
  return `car-1,${ts},${speed},${soc},,20.5,,,48.1,11.5,,${1000 + i / 100},${i % 5 === 0 ? '' : (i % 40) - 10},${state},${codes}`;
}
const HEADER = 'device_id,ts,speed_kph,soc_pct,range_km,battery_temp_c,outside_temp_c,cabin_setpoint_c,lat,lon,alt_m,odometer_km,power_kw,state,error_codes';

/** Arrow stream → the rows the JSON reply has, for comparison with the page reader's. */
async function arrowRows(pieces: AsyncIterable<Uint8Array>): Promise<Record<string, unknown>[]> {
  const parts: Uint8Array[] = [];
  for await (const p of pieces) parts.push(p.slice());
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
});

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
  for (const c of cases) {
    it(`gives exactly the page reader's rows and cursor: ${c.name}`, async () => {
      const q = { deviceId: 'car-1', fromMs: c.fromMs ?? T0, toMs: T0 + ROWS * 1000, limit: c.limit, columns: c.columns };
      const reference: TelemetryPage = await store.withConnection((conn) => readTelemetryPage(conn, q));
      const batches = await store.withConnection((conn) => readTelemetryBatches(conn, q));
      expect(batches.nextStartMs).toEqual(reference.nextStartMs);
      expect(batches.length).toBe(reference.length);
      const rows = await arrowRows(telemetryBatchesToArrowPieces(batches));
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
    const batches = await store.withConnection((conn) => readTelemetryBatches(conn, { deviceId: 'car-1', fromMs: T0 - 10_000, toMs: T0 - 5000, limit: 10 }));
    expect(batches.length).toBe(0);
    expect(await arrowRows(telemetryBatchesToArrowPieces(batches))).toEqual([]);
    const page = await store.withConnection((conn) => readTelemetryPage(conn, { deviceId: 'car-1', fromMs: T0 - 10_000, toMs: T0 - 5000, limit: 10 }));
    expect(page.length).toBe(0);
  });
});
