import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickhouseServerBinary, startClickHouseCluster, type ClickHouseCluster } from '../../scripts/clickhouse/cluster.ts';
import { ClickHouseBackend } from '../../src/store/clickhouse/clickhouse-backend.ts';
import { T0, batchOf } from './contract-fixtures.ts';

const skip = clickhouseServerBinary() ? undefined : 'clickhouse-server is not installed';

/** What the contract cannot see: how the ClickHouse backend lays rows out over the shards. */
describe.skipIf(skip !== undefined)('ClickHouse layout: sharded by device, exact before merges', () => {
  let cluster: ClickHouseCluster;
  let backend: ClickHouseBackend;
  const db = `layout_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const count = async (shard: number, sql: string) => Number((await backend.conn.rows<{ n: string }>(sql.replaceAll('{db}', db), shard))[0]!.n);

  beforeAll(async () => {
    cluster = await startClickHouseCluster({ shards: 2 });
    backend = await ClickHouseBackend.open(cluster.urls, db);
  }, 120_000);
  afterAll(async () => {
    await backend?.close();
    await cluster?.stop();
  }, 60_000);

  it('puts every device wholly on one shard and uses both shards', async () => {
    const rows = [];
    for (let d = 0; d < 20; d++) for (let s = 0; s < 10; s++) rows.push({ deviceId: `dev-${d}`, tsMs: T0 + s * 1000, speedKph: d });
    expect((await backend.telemetry.append(batchOf(rows), [], { source: 't', format: 'ndjson' })).accepted).toBe(200);
    const perShard = [];
    for (let shard = 0; shard < 2; shard++) {
      perShard.push(await count(shard, 'SELECT count() AS n FROM {db}.telemetry_local'));
      // A device's rows are all here or all elsewhere: each device present on this shard has all 10 rows.
      expect(await count(shard, 'SELECT countIf(c != 10) AS n FROM (SELECT device_id, count() AS c FROM {db}.telemetry_local GROUP BY device_id)')).toBe(0);
    }
    expect(perShard[0]! + perShard[1]!).toBe(200);
    expect(perShard[0]).toBeGreaterThan(0);
    expect(perShard[1]).toBeGreaterThan(0);
  });

  it('reads the first value stored while the repeated rows are still in separate, unmerged parts', async () => {
    for (let shard = 0; shard < 2; shard++) await backend.conn.command('SYSTEM STOP MERGES', shard);
    try {
      await backend.telemetry.append(batchOf([{ deviceId: 'dup', tsMs: T0, speedKph: 1 }]), [], { source: 't', format: 'ndjson' });
      // Written directly past the de-duplicating append, as a second writer racing it could: a later version of the same key.
      await backend.conn.insertRows('telemetry', [{ device_id: 'dup', ts: T0, speed_kph: 99, ver: 1 }]);
      const parts = await Promise.all([0, 1].map((s) => count(s, `SELECT count() AS n FROM system.parts WHERE active AND database = '${db}' AND table = 'telemetry_local' AND partition = '202401'`)));
      expect(Math.max(...parts)).toBeGreaterThanOrEqual(2);
      const raw = await Promise.all([0, 1].map((s) => count(s, "SELECT count() AS n FROM {db}.telemetry_local WHERE device_id = 'dup'")));
      expect(raw[0]! + raw[1]!).toBe(2);
      const cols = await backend.telemetry.readColumns({ deviceId: 'dup' });
      expect(cols.length).toBe(1);
      expect([...cols.numbers.speed_kph!]).toEqual([1]);
    } finally {
      for (let shard = 0; shard < 2; shard++) await backend.conn.command('SYSTEM START MERGES', shard);
    }
  });
});
