import { listValue, type DuckDBConnection } from '@duckdb/node-api';

/** What an ingest batch record says once its transaction committed. */
export interface BatchOutcome {
  batchId: string;
  received: number;
  accepted: number;
  duplicates: number;
  rejected: number;
}

const AT = 'epoch_ms(CAST($%n AS BIGINT))';
const at = (n: number) => AT.replace('%n', String(n));

/** The batch record a commit will complete: 'running' until then (a store opened after a crash marks it aborted). */
export async function insertRunningBatch(
  conn: DuckDBConnection,
  batch: { batchId: string; source: string; format: string; profile?: string | undefined },
  nowMs: number,
): Promise<void> {
  await conn.run(`INSERT INTO ingest_batches (batch_id, source, format, profile, status, started_at) VALUES ($1, $2, $3, $4, 'running', ${at(5)})`, [
    batch.batchId, batch.source, batch.format, batch.profile ?? null, nowMs,
  ]);
}

/** Marks a batch committed with its counts: inside the transaction that wrote its rows, so the record never disagrees with them. */
export async function markBatchCommitted(conn: DuckDBConnection, outcome: BatchOutcome, nowMs: number): Promise<void> {
  await conn.run(
    `UPDATE ingest_batches SET status = 'committed', received = $2, accepted = $3, duplicates = $4, rejected = $5, finished_at = ${at(6)} WHERE batch_id = $1`,
    [outcome.batchId, outcome.received, outcome.accepted, outcome.duplicates, outcome.rejected, nowMs],
  );
}

/** Records why batches failed (nothing of them was stored); the reason is cut to 1,000 characters. */
export async function markBatchesFailed(conn: DuckDBConnection, batchIds: readonly string[], reason: string, nowMs: number): Promise<void> {
  await conn.run(`UPDATE ingest_batches SET status = 'failed', error = $2, finished_at = ${at(3)} WHERE list_contains($1::VARCHAR[], batch_id)`, [
    listValue([...batchIds]), reason.slice(0, 1000), nowMs,
  ]);
}

/** Batches still 'running' when a store opens were cut off by a crash or a kill: nothing of them was committed. */
export async function markRunningBatchesAborted(conn: DuckDBConnection): Promise<void> {
  await conn.run("UPDATE ingest_batches SET status = 'aborted', error = 'process stopped before the batch was committed' WHERE status = 'running'");
}
