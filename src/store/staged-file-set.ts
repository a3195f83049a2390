import { randomUUID } from 'node:crypto';
import type { DuckDBConnection } from '@duckdb/node-api';
import { TELEMETRY_COLUMNS } from '../domain/telemetry-schema.ts';
import { upsertDeviceSpans } from './device-span-repository.ts';
import { mergeTelemetryMinutes } from './telemetry-minutes-repository.ts';
import { csvReaderSql, fileStageSql, quoteLiteral, type SchemaFile } from './file-stage-sql.ts';
import { inTransaction } from './in-transaction.ts';
import { insertRunningBatch, markBatchCommitted, markBatchesFailed } from './ingest-batch-repository.ts';
import type { BatchMeta, IngestCounts } from './contract/ingest-batch.ts';
import type { TelemetryStore } from './telemetry-store.ts';

/** Files in the schema's own CSV columns, all with one header: read together by one read_csv. */
export interface SchemaFileSet {
  paths: readonly string[];
  /** The shared header's columns (every one VARCHAR). */
  columns: readonly { name: string; type: string }[];
  deviceId?: string | undefined;
  nowMs: number;
}

const TELEMETRY_LIST = TELEMETRY_COLUMNS.map((c) => c.name).join(', ');

/**
 * Several CSV files, each its own batch, read by one DuckDB read_csv over all of them (its
 * parallel scan, not a read, a check and a commit per file) and committed in one transaction:
 * each file is still stored whole or not at all, with its own batch record, counts and derived
 * work. It is taken only when every row of every file passes the checks the streaming validator
 * makes (fileStageSql) and no file repeats a (device, time) of its own; otherwise nothing is
 * staged and the caller ingests file by file, which quarantines each bad row with its reason.
 * A row repeated in a later file is that file's duplicate, as when the files are sent one by one.
 */
export class StagedFileSet {
  readonly batchIds: string[];
  private readonly store: TelemetryStore;
  private readonly conn: DuckDBConnection;
  private readonly metas: readonly BatchMeta[];
  private rowsPerFile: number[] = [];
  private done = false;

  private constructor(store: TelemetryStore, conn: DuckDBConnection, metas: readonly BatchMeta[]) {
    this.store = store;
    this.conn = conn;
    this.metas = metas;
    this.batchIds = metas.map(() => randomUUID());
  }

  /** The staged set, or undefined (nothing recorded) when some file must go the per-file way. */
  static async stage(store: TelemetryStore, metas: readonly BatchMeta[], files: SchemaFileSet): Promise<StagedFileSet | undefined> {
    const first: SchemaFile = { path: files.paths[0]!, format: 'csv', columns: files.columns, deviceId: files.deviceId, nowMs: files.nowMs };
    const sql = fileStageSql(first);
    if (!sql || files.paths.length !== metas.length) return undefined;
    const conn = await store.connect();
    const set = new StagedFileSet(store, conn, metas);
    try {
      const staged = await set.read(sql, files);
      if (staged) return set;
    } catch {
      // A dialect DuckDB's reader does not take: the per-file path reads (or refuses) it.
    }
    conn.closeSync();
    return undefined;
  }

  private async read(sql: { select: string; valid: string }, files: SchemaFileSet): Promise<boolean> {
    const conn = this.conn;
    const paths = files.paths;
    const list = `[${paths.map(quoteLiteral).join(', ')}]`;
    // The one reader over every file, with the file each row came from.
    await conn.run(`CREATE TEMP TABLE file_rows AS SELECT ${sql.select}, ${sql.valid} AS row_valid,
      CAST(list_position(${list}, filename) - 1 AS INTEGER) AS file_ix FROM ${csvReaderSql(paths, files.columns, true)}`);
    const check = await conn.runAndReadAll(`SELECT file_ix, count(*), count(*) FILTER (WHERE NOT row_valid), count(DISTINCT (device_id, ts))
      FROM file_rows GROUP BY file_ix ORDER BY file_ix`);
    const perFile = new Map(check.getRows().map((r) => [Number(r[0]), r.slice(1).map(Number) as [number, number, number]]));
    this.rowsPerFile = paths.map((_p, ix) => perFile.get(ix)?.[0] ?? 0);
    for (let ix = 0; ix < paths.length; ix++) {
      const [rows, invalid, distinct] = perFile.get(ix) ?? [0, 0, 0];
      if (rows === 0 || invalid > 0 || distinct !== rows) return false;
    }
    await conn.run('CREATE TEMP TABLE set_batches (file_ix INTEGER, batch_id VARCHAR)');
    await conn.run(`INSERT INTO set_batches VALUES ${this.batchIds.map((id, ix) => `(${ix}, ${quoteLiteral(id)})`).join(', ')}`);
    await conn.run(`CREATE TEMP TABLE set_ranges AS SELECT file_ix, device_id, min(ts) AS first_ts, max(ts) AS last_ts, count(*) AS n
      FROM file_rows GROUP BY file_ix, device_id`);
    const now = this.store.now();
    for (const [ix, meta] of this.metas.entries()) await insertRunningBatch(conn, { batchId: this.batchIds[ix]!, source: meta.source, format: meta.format }, now);
    return true;
  }

  /** Rows read from each file (in the order of the paths). */
  get stagedRows(): readonly number[] {
    return this.rowsPerFile;
  }

  /** Writes every file's batch in one transaction; the counts are per file, in the order of the paths. */
  async commit(): Promise<IngestCounts[]> {
    try {
      return await this.store.writeLock.run(() => this.commitOnce());
    } catch (err) {
      await this.abort((err as Error).message).catch(() => undefined);
      throw err;
    }
  }

  private async commitOnce(): Promise<IngestCounts[]> {
    const conn = this.conn;
    const counts = await inTransaction(conn, async () => {
      // Rows need dropping only where a file's range meets the store's or another file's.
      const overlap = await conn.runAndReadAll(`
        SELECT (SELECT count(*) FROM set_ranges r JOIN devices d USING (device_id) WHERE r.first_ts <= d.last_ts AND r.last_ts >= d.first_ts)
             + (SELECT count(*) FROM set_ranges a JOIN set_ranges b ON a.device_id = b.device_id AND a.file_ix < b.file_ix
                WHERE a.first_ts <= b.last_ts AND a.last_ts >= b.first_ts)`);
      let rows = 'file_rows';
      if (Number(overlap.getRows()[0]?.[0] ?? 0) > 0) {
        // The first value stored wins: the store's, then the earliest file's.
        await conn.run(`CREATE TEMP TABLE set_kept AS SELECT * FROM file_rows f
          WHERE NOT EXISTS (SELECT 1 FROM telemetry t WHERE t.device_id = f.device_id AND t.ts = f.ts)
          QUALIFY row_number() OVER (PARTITION BY device_id, ts ORDER BY file_ix) = 1`);
        rows = 'set_kept';
        await conn.run('DELETE FROM set_ranges');
        await conn.run(`INSERT INTO set_ranges SELECT file_ix, device_id, min(ts), max(ts), count(*) FROM ${rows} GROUP BY file_ix, device_id`);
      }
      await conn.run(`INSERT INTO telemetry SELECT ${TELEMETRY_LIST} FROM ${rows} ORDER BY device_id, ts`);
      const now = this.store.now();
      await upsertDeviceSpans(conn, rows, now);
      await mergeTelemetryMinutes(conn, rows);
      // The derived work of each file's batch, durable with its rows (as StagedIngest records it).
      await conn.run(
        `INSERT INTO derived_work (batch_id, device_id, from_ts, to_ts, fast_done, recorded_at)
         SELECT b.batch_id, r.device_id, r.first_ts, r.last_ts, false, epoch_ms(CAST($1 AS BIGINT)) FROM set_ranges r JOIN set_batches b USING (file_ix)`,
        [now],
      );
      const touched = await conn.runAndReadAll(
        'SELECT file_ix, device_id, epoch_ms(first_ts)::DOUBLE, epoch_ms(last_ts)::DOUBLE, n FROM set_ranges ORDER BY file_ix, device_id',
      );
      const counts: IngestCounts[] = this.batchIds.map((batchId, ix) => ({
        touched: [], batchId, received: this.rowsPerFile[ix]!, accepted: 0, duplicates: 0, rejected: 0,
      }));
      for (const [ix, deviceId, fromMs, toMs, n] of touched.getRows()) {
        const c = counts[Number(ix)]!;
        c.touched.push({ deviceId: String(deviceId), fromMs: Number(fromMs), toMs: Number(toMs), batchId: c.batchId });
        c.accepted += Number(n);
      }
      for (const c of counts) {
        c.duplicates = c.received - c.accepted;
        await markBatchCommitted(conn, c, now);
      }
      return counts;
    });
    this.release();
    return counts;
  }

  /** Drops everything staged and records why each file's batch failed. */
  async abort(reason: string): Promise<void> {
    if (this.done) return;
    try {
      await markBatchesFailed(this.conn, this.batchIds, reason, this.store.now());
    } finally {
      this.release();
    }
  }

  private release(): void {
    if (this.done) return;
    this.done = true;
    this.conn.closeSync();
  }
}
