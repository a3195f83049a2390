import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latestValues } from '../../src/domain/latest-values.ts';
import { emptyFrame } from '../../src/domain/telemetry-frame.ts';
import { ingest } from '../../src/ingest/ingest-pipeline.ts';
import { REPLAY_COLUMN_NAMES, SeriesReplaySource } from '../../src/replay/replay-source.ts';
import { StoreReplaySource } from '../../src/replay/store-replay-source.ts';
import { readSeries } from '../../src/store/series-repository.ts';
import { openTempStore } from '../temp-store.ts';

const T0 = Date.UTC(2024, 0, 1);
// Codes only on the second row; SoC logged once; the last row logs speed only.
const CSV = [
  'ts,speed_kph,soc_pct,state,error_codes',
  `${new Date(T0).toISOString()},10,80,D,`,
  `${new Date(T0 + 1000).toISOString()},20,,D,P0A1F|U0100`,
  `${new Date(T0 + 2000).toISOString()},30,,,`,
].join('\n');

let store: Awaited<ReturnType<typeof openTempStore>>;

beforeAll(async () => {
  store = await openTempStore({ now: () => T0 + 3600_000 });
  await ingest(store, { input: [Buffer.from(CSV)], format: 'csv', source: 'backfill.csv', deviceId: 'car-1' });
});
afterAll(async () => store.dispose());

describe('replay back-fill: one implementation for a series in memory, a store window and the store itself', () => {
  it('carries numbers and state forward, and gives a row without error codes null, not []', () => {
    const frame = emptyFrame(2);
    frame.tsMs.set([T0, T0 + 1000]);
    frame.socPct[0] = 80;
    frame.state[0] = 'D';
    frame.errorCodes[0] = ['P0A1F'];
    const v = latestValues(frame, T0 + 1500, ['soc_pct', 'speed_kph']);
    expect(v).toEqual({ ts: T0 + 1000, soc_pct: 80, speed_kph: null, state: 'D', error_codes: null });
    expect(latestValues(frame, T0, ['soc_pct']).error_codes).toEqual(['P0A1F']);
    expect(latestValues(frame, T0 - 1, ['soc_pct'])).toEqual({ ts: null, soc_pct: null, state: null, error_codes: null });
  });

  it('answers the same from memory and from the store, at every position', async () => {
    const series = await store.withConnection((conn) => readSeries(conn, { deviceId: 'car-1' }));
    const memory = new SeriesReplaySource('car-1', series);
    const stored = new StoreReplaySource(store, 'car-1', { startMs: T0, endMs: T0 + 2000 }, []);
    for (const at of [T0, T0 + 1000, T0 + 1500, T0 + 2000]) {
      const fromStore = await stored.backfill(at);
      expect(fromStore).toEqual(await memory.backfill(at));
      expect(Object.keys(fromStore).sort()).toEqual(['error_codes', 'state', 'ts', ...REPLAY_COLUMN_NAMES].sort());
    }
    const atLast = await stored.backfill(T0 + 2000);
    expect(atLast).toMatchObject({ ts: T0 + 2000, speed_kph: 30, soc_pct: 80, state: 'D', error_codes: null });
    expect((await stored.backfill(T0 + 1000)).error_codes).toEqual(['P0A1F', 'U0100']);
  });

  it('reaches past the window into the store for a channel the window does not hold', async () => {
    // A window that starts after the only SoC sample: the value must come from the store.
    const stored = new StoreReplaySource(store, 'car-1', { startMs: T0 + 1000, endMs: T0 + 2000 }, []);
    expect(await stored.backfill(T0 + 2000)).toMatchObject({ soc_pct: 80, speed_kph: 30, error_codes: null });
  });
});
