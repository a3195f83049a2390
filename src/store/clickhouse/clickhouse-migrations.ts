import { NUMBER_COLUMN_NAMES } from '../../domain/telemetry-schema.ts';
import type { ClickHouseConnection } from './clickhouse-connection.ts';
import { sqlInt, sqlString } from './clickhouse-sql.ts';

/**
 * The ClickHouse schema, in order. Without ZooKeeper there is no `ON CLUSTER` DDL, so each
 * migration says what runs on every shard (the local tables and the Distributed tables over them,
 * so that any shard can answer) and what runs on shard 1 only (the small unsharded tables).
 * `{db}` is the database.
 *
 * Sharded by device (cityHash64(device_id)), so one device's rows, sessions and events live on
 * one shard, and FINAL/argMax there is exact: telemetry, sessions, events.
 * Versioned documents (ReplacingMergeTree(ver) + `deleted`): every change is a new row; reads
 * take argMax(…, ver) per key, exact before any merge; merges only reclaim space.
 */
export interface ClickHouseMigration {
  version: number;
  name: string;
  everyShard: string[];
  firstShard: string[];
}

const numberColumns = NUMBER_COLUMN_NAMES.map((n) => `${n} Nullable(Float64)`).join(', ');

const sharded = (name: string, columns: string, engine: string): string[] => [
  `CREATE TABLE IF NOT EXISTS {db}.${name}_local (${columns}) ENGINE = ${engine}`,
  `CREATE TABLE IF NOT EXISTS {db}.${name} AS {db}.${name}_local ENGINE = Distributed(telltale, {db}, ${name}_local, cityHash64(device_id))`,
];

export const CLICKHOUSE_MIGRATIONS: readonly ClickHouseMigration[] = [
  {
    version: 1,
    name: 'telemetry, sessions and events sharded by device; devices, quarantine, incidents, outbox, annotations, chargers on shard 1',
    everyShard: [
      // ts is epoch ms (18.16 has no DateTime64). The first value stored wins: versions count down (clickhouse-version.ts).
      ...sharded(
        'telemetry',
        `device_id String, ts Int64, ${numberColumns}, state Nullable(String), error_codes Nullable(String), flags Nullable(String), ver UInt64`,
        'ReplacingMergeTree(ver) PARTITION BY toYYYYMM(toDateTime(intDiv(ts, 1000))) ORDER BY (device_id, ts)',
      ),
      ...sharded('sessions', 'device_id String, session_id String, start_ms Int64, doc String, deleted UInt8, ver UInt64', 'ReplacingMergeTree(ver) ORDER BY (device_id, session_id)'),
      ...sharded('events', 'device_id String, event_id String, start_ms Int64, doc String, deleted UInt8, ver UInt64', 'ReplacingMergeTree(ver) ORDER BY (device_id, event_id)'),
    ],
    firstShard: [
      // One row per (batch, device): a device's time range and row count are their min/max/sum.
      'CREATE TABLE IF NOT EXISTS {db}.device_batches (device_id String, batch_id String, first_ts Int64, last_ts Int64, rows UInt64) ENGINE = MergeTree ORDER BY device_id',
      'CREATE TABLE IF NOT EXISTS {db}.device_facts (device_id String, doc String, deleted UInt8, ver UInt64) ENGINE = ReplacingMergeTree(ver) ORDER BY device_id',
      `CREATE TABLE IF NOT EXISTS {db}.quarantine (batch_id String, source String, row_number Nullable(Int64), field Nullable(String), reason String,
         raw_text Nullable(String), quarantined_at Int64) ENGINE = MergeTree ORDER BY batch_id`,
      'CREATE TABLE IF NOT EXISTS {db}.incidents (incident_id String, doc String, deleted UInt8, ver UInt64) ENGINE = ReplacingMergeTree(ver) ORDER BY incident_id',
      'CREATE TABLE IF NOT EXISTS {db}.incident_events (rule_id String, event_id String, incident_id String, doc String, deleted UInt8, ver UInt64) ENGINE = ReplacingMergeTree(ver) ORDER BY (rule_id, event_id)',
      'CREATE TABLE IF NOT EXISTS {db}.outbox (idempotency_key String, doc String, deleted UInt8, ver UInt64) ENGINE = ReplacingMergeTree(ver) ORDER BY idempotency_key',
      'CREATE TABLE IF NOT EXISTS {db}.annotations (annotation_id String, device_id String, doc String, deleted UInt8, ver UInt64) ENGINE = ReplacingMergeTree(ver) ORDER BY annotation_id',
      'CREATE TABLE IF NOT EXISTS {db}.chargers (charger_id String, doc String, deleted UInt8, ver UInt64) ENGINE = ReplacingMergeTree(ver) ORDER BY charger_id',
    ],
  },
  {
    version: 2,
    name: 'api keys on shard 1, so every process on the cluster accepts the same keys',
    everyShard: [],
    firstShard: ['CREATE TABLE IF NOT EXISTS {db}.api_keys (key_id String, doc String, deleted UInt8, ver UInt64) ENGINE = ReplacingMergeTree(ver) ORDER BY key_id'],
  },
];

/** Brings every shard up to the latest migration; each shard records what it has applied. */
export async function migrateClickHouse(conn: ClickHouseConnection, nowMs: number): Promise<void> {
  const db = conn.database;
  for (let shard = 0; shard < conn.shardCount; shard++) {
    await conn.command(`CREATE DATABASE IF NOT EXISTS ${db}`, shard);
    await conn.command(`CREATE TABLE IF NOT EXISTS ${db}.schema_migrations (version UInt32, name String, applied_at Int64) ENGINE = MergeTree ORDER BY version`, shard);
  }
  // Local tables on every shard first: a Distributed table's first use needs them everywhere.
  for (let shard = 0; shard < conn.shardCount; shard++) {
    const applied = new Set((await conn.rows<{ version: number }>(`SELECT version FROM ${db}.schema_migrations`, shard)).map((r) => Number(r.version)));
    for (const m of CLICKHOUSE_MIGRATIONS) {
      if (applied.has(m.version)) continue;
      for (const sql of [...m.everyShard, ...(shard === 0 ? m.firstShard : [])]) await conn.command(sql.replaceAll('{db}', db), shard);
      await conn.command(`INSERT INTO ${db}.schema_migrations VALUES (${sqlInt(m.version)}, ${sqlString(m.name)}, ${sqlInt(Math.round(nowMs))})`, shard);
    }
  }
}

/** The latest migration shard 1 recorded (where the Distributed tables are queried). */
export async function schemaVersionCh(conn: ClickHouseConnection): Promise<number> {
  const [row] = await conn.rows<{ v: number | string }>(`SELECT max(version) AS v FROM ${conn.database}.schema_migrations`);
  return Number(row?.v ?? 0);
}
