import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.ts';
import { parseMapOptions } from '../../src/ingest/column-mapping.ts';
import { ingest } from '../../src/ingest/ingest-pipeline.ts';
import { openTempStore } from '../temp-store.ts';
import { api, listenWithAdminKey } from '../api-key.ts';

const LAB = join(import.meta.dirname, '../../fixtures/lab-10hz/bench-run.csv');
const START = '2024-05-01T08:00:00Z';
/** The README's command, as a request. */
const MAPS = [
  'ts=Zeit [s]',
  'speed_kph=Geschwindigkeit [km/h]',
  'power_kw=-Batteriespannung [V]*Batteriestrom [A]:w',
  'outside_temp_c=Außentemperatur [°C]',
  'soc_pct=Ladezustand [%]',
];

let store: Awaited<ReturnType<typeof openTempStore>>;
beforeAll(async () => {
  store = await openTempStore();
});
afterAll(() => store.dispose());

const rows = async (deviceId: string) =>
  store.withConnection(async (conn) =>
    (await conn.runAndReadAll('SELECT epoch_ms(ts)::DOUBLE, speed_kph, power_kw, outside_temp_c, soc_pct FROM telemetry WHERE device_id = $1 ORDER BY ts', [deviceId])).getRows().map((r) => r.map(Number)),
  );

describe('a 10 Hz lab log with ;, Latin-1 and relative seconds', () => {
  it('goes in with one command: every row, times from --start, power from voltage × current', async () => {
    const summary = await ingest(store, { input: { path: LAB }, format: 'csv', source: 'lab', deviceId: 'dyno-1', delimiter: ';', encoding: 'latin1', start: START, maps: MAPS });
    expect(summary).toMatchObject({ accepted: 600, rejected: 0, ignoredColumns: ['Bemerkung'] });
    const stored = await rows('dyno-1');
    expect(stored[0]![0]).toBe(Date.parse(START));
    expect(stored[1]![0]).toBe(Date.parse(START) + 100);
    expect(stored[599]![0]).toBe(Date.parse(START) + 59_900);
    // Row 2 of the file: 0.1 s, 0.25 km/h, 396.76 V, −24.40 A → 9.681 kW drawn from the battery.
    const [, speed, power, temp] = stored[1]!;
    expect(speed).toBe(0.25);
    expect(power).toBeCloseTo((396.76 * 24.4) / 1000, 3);
    expect(temp).toBe(4.5);
  });

  it('the same over HTTP with ?delimiter=;&encoding=latin1&start=…', async () => {
    const app: FastifyInstance = await buildApp({ store, detectors: [] });
    try {
      const base = await listenWithAdminKey(app);
      const qs = new URLSearchParams({ device: 'dyno-2', delimiter: ';', encoding: 'latin1', start: START });
      for (const m of MAPS) qs.append('map', m);
      const res = await api(`${base}/v1/telemetry?${qs}`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: readFileSync(LAB) });
      expect(await res.json()).toMatchObject({ accepted: 600, rejected: 0 });
      expect(await rows('dyno-2')).toEqual(await rows('dyno-1'));
    } finally {
      await app.close();
    }
  });

  it('without --encoding latin1 the rows with ß or ° are rejected as not UTF-8, naming the row', async () => {
    const summary = await ingest(store, { input: { path: LAB }, format: 'csv', source: 'lab', deviceId: 'dyno-3', delimiter: ';', start: START, maps: ['ts=Zeit [s]', 'speed_kph=Geschwindigkeit [km/h]'] });
    // The header's ß is replaced, so the mapping still finds 'Zeit [s]'; row 1 says "Prüfstand".
    expect(summary.errors[0]).toMatchObject({ row: 1, field: '(encoding)' });
  });

  it('refuses a bad delimiter, encoding or start with the option named', async () => {
    const run = (extra: object) => ingest(store, { input: { path: LAB }, format: 'csv', source: 'lab', deviceId: 'x', maps: MAPS, ...extra });
    await expect(run({ delimiter: ';;' })).rejects.toThrow(/delimiter ';;'/);
    await expect(run({ encoding: 'ebcdic' })).rejects.toThrow(/encoding 'ebcdic': utf8 or latin1/);
    await expect(run({ start: 'tuesday' })).rejects.toThrow(/start 'tuesday'/);
  });

  it('parses a product mapping, with a sign', () => {
    expect(parseMapOptions(['power_kw=-U*I:w']).power_kw).toEqual({ source: '-U*I', unit: 'w', factors: ['U', 'I'], negate: true });
    expect(parseMapOptions(['power_kw=U * I:kw']).power_kw).toMatchObject({ factors: ['U', 'I'] });
    expect(() => parseMapOptions(['power_kw=U*:w'])).toThrow(/each side/);
  });
});
