import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ingest } from '../../src/ingest/ingest-pipeline.ts';
import { openTempStore } from '../temp-store.ts';

const T0 = Date.UTC(2024, 0, 1);
// One bad row (speed out of range), so the commit also writes the quarantine.
const CSV = ['ts,speed_kph', `${new Date(T0).toISOString()},10`, `${new Date(T0 + 1000).toISOString()},9999`].join('\n');

let store: Awaited<ReturnType<typeof openTempStore>>;
let opened = 0;
let closed = 0;

beforeEach(async () => {
  store = await openTempStore({ now: () => T0 + 3600_000 });
  opened = 0;
  closed = 0;
  // Count the batch connections the ingest takes and gives back.
  const connect = store.connect.bind(store);
  store.connect = async () => {
    const conn = await connect();
    opened++;
    const close = conn.closeSync.bind(conn);
    conn.closeSync = () => {
      closed++;
      close();
    };
    return conn;
  };
});
afterEach(async () => store.dispose());

describe('a commit that fails', () => {
  it('stores nothing of the batch, records it as failed with the reason, and releases its connection and temporary tables', async () => {
    // Sabotage the commit's last write: the quarantine table is gone.
    await store.db.run('DROP TABLE quarantine');
    await expect(ingest(store, { input: [Buffer.from(CSV)], format: 'csv', source: 'broken.csv', deviceId: 'car-1' })).rejects.toThrow(/quarantine/i);
    expect(opened).toBeGreaterThan(0);
    expect(closed).toBe(opened);
    const batches = (await store.db.runAndReadAll("SELECT status, error FROM ingest_batches WHERE source = 'broken.csv'")).getRows();
    expect(batches).toHaveLength(1);
    expect(batches[0]![0]).toBe('failed');
    expect(String(batches[0]![1])).toMatch(/quarantine/i);
    expect((await store.db.runAndReadAll("SELECT count(*) FROM telemetry WHERE device_id = 'car-1'")).getRows()[0]![0]).toBe(0n);
  });

  it('leaves the store working: the next batch commits', async () => {
    await store.db.run('DROP TABLE quarantine');
    await expect(ingest(store, { input: [Buffer.from(CSV)], format: 'csv', source: 'broken.csv', deviceId: 'car-1' })).rejects.toThrow();
    const good = ['ts,speed_kph', `${new Date(T0).toISOString()},10`].join('\n');
    expect(await ingest(store, { input: [Buffer.from(good)], format: 'csv', source: 'good.csv', deviceId: 'car-1' })).toMatchObject({ accepted: 1 });
    expect(closed).toBe(opened);
  });
});
