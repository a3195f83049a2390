import type { ClaimKind, ClaimRequest, LeaseClaim } from '../../domain/leases/lease-holder.ts';
import type { LeaseSnapshot, LeaseStore } from '../contract/lease-store.ts';
import type { TelemetryStore } from '../telemetry-store.ts';

const DDL = [
  `CREATE TABLE IF NOT EXISTS lease_claims (partition INTEGER NOT NULL, epoch BIGINT NOT NULL, owner_id VARCHAR NOT NULL, kind VARCHAR NOT NULL,
     at_ms BIGINT NOT NULL, until_ms BIGINT NOT NULL, extends_until_ms BIGINT NOT NULL)`,
  'CREATE TABLE IF NOT EXISTS lease_members (owner_id VARCHAR NOT NULL, at_ms BIGINT NOT NULL, until_ms BIGINT NOT NULL)',
];

/**
 * The lease log in the DuckDB file. A DuckDB file has one writing process, so every owner lives
 * in this process and appends are visible, in order, when they return: no settle time is needed.
 * The rows and rules are the ClickHouse ones all the same, so the ownership code and its tests run
 * unchanged on both; in production with one process it simply owns every partition.
 * Old rows are dropped as they are appended: only the latest epoch of a partition decides.
 */
export class DuckDbLeaseStore implements LeaseStore {
  readonly settleMs = 0;
  private readonly store: TelemetryStore;
  private ready: Promise<void> | undefined;

  constructor(store: TelemetryStore) {
    this.store = store;
  }

  private ensure(): Promise<void> {
    this.ready ??= this.store.withConnection(async (conn) => {
      for (const sql of DDL) await conn.run(sql);
    });
    return this.ready;
  }

  async read(): Promise<LeaseSnapshot> {
    await this.ensure();
    const nowMs = this.store.now();
    return this.store.withConnection(async (conn) => {
      const claims = await conn.runAndReadAll(
        `SELECT partition, epoch, owner_id, kind, at_ms, until_ms, extends_until_ms FROM lease_claims
         WHERE (partition, epoch) IN (SELECT (partition, max(epoch)) FROM lease_claims GROUP BY partition)`,
      );
      const members = await conn.runAndReadAll('SELECT owner_id FROM lease_members GROUP BY owner_id HAVING max(until_ms) > $1 ORDER BY owner_id', [nowMs]);
      const rows: LeaseClaim[] = claims.getRows().map((r) => ({
        partition: Number(r[0]), epoch: Number(r[1]), ownerId: String(r[2]), kind: String(r[3]) as ClaimKind,
        atMs: Number(r[4]), untilMs: Number(r[5]), extendsUntilMs: Number(r[6]),
      }));
      return { nowMs, rows, members: members.getRows().map((r) => String(r[0])) };
    });
  }

  async append(ownerId: string, rows: readonly ClaimRequest[], presenceMs: number): Promise<void> {
    await this.ensure();
    const atMs = this.store.now();
    await this.store.withConnection(async (conn) => {
      for (const r of rows) {
        await conn.run('INSERT INTO lease_claims VALUES ($1, $2, $3, $4, $5, $6, $7)', [r.partition, r.epoch, r.ownerId, r.kind, atMs, atMs + r.ttlMs, r.extendsUntilMs]);
      }
      await conn.run('DELETE FROM lease_members WHERE owner_id = $1', [ownerId]);
      await conn.run('INSERT INTO lease_members VALUES ($1, $2, $3)', [ownerId, atMs, atMs + presenceMs]);
      // Epochs below a partition's latest never decide again (partitionState reads the latest only).
      await conn.run('DELETE FROM lease_claims WHERE (partition, epoch) NOT IN (SELECT (partition, max(epoch)) FROM lease_claims GROUP BY partition)');
      // A renewal that ran out a minute ago cannot decide whether a lease is live now.
      await conn.run("DELETE FROM lease_claims WHERE kind = 'renew' AND until_ms < $1", [atMs - 60_000]);
    });
  }

  async close(): Promise<void> {
    // The tables live in the telemetry store's file, closed with it.
  }
}
