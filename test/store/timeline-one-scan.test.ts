import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingest } from '../../src/ingest/ingest-pipeline.ts';
import { TelemetryStore } from '../../src/store/telemetry-store.ts';
import { readTimeline } from '../../src/store/timeline-repository.ts';
import type { ColumnName } from '../../src/domain/telemetry-schema.ts';

const T0 = Date.UTC(2024, 4, 1);
const ROWS = 12_000;
const HEADER = 'device_id,ts,speed_kph,soc_pct,range_km,battery_temp_c,outside_temp_c,cabin_setpoint_c,lat,lon,alt_m,odometer_km,power_kw,state,error_codes';
let dir: string;
let store: TelemetryStore;

/** Row i: a drive with NULLs, ties, a 15 min hole after row 4,000 and a spike. */
function line(device: string, i: number): string {
  const t = T0 + i * 1000 + (i > 4000 ? 15 * 60_000 : 0);
  const speed = i % 9 === 0 ? '' : String(Math.round(60 + 40 * Math.sin(i / 300)));
  const soc = String(Math.floor(90 - i / 200)); // long runs of equal values: ties
  const temp = i === 7777 ? '95' : (20 + (i % 50) / 10).toFixed(1);
  return `${device},${new Date(t).toISOString()},${speed},${soc},,${temp},${i % 4 === 0 ? '' : '5.5'},,,,,${1000 + i / 100},${(i % 40) - 10},driving,`;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'telltale-timeline-'));
  store = await TelemetryStore.open(join(dir, 't.duckdb'));
  const rows = (device: string, from: number, to: number) => Array.from({ length: to - from }, (_, k) => line(device, from + k));
  const csv = (lines: string[]) => [new TextEncoder().encode([HEADER, ...lines].join('\n'))];
  await ingest(store, { input: csv(rows('ordered', 0, ROWS)), format: 'csv', source: 'inline' });
  // Late rows: the second half stored first, so the scan is not in time order.
  await ingest(store, { input: csv(rows('late', ROWS / 2, ROWS)), format: 'csv', source: 'inline' });
  await ingest(store, { input: csv(rows('late', 0, ROWS / 2)), format: 'csv', source: 'inline' });
});

afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a timeline summed up in one scan', () => {
  const charts: { columns: ColumnName[]; maxPoints: number; fromMs?: number; toMs?: number }[] = [
    { columns: ['device_id', 'ts', 'speed_kph', 'soc_pct', 'outside_temp_c', 'battery_temp_c'], maxPoints: 2000 },
    { columns: ['ts', 'speed_kph', 'soc_pct', 'battery_temp_c', 'odometer_km', 'power_kw'], maxPoints: 300 },
    { columns: ['ts', 'speed_kph'], maxPoints: 100_000 }, // not reduced: every row, and the hole row
    { columns: ['ts', 'battery_temp_c', 'speed_kph'], maxPoints: 200, fromMs: T0 + 7000 * 1000, toMs: T0 + 8000 * 1000 }, // short: finer than a minute
  ];
  it('reads the kept rows again by time when the range is too long to hold', async () => {
    const q = { deviceId: 'ordered', columns: charts[0]!.columns, maxPoints: 500 };
    const unheld = await store.withConnection((conn) => readTimeline(conn, q, { pyramid: false, maxHeldValues: 1000 }));
    const sql = await store.withConnection((conn) => readTimeline(conn, q, { pyramid: false, oneScan: false }));
    expect(unheld.reduced).toBe(true);
    expect(Array.from(unheld.page.tsMs)).toEqual(Array.from(sql.page.tsMs));
    expect(Array.from(unheld.page.numbers.speed_kph!)).toEqual(Array.from(sql.page.numbers.speed_kph!));
  });

  for (const device of ['ordered', 'late']) {
    for (const chart of charts) {
      it(`gives what the SQL reduction gives: ${device}, ${chart.columns.join(',')} at ${chart.maxPoints} points`, async () => {
        const q = { deviceId: device, columns: chart.columns, maxPoints: chart.maxPoints, fromMs: chart.fromMs, toMs: chart.toMs };
        const oneScan = await store.withConnection((conn) => readTimeline(conn, q, { pyramid: false }));
        const sql = await store.withConnection((conn) => readTimeline(conn, q, { pyramid: false, oneScan: false }));
        expect(oneScan.page.length).toBeGreaterThan(10);
        expect(oneScan.totalRows).toBe(sql.totalRows);
        expect(oneScan.reduced).toBe(sql.reduced);
        expect(Array.from(oneScan.page.tsMs)).toEqual(Array.from(sql.page.tsMs));
        for (const c of Object.keys(sql.page.numbers) as (keyof typeof sql.page.numbers)[]) expect(Array.from(oneScan.page.numbers[c]!)).toEqual(Array.from(sql.page.numbers[c]!));
        if (!chart.fromMs && oneScan.page.numbers.battery_temp_c) expect(Array.from(oneScan.page.numbers.battery_temp_c)).toContain(95); // the spike survives
      });
    }
  }
});
