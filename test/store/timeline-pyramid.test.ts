import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ColumnName } from '../../src/domain/telemetry-schema.ts';
import { ingest } from '../../src/ingest/ingest-pipeline.ts';
import { compactTelemetry } from '../../src/store/compact-telemetry.ts';
import { inTransaction } from '../../src/store/in-transaction.ts';
import { purgeDeviceRows } from '../../src/store/purge-repository.ts';
import { rebuildTelemetryMinutes } from '../../src/store/telemetry-minutes-repository.ts';
import { TelemetryStore } from '../../src/store/telemetry-store.ts';
import { readTimeline, type TimelineQuery } from '../../src/store/timeline-repository.ts';

const T0 = Date.UTC(2024, 4, 1);
const ROWS = 20_000; // every 5 s: 28 h, long enough for whole-minute fine buckets
const HEADER = 'device_id,ts,speed_kph,soc_pct,range_km,battery_temp_c,outside_temp_c,cabin_setpoint_c,lat,lon,alt_m,odometer_km,power_kw,state,error_codes';
let dir: string;
let store: TelemetryStore;

/**
 * Row i: NULLs, a 15 min hole after row 4,000, a spike, a state and codes. No value repeats within
 * a minute (12 rows): of equal extremes in one minute the store may keep either, so the paths
 * compared here could differ only there.
 */
function line(device: string, i: number): string {
  const t = T0 + i * 5000 + (i > 4000 ? 15 * 60_000 : 0);
  const speed = i % 9 === 0 ? '' : (60 + 40 * Math.sin(i / 300)).toFixed(4);
  const soc = (90 - i / 300).toFixed(4);
  const temp = i === 7777 ? '95' : (20 + (i % 50) / 10).toFixed(1);
  return `${device},${new Date(t).toISOString()},${speed},${soc},,${temp},${i % 4 === 0 ? '' : (5 + (i % 13) / 10).toFixed(1)},,,,,${1000 + i / 100},${(i % 40) - 10},${i % 500 < 250 ? 'driving' : 'parked'},${i === 9000 ? 'P0A1F' : ''}`;
}

const rows = (device: string, from: number, to: number) => Array.from({ length: to - from }, (_, k) => line(device, from + k));
const put = (lines: string[]) => ingest(store, { input: [new TextEncoder().encode([HEADER, ...lines].join('\n'))], format: 'csv', source: 'inline' });

/** Every pyramid row, as stored. */
const pyramid = () => store.withConnection(async (conn) => (await conn.runAndReadAll('SELECT * FROM telemetry_minutes ORDER BY device_id, minute')).getRows().map(String));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'telltale-pyramid-'));
  store = await TelemetryStore.open(join(dir, 't.duckdb'));
  await put(rows('ordered', 0, ROWS));
  // Batches that cut minutes: the second half stored first (late rows), then the first half
  // with some of the second again (duplicates, dropped), so minutes are merged across commits.
  await put(rows('late', 10_001, ROWS));
  await put(rows('late', 0, 10_003));
  await put([...rows('live', 0, 7), ...rows('late', 9_990, 10_010)]);
  for (let k = 7; k < 400; k += 7) await put(rows('live', k, k + 7));
});

afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the timeline pyramid', () => {
  it('is what summing the stored rows up again gives, after commits that merge minutes', async () => {
    const kept = await pyramid();
    expect(kept.length).toBeGreaterThan(2 * 1600);
    await store.withConnection((conn) => inTransaction(conn, () => rebuildTelemetryMinutes(conn)));
    expect(await pyramid()).toEqual(kept);
  });

  const charts: (Omit<TimelineQuery, 'deviceId'> & { columns: ColumnName[] })[] = [
    { columns: ['device_id', 'ts', 'speed_kph', 'soc_pct', 'outside_temp_c', 'battery_temp_c'], maxPoints: 2000 },
    // cut minutes at both ends
    { columns: ['ts', 'speed_kph', 'soc_pct', 'battery_temp_c', 'odometer_km', 'power_kw'], maxPoints: 300, fromMs: T0 + 3 * 3_600_000 + 17_500, toMs: T0 + 25 * 3_600_000 + 41_300 },
    { columns: ['ts', 'speed_kph', 'state', 'error_codes'], maxPoints: 1000, fromMs: T0 - 3_600_000 },
    { columns: ['ts', 'speed_kph'], maxPoints: 100_000 }, // not reduced: every row, and the hole row
  ];
  for (const device of ['ordered', 'late']) {
    for (const chart of charts) {
      it(`gives what summing the rows up gives: ${device}, ${chart.columns.join(',')} at ${chart.maxPoints} points`, async () => {
        const q = { deviceId: device, ...chart };
        const fromPyramid = await store.withConnection((conn) => readTimeline(conn, q));
        const fromRows = await store.withConnection((conn) => readTimeline(conn, q, { pyramid: false, oneScan: false }));
        expect(fromPyramid.page.length).toBeGreaterThan(100);
        expect(fromPyramid.totalRows).toBe(fromRows.totalRows);
        expect(fromPyramid.reduced).toBe(fromRows.reduced);
        expect(Array.from(fromPyramid.page.tsMs)).toEqual(Array.from(fromRows.page.tsMs));
        for (const c of Object.keys(fromRows.page.numbers) as (keyof typeof fromRows.page.numbers)[]) expect(Array.from(fromPyramid.page.numbers[c]!)).toEqual(Array.from(fromRows.page.numbers[c]!));
        expect(fromPyramid.page.lists).toEqual(fromRows.page.lists);
        expect(fromPyramid.page.stateDictionary).toEqual(fromRows.page.stateDictionary);
        if (chart.columns.includes('battery_temp_c')) expect(Array.from(fromPyramid.page.numbers.battery_temp_c!)).toContain(95); // the spike survives
      });
    }
  }

  it('is what a long chart is read from', async () => {
    const q = { deviceId: 'ordered', ...charts[0]! };
    const before = await store.withConnection((conn) => readTimeline(conn, q));
    await store.withConnection((conn) => conn.run("DELETE FROM telemetry_minutes WHERE device_id = 'ordered' AND minute % 2 = 0"));
    const halved = await store.withConnection((conn) => readTimeline(conn, q));
    expect(halved.totalRows).toBeLessThan(before.totalRows * 0.6);
    await store.withConnection((conn) => inTransaction(conn, () => rebuildTelemetryMinutes(conn)));
    expect((await store.withConnection((conn) => readTimeline(conn, q))).totalRows).toBe(ROWS);
  });

  it('follows a purge that cuts a minute, and compaction', async () => {
    await store.withConnection((conn) => inTransaction(conn, () => purgeDeviceRows(conn, 'late', T0 + 2 * 3_600_000 + 32_000)));
    await store.withConnection((conn) => inTransaction(conn, () => purgeDeviceRows(conn, 'live', null)));
    const kept = await pyramid();
    expect(kept.some((r) => r.startsWith('live,'))).toBe(false);
    await compactTelemetry(store);
    expect(await pyramid()).toEqual(kept);
    await store.withConnection((conn) => inTransaction(conn, () => rebuildTelemetryMinutes(conn)));
    expect(await pyramid()).toEqual(kept);
    const q = { deviceId: 'late', ...charts[0]! };
    const fromPyramid = await store.withConnection((conn) => readTimeline(conn, q));
    const fromRows = await store.withConnection((conn) => readTimeline(conn, q, { pyramid: false, oneScan: false }));
    expect(fromPyramid.totalRows).toBe(ROWS - 1447);
    expect(Array.from(fromPyramid.page.tsMs)).toEqual(Array.from(fromRows.page.tsMs));
  });
});
