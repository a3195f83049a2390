import { listValue, type DuckDBConnection } from '@duckdb/node-api';

/** One (batch, device) whose derived state (sessions, events) is still owed. */
export interface WorkKey {
  batchId: string;
  deviceId: string;
}

export interface DerivedWork extends WorkKey {
  fromMs: number;
  toMs: number;
  /** The every-cycle detectors have judged it; sessions and the throttled detectors have not. */
  fastDone: boolean;
  /** When the batch was committed (the store clock): when its rows arrived. */
  recordedAtMs: number;
}

/**
 * Records what a batch touched, inside the batch's own transaction (`ranges`: a relation with
 * device_id, first_ts, last_ts, n), so the work is durable exactly when the rows are.
 */
export async function recordDerivedWork(conn: DuckDBConnection, batchId: string, ranges: string, nowMs: number): Promise<void> {
  await conn.run(
    `INSERT INTO derived_work (batch_id, device_id, from_ts, to_ts, fast_done, recorded_at)
     SELECT $1, device_id, first_ts, last_ts, false, epoch_ms(CAST($2 AS BIGINT)) FROM ${ranges} WHERE n > 0`,
    [batchId, nowMs],
  );
}

/** Everything recorded and not finished (a crash or kill cut it off): resumed at start. */
export async function listUnfinishedWork(conn: DuckDBConnection): Promise<DerivedWork[]> {
  const reader = await conn.runAndReadAll(
    `SELECT batch_id, device_id, epoch_ms(from_ts)::DOUBLE, epoch_ms(to_ts)::DOUBLE, fast_done, epoch_ms(recorded_at)::DOUBLE FROM derived_work ORDER BY recorded_at, device_id`,
  );
  return reader.getRows().map(([b, d, from, to, fast, at]) => ({ batchId: String(b), deviceId: String(d), fromMs: Number(from), toMs: Number(to), fastDone: Boolean(fast), recordedAtMs: Number(at) }));
}

const keysRelation = `(SELECT unnest($1::VARCHAR[]) AS batch_id, unnest($2::VARCHAR[]) AS device_id)`;
const keyParams = (keys: readonly WorkKey[]) => [listValue(keys.map((k) => k.batchId)), listValue(keys.map((k) => k.deviceId))];

/** Inside the transaction that wrote the every-cycle detectors' events. */
export async function markFastWorkDone(conn: DuckDBConnection, keys: readonly WorkKey[]): Promise<void> {
  if (keys.length === 0) return;
  await conn.run(
    `UPDATE derived_work SET fast_done = true FROM ${keysRelation} k WHERE derived_work.batch_id = k.batch_id AND derived_work.device_id = k.device_id`,
    keyParams(keys),
  );
}

/** Inside the transaction that wrote the sessions and the remaining events: the work is done. */
export async function finishWork(conn: DuckDBConnection, keys: readonly WorkKey[]): Promise<void> {
  if (keys.length === 0) return;
  await conn.run(
    `DELETE FROM derived_work USING ${keysRelation} k WHERE derived_work.batch_id = k.batch_id AND derived_work.device_id = k.device_id`,
    keyParams(keys),
  );
}

/** How many work rows are unfinished (tests, health). */
export async function countUnfinishedWork(conn: DuckDBConnection): Promise<number> {
  const reader = await conn.runAndReadAll('SELECT count(*) FROM derived_work');
  return Number(reader.getRows()[0]?.[0] ?? 0);
}
