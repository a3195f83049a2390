import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingest } from '../../src/ingest/ingest-pipeline.ts';
import { refreshSessions } from '../../src/sessions/session-maintainer.ts';
import { listSessions } from '../../src/store/session-repository.ts';
import { openTempStore } from '../temp-store.ts';

const FILE = join(import.meta.dirname, '../../fixtures/twizy-rsk/T1_06_30_2021_2.csv');
let store: Awaited<ReturnType<typeof openTempStore>>;

beforeAll(async () => {
  store = await openTempStore();
  await ingest(store, { input: { path: FILE }, format: 'csv', source: 'T1', deviceId: 'twizy', profile: 'twizy-rsk' });
  await refreshSessions(store, 'twizy', -8.64e15);
});
afterAll(() => store.dispose());

describe('drive conditions stored with the sessions (a real Twizy trip in Rabat)', () => {
  it('keeps the typed columns equal to the period JSON, classes summing to the distance', async () => {
    const sessions = await store.withConnection((conn) => listSessions(conn, { deviceId: 'twizy', kind: 'drive' }));
    expect(sessions.length).toBeGreaterThan(0);
    const rows = await store.withConnection(async (conn) =>
      (
        await conn.runAndReadAll(
          `SELECT session_id, distance_km, highway_km + arterial_km + city_km, city_s, temp_band, daylight, mean_outside_temp_c
           FROM sessions WHERE kind = 'drive' ORDER BY start_ts`,
        )
      ).getRows(),
    );
    expect(rows).toHaveLength(sessions.length);
    for (const [i, s] of sessions.entries()) {
      const [id, km, classKm, cityS, band, daylight, temp] = rows[i]!;
      expect(id).toBe(s.sessionId);
      expect(km).toBeCloseTo(s.distanceKm!, 6);
      expect(Number(classKm)).toBeCloseTo(s.distanceKm!, 2);
      expect(cityS).toBe(s.conditions!.cityS);
      expect(band).toBe(s.conditions!.tempBand);
      expect(temp).toBe(s.conditions!.meanOutsideTempC);
      // The trip ran on the morning of 30 June 2021 (08:30–09:00 UTC): the sun was up in Rabat.
      expect(daylight).toBe('day');
    }
    // A Twizy tops out at 80 km/h in Rabat's streets: mostly city driving.
    const city = sessions.reduce((sum, s) => sum + s.conditions!.cityS, 0);
    const all = sessions.reduce((sum, s) => sum + s.conditions!.cityS + s.conditions!.arterialS + s.conditions!.highwayS, 0);
    expect(city / all).toBeGreaterThan(0.5);
  });
});
