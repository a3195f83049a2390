import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingest } from '../../src/ingest/ingest-pipeline.ts';
import type { IngestSummary } from '../../src/ingest/ingest-summary.ts';
import { TelemetryStore } from '../../src/store/telemetry-store.ts';

const DIR = join(import.meta.dirname, '../../fixtures/twizy-rsk');
const FILES = readdirSync(DIR).filter((f) => /\.csv(\.gz)?$/.test(f)).sort();
const lines = (file: string) => {
  const bytes = readFileSync(join(DIR, file));
  return (file.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8').trim().split('\n').slice(1);
};

/** An independent check of M/D/YYYY: the date must exist in the calendar. */
function validDate(text: string): boolean {
  const [m, d, y] = text.split('/').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

let store: TelemetryStore;
const summaries = new Map<string, IngestSummary>();

beforeAll(async () => {
  store = await TelemetryStore.open(':memory:');
  for (const file of FILES) {
    summaries.set(file, await ingest(store, { input: { path: join(DIR, file) }, format: 'csv', source: file, deviceId: file, profile: 'twizy-rsk' }));
  }
});

afterAll(async () => store.close());

async function first(device: string): Promise<Record<string, unknown>> {
  const r = await store.db.runAndReadAll(`SELECT strftime(ts, '%Y-%m-%dT%H:%M:%SZ') AS ts, speed_kph, soc_pct, state, lat, lon, alt_m, outside_temp_c FROM telemetry WHERE device_id = $1 ORDER BY ts LIMIT 1`, [device]);
  return r.getRowObjectsJson()[0]!;
}

describe('the twizy-rsk import profile', () => {
  it('reads every row of all 14 files, both date styles; only rows with corrupt dates (03/00/2000, 90/02/2032…) are refused', () => {
    expect(FILES).toHaveLength(14);
    for (const file of FILES) {
      const s = summaries.get(file)!;
      const corrupt = lines(file).filter((l) => !validDate(l.split(',')[0]!)).length;
      expect(s.accepted + s.rejected, file).toBe(lines(file).length);
      expect(s.rejected, file).toBe(corrupt);
      expect(s.duplicates, file).toBe(0);
      expect(s.ignoredColumns, file).toEqual(['GpsSpeed', 'Humidity', 'Weather', 'WindSpeedAv', 'Traffic', 'SpeedLimit']);
    }
    // T1_06_30_2021_1 carries rows dated 03/00/2000 and 30/00/2006 in the middle of the trip.
    const t1 = summaries.get('T1_06_30_2021_1.csv.gz')!;
    expect(t1.rejected).toBe(34);
    expect(t1.errors[0]).toMatchObject({ field: 'ts' });
    expect(t1.errors[0]!.reason).toBe("Date/Time '03/00/2000 13:34:23' is not a valid M/D/YYYY date and time");
  });

  it('turns Morocco local time into UTC with the tz database (UTC+1, but UTC+0 during Ramadan 2021)', async () => {
    expect(lines('T1_06_30_2021_2.csv')[0]).toMatch(/^06\/30\/2021,09:39:19,/);
    expect(await first('T1_06_30_2021_2.csv')).toMatchObject({ ts: '2021-06-30T08:39:19Z', state: 'N', soc_pct: 93.42, speed_kph: 0, outside_temp_c: 19.7 });
    expect(lines('T3_04_22_2021_1.csv')[0]).toMatch(/^04\/22\/2021,08:42:50,/);
    expect((await first('T3_04_22_2021_1.csv')).ts).toBe('2021-04-22T08:42:50Z');
    // The M/D/YYYY style without leading zeros.
    expect(lines('T1_07_01_2021.csv')[0]).toMatch(/^7\/1\/2021,10:34:36,/);
    expect((await first('T1_07_01_2021.csv')).ts).toBe('2021-07-01T09:34:36Z');
  });

  it('maps Mode to state and keeps the gear letters', async () => {
    const r = await store.db.runAndReadAll("SELECT list(DISTINCT state ORDER BY state) FROM telemetry WHERE device_id = 'T1_03_29_2021.csv.gz'");
    expect(r.getRowsJson()[0]![0]).toEqual(['D', 'N', 'R']);
  });

  it('does not trust impossible GPS fixes (latitude 0, longitude 1555.6): position NULL, flag gps_invalid, the rest of the row kept', async () => {
    const odd = await store.db.runAndReadAll(
      "SELECT count(*), count(speed_kph) FROM telemetry WHERE device_id = 'T3_06_07_2021.csv' AND list_contains(flags, 'gps_invalid') AND lat IS NULL",
    );
    const oddRaw = lines('T3_06_07_2021.csv').filter((l) => Math.abs(Number(l.split(',')[6])) > 180).length;
    expect(oddRaw).toBeGreaterThan(0);
    expect(odd.getRows()[0]!.map(Number)).toEqual([oddRaw, oddRaw]);
    const file = 'T1_06_30_2021_2.csv';
    const glitches = lines(file).filter((l) => Number(l.split(',')[5]) === 0).length;
    expect(glitches).toBeGreaterThan(0);
    const r = await store.db.runAndReadAll(
      `SELECT count(*), count(lat), count(lon), count(speed_kph), count(soc_pct) FROM telemetry WHERE device_id = $1 AND list_contains(flags, 'gps_invalid')`,
      [file],
    );
    expect(r.getRows()[0]!.map(Number)).toEqual([glitches, 0, 0, glitches, glitches]);
    const rest = await store.db.runAndReadAll('SELECT count(*) FROM telemetry WHERE device_id = $1 AND (lat = 0 OR lon = 0)', [file]);
    expect(Number(rest.getRows()[0]![0])).toBe(0);
  });
});
