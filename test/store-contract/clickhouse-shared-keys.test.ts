import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickhouseServerBinary, startClickHouseCluster, type ClickHouseCluster } from '../../scripts/clickhouse/cluster.ts';
import { KEY_CACHE_MS, KeyService } from '../../src/auth/key-service.ts';
import { ClickHouseBackend } from '../../src/store/clickhouse/clickhouse-backend.ts';

// Two Telltale processes on one cluster, as two backends with connections of their own and a
// KeyService each (what each process builds): a key is made on one and checked on the other.
const skip = clickhouseServerBinary() ? undefined : 'clickhouse-server is not installed (apt-get install -y clickhouse-server)';
if (skip) console.warn(`shared API keys on ClickHouse skipped: ${skip}`);

describe.skipIf(skip !== undefined)('API keys shared by two processes on one ClickHouse cluster', () => {
  let cluster: ClickHouseCluster;
  let a: ClickHouseBackend;
  let b: ClickHouseBackend;
  let clockMs = 1_000_000;
  const now = () => clockMs;
  beforeAll(async () => {
    cluster = await startClickHouseCluster({ shards: 2 });
    const db = `keys_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
    a = await ClickHouseBackend.open(cluster.urls, db);
    b = await ClickHouseBackend.open(cluster.urls, db);
  }, 120_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await cluster?.stop();
  }, 60_000);

  it('accepts on one process a key made on the other, and refuses it there once revoked on the first (after the cache)', async () => {
    const onA = new KeyService(a.keys, now);
    const onB = new KeyService(b.keys, now);
    const made = await onA.create({ role: 'analyst', fleets: ['north'], label: 'ci' });
    expect(await onB.authenticate(made.token)).toEqual({ keyId: made.key.keyId, role: 'analyst', fleets: ['north'] });
    expect(await onB.authenticate(made.token.slice(0, -1) + (made.token.endsWith('A') ? 'B' : 'A'))).toBeUndefined();
    expect((await onB.list()).map((k) => k.keyId)).toEqual([made.key.keyId]);

    expect(await onA.revoke(made.key.keyId)).toBe(true);
    expect(await onA.authenticate(made.token)).toBeUndefined();
    clockMs += KEY_CACHE_MS;
    expect(await onB.authenticate(made.token)).toBeUndefined();
    expect(await onB.revoke(made.key.keyId)).toBe(false);
  });

  it('rotates a label on one process: the other accepts only the new key', async () => {
    const onA = new KeyService(a.keys, now);
    const onB = new KeyService(b.keys, now);
    const first = await onB.rotate('admin', { role: 'admin' });
    expect((await onA.authenticate(first.token))?.role).toBe('admin');
    const second = await onA.rotate('admin', { role: 'admin' });
    clockMs += KEY_CACHE_MS;
    expect(await onB.authenticate(first.token)).toBeUndefined();
    expect((await onB.authenticate(second.token))?.keyId).toBe(second.key.keyId);
  });
});
