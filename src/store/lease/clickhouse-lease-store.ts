import { createClient, type ClickHouseClient } from '@clickhouse/client';
import type { ClaimKind, ClaimRequest, LeaseClaim } from '../../domain/leases/lease-holder.ts';
import type { LeaseSnapshot, LeaseStore } from '../contract/lease-store.ts';

export interface ClickHouseLeaseStoreOptions {
  /** HTTP URL of ONE server (shard 1 by convention): the log is a plain MergeTree there, never Distributed. */
  url: string;
  database: string;
  /** Default 2 s; see LeaseStore.settleMs. */
  settleMs?: number;
}

/**
 * Renewals and releases older than this are not read: they ended long ago (a lease's ttl must be
 * shorter), so they cannot decide whether a lease is live now. Claims of the latest epochs are
 * always read, however old.
 */
const RECENT_MS = 10 * 60_000;

const quote = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const ident = (s: string) => {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(s)) throw new Error(`not a ClickHouse database name: '${s}'`);
  return s;
};

/**
 * The lease log on ClickHouse 18.16, which has no transactions and no compare-and-swap. What it
 * does give, and all the rules need (src/domain/leases/lease-holder.ts):
 * - one node's MergeTree: an INSERT is visible to every later SELECT on that node once it
 *   returns (a part is added atomically). The log lives on shard 1 alone — a Distributed or
 *   replicated table would make visibility asynchronous, and the argument would no longer hold;
 * - the server's clock: every row is stamped with `now()` inside the INSERT, and every read
 *   takes `now()` first, so the processes' own clocks never decide anything. now() has whole
 *   seconds, which the settle time and the owners' margin allow for.
 * Nothing is ever updated or deleted in place. The log grows by a row per partition per renewal
 * (~115 k rows an hour for 64 partitions every 2 s); compacting it is not automated yet
 * (docs/scale-out-leases.md).
 */
export class ClickHouseLeaseStore implements LeaseStore {
  readonly settleMs: number;
  private readonly client: ClickHouseClient;
  private readonly db: string;
  private ready: Promise<void> | undefined;

  constructor(options: ClickHouseLeaseStoreOptions) {
    this.client = createClient({ url: options.url, request_timeout: 10_000 });
    this.db = ident(options.database);
    this.settleMs = options.settleMs ?? 2_000;
  }

  private ensure(): Promise<void> {
    this.ready ??= (async () => {
      await this.client.command({ query: `CREATE DATABASE IF NOT EXISTS ${this.db}` });
      await this.client.command({
        query: `CREATE TABLE IF NOT EXISTS ${this.db}.lease_claims (partition UInt16, epoch UInt64, owner_id String, kind String,
                  at_ms Int64, until_ms Int64, extends_until_ms Int64) ENGINE = MergeTree ORDER BY (partition, epoch, at_ms)`,
      });
      await this.client.command({
        query: `CREATE TABLE IF NOT EXISTS ${this.db}.lease_members (owner_id String, at_ms Int64, until_ms Int64) ENGINE = MergeTree ORDER BY (owner_id, at_ms)`,
      });
    })().catch((err: unknown) => {
      this.ready = undefined;
      throw err;
    });
    return this.ready;
  }

  private async rows<T>(query: string): Promise<T[]> {
    const result = await this.client.query({ query, format: 'JSONEachRow' });
    return result.json<T>();
  }

  async read(): Promise<LeaseSnapshot> {
    await this.ensure();
    // The clock first: every row visible to the reads below was written no later than this.
    const [{ now_ms }] = (await this.rows<{ now_ms: string }>('SELECT toInt64(toUInt32(now())) * 1000 AS now_ms')) as [{ now_ms: string }];
    const nowMs = Number(now_ms);
    const claims = await this.rows<{ partition: number; epoch: string; owner_id: string; kind: string; at_ms: string; until_ms: string; extends_until_ms: string }>(
      `SELECT partition, epoch, owner_id, kind, at_ms, until_ms, extends_until_ms FROM ${this.db}.lease_claims
       WHERE (partition, epoch) IN (SELECT partition, max(epoch) FROM ${this.db}.lease_claims GROUP BY partition)
         AND (kind = 'claim' OR at_ms >= ${nowMs - RECENT_MS})`,
    );
    const members = await this.rows<{ owner_id: string }>(
      `SELECT owner_id FROM ${this.db}.lease_members WHERE at_ms >= ${nowMs - RECENT_MS}
       GROUP BY owner_id HAVING argMax(until_ms, at_ms) > ${nowMs} ORDER BY owner_id`,
    );
    const rows: LeaseClaim[] = claims.map((r) => ({
      partition: Number(r.partition), epoch: Number(r.epoch), ownerId: r.owner_id, kind: r.kind as ClaimKind,
      atMs: Number(r.at_ms), untilMs: Number(r.until_ms), extendsUntilMs: Number(r.extends_until_ms),
    }));
    return { nowMs, rows, members: members.map((m) => m.owner_id) };
  }

  async append(ownerId: string, rows: readonly ClaimRequest[], presenceMs: number): Promise<void> {
    await this.ensure();
    const stamp = 'toInt64(toUInt32(now())) * 1000';
    if (rows.length > 0) {
      // One INSERT, one part: the round's rows become visible together, stamped by the server.
      const tuples = rows.map((r) => `(${r.partition}, ${r.epoch}, ${quote(r.ownerId)}, ${quote(r.kind)}, ${Math.round(r.ttlMs)}, ${Math.round(r.extendsUntilMs)})`).join(', ');
      await this.client.command({
        query: `INSERT INTO ${this.db}.lease_claims (partition, epoch, owner_id, kind, at_ms, until_ms, extends_until_ms)
                SELECT toUInt16(tupleElement(r, 1)), toUInt64(tupleElement(r, 2)), tupleElement(r, 3), tupleElement(r, 4),
                       t, t + toInt64(tupleElement(r, 5)), toInt64(tupleElement(r, 6))
                FROM (SELECT ${stamp} AS t, arrayJoin([${tuples}]) AS r)`,
      });
    }
    await this.client.command({
      query: `INSERT INTO ${this.db}.lease_members (owner_id, at_ms, until_ms) SELECT ${quote(ownerId)}, t, t + ${Math.round(presenceMs)} FROM (SELECT ${stamp} AS t)`,
    });
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
