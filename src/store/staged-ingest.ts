import { randomUUID } from 'node:crypto';
import { DOUBLE, DuckDBDataChunk, VARCHAR, type DuckDBConnection, type DuckDBType } from '@duckdb/node-api';
import type { TelemetryBatch } from '../domain/telemetry-batch.ts';
import { NUMBER_COLUMN_NAMES, TELEMETRY_COLUMNS } from '../domain/telemetry-schema.ts';
import type { RowRejection } from '../domain/validate-chunk.ts';
import type { TelemetryStore } from './telemetry-store.ts';

export interface BatchMeta {
  source: string;
  format: string;
  profile?: string | undefined;
}

export interface IngestCounts {
  batchId: string;
  received: number;
  accepted: number;
  duplicates: number;
  rejected: number;
}

const VECTOR_SIZE = 2048;
/** Repeated strings are staged as indexes into a per-batch dictionary: one native call per value is the cost otherwise. */
const DICTIONARY_COLUMNS = ['device_id', 'state'] as const;
const LIST_COLUMNS = ['error_codes', 'flags'] as const;
const STAGE_SQL = `CREATE TEMP TABLE stage (row_no DOUBLE, device_ix DOUBLE, ts_ms DOUBLE, ${NUMBER_COLUMN_NAMES.map((n) => `${n} DOUBLE`).join(', ')}, state_ix DOUBLE, error_codes VARCHAR, flags VARCHAR)`;
const STAGE_TYPES: DuckDBType[] = [DOUBLE, DOUBLE, DOUBLE, ...NUMBER_COLUMN_NAMES.map(() => DOUBLE), DOUBLE, VARCHAR, VARCHAR];

function telemetrySelectFromStage(): string {
  return TELEMETRY_COLUMNS.map((c) => {
    switch (c.name) {
      case 'device_id':
        return 'dd.value AS device_id';
      case 'ts':
        return 'epoch_ms(CAST(s.ts_ms AS BIGINT)) AS ts';
      case 'state':
        return 'sd.value AS state';
      case 'error_codes':
      case 'flags':
        return `CASE WHEN s.${c.name} IS NULL THEN NULL ELSE string_split(s.${c.name}, '|') END AS ${c.name}`;
      default:
        return `s.${c.name}`;
    }
  }).join(',\n    ');
}

/**
 * One ingest batch on its own connection: rows are appended to temporary tables as they stream in
 * (so memory stays bounded and other ingests are not blocked), then `commit` de-duplicates and
 * writes everything — telemetry, quarantine, device stats and the batch record — in one
 * transaction. Until that transaction commits, nothing of the batch is visible.
 */
export class StagedIngest {
  readonly batchId: string;
  private readonly store: TelemetryStore;
  private readonly conn: DuckDBConnection;
  private readonly meta: BatchMeta;
  private readonly dictionaries = { device_id: new Map<string, number>(), state: new Map<string, number>() };
  private staged = 0;
  private rejected = 0;
  private done = false;

  private constructor(store: TelemetryStore, conn: DuckDBConnection, meta: BatchMeta) {
    this.store = store;
    this.conn = conn;
    this.meta = meta;
    this.batchId = randomUUID();
  }

  static async begin(store: TelemetryStore, meta: BatchMeta): Promise<StagedIngest> {
    const conn = await store.connect();
    const ingest = new StagedIngest(store, conn, meta);
    await conn.run(STAGE_SQL);
    await conn.run('CREATE TEMP TABLE stage_rejects (row_number DOUBLE, field VARCHAR, reason VARCHAR, raw_text VARCHAR)');
    await conn.run('CREATE TEMP TABLE stage_dict (dict VARCHAR, ix DOUBLE, value VARCHAR)');
    await conn.run(
      "INSERT INTO ingest_batches (batch_id, source, format, profile, status, started_at) VALUES ($1, $2, $3, $4, 'running', epoch_ms(CAST($5 AS BIGINT)))",
      [ingest.batchId, meta.source, meta.format, meta.profile ?? null, store.now()],
    );
    return ingest;
  }

  get stagedRows(): number {
    return this.staged;
  }

  get rejectedRows(): number {
    return this.rejected;
  }

  private dictionaryIndex(dict: (typeof DICTIONARY_COLUMNS)[number], value: string | null): number {
    if (value === null) return Number.NaN;
    const map = this.dictionaries[dict];
    let ix = map.get(value);
    if (ix === undefined) {
      ix = map.size;
      map.set(value, ix);
    }
    return ix;
  }

  async append(batch: TelemetryBatch): Promise<void> {
    if (batch.length === 0) return;
    const appender = await this.conn.createAppender('stage', 'main', 'temp');
    try {
      for (let start = 0; start < batch.length; start += VECTOR_SIZE) {
        const n = Math.min(VECTOR_SIZE, batch.length - start);
        const chunk = DuckDBDataChunk.create(STAGE_TYPES, n);
        let col = 0;
        const setDoubles = (get: (i: number) => number): void => {
          const vector = chunk.getColumnVector(col++);
          for (let i = 0; i < n; i++) {
            const v = get(start + i);
            vector.setItem(i, Number.isNaN(v) ? null : v); // NaN marks a missing value
          }
          vector.flush();
        };
        setDoubles((i) => batch.rowNumbers[i]!);
        setDoubles((i) => this.dictionaryIndex('device_id', batch.deviceId[i]!));
        setDoubles((i) => batch.tsMs[i]!);
        for (const name of NUMBER_COLUMN_NAMES) {
          const values = batch.numbers[name];
          setDoubles((i) => values[i]!);
        }
        setDoubles((i) => this.dictionaryIndex('state', batch.text.state[i] ?? null));
        for (const name of LIST_COLUMNS) {
          const vector = chunk.getColumnVector(col++);
          const values = batch.lists[name];
          for (let i = 0; i < n; i++) vector.setItem(i, values[start + i] ?? null);
          vector.flush();
        }
        appender.appendDataChunk(chunk);
      }
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
    this.staged += batch.length;
  }

  async reject(rejections: readonly RowRejection[]): Promise<void> {
    if (rejections.length === 0) return;
    const appender = await this.conn.createAppender('stage_rejects', 'main', 'temp');
    try {
      for (const r of rejections) {
        appender.appendDouble(r.row);
        appender.appendVarchar(r.field);
        appender.appendVarchar(r.reason);
        appender.appendVarchar(r.raw.length > 4096 ? `${r.raw.slice(0, 4096)}…` : r.raw);
        appender.endRow();
      }
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
    this.rejected += rejections.length;
  }

  private async writeDictionaries(): Promise<void> {
    const appender = await this.conn.createAppender('stage_dict', 'main', 'temp');
    try {
      for (const dict of DICTIONARY_COLUMNS) {
        for (const [value, ix] of this.dictionaries[dict]) {
          appender.appendVarchar(dict);
          appender.appendDouble(ix);
          appender.appendVarchar(value);
          appender.endRow();
        }
      }
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
  }

  /** De-duplicates against the batch itself and the store, then writes it all in one transaction. */
  async commit(): Promise<IngestCounts> {
    await this.writeDictionaries();
    return this.store.writeLock.run(async () => {
      const conn = this.conn;
      await conn.run('BEGIN TRANSACTION');
      try {
        // Only devices whose stored time range overlaps the batch need the (costlier) anti-join.
        const overlap = await conn.runAndReadAll(`
          SELECT count(*) FROM (
            SELECT device_ix, min(ts_ms) AS lo, max(ts_ms) AS hi FROM stage GROUP BY device_ix
          ) s JOIN stage_dict dd ON dd.dict = 'device_id' AND dd.ix = s.device_ix
          JOIN devices d ON d.device_id = dd.value
          WHERE epoch_ms(CAST(s.lo AS BIGINT)) <= d.last_ts AND epoch_ms(CAST(s.hi AS BIGINT)) >= d.first_ts`);
        const needsAntiJoin = Number(overlap.getRows()[0]?.[0] ?? 0) > 0;
        await conn.run(`
          CREATE OR REPLACE TEMP TABLE fresh AS
          SELECT ${telemetrySelectFromStage()}
          FROM stage s
          JOIN stage_dict dd ON dd.dict = 'device_id' AND dd.ix = s.device_ix
          LEFT JOIN stage_dict sd ON sd.dict = 'state' AND sd.ix = s.state_ix
          QUALIFY row_number() OVER (PARTITION BY s.device_ix, s.ts_ms ORDER BY s.row_no) = 1`);
        if (needsAntiJoin) {
          await conn.run(`
            DELETE FROM fresh f WHERE EXISTS (
              SELECT 1 FROM telemetry t WHERE t.device_id = f.device_id AND t.ts = f.ts
            )`);
        }
        const acceptedReader = await conn.runAndReadAll('SELECT count(*) FROM fresh');
        const accepted = Number(acceptedReader.getRows()[0]?.[0] ?? 0);
        // Sorted on the way in: rows of a device sit together, so zone maps prune range reads.
        await conn.run('INSERT INTO telemetry SELECT * FROM fresh ORDER BY device_id, ts');
        await conn.run(
          `INSERT INTO devices (device_id, first_ts, last_ts, row_count, updated_at)
           SELECT device_id, min(ts), max(ts), count(*), epoch_ms(CAST($1 AS BIGINT)) FROM fresh GROUP BY device_id
           ON CONFLICT (device_id) DO UPDATE SET
             first_ts = least(devices.first_ts, excluded.first_ts),
             last_ts = greatest(devices.last_ts, excluded.last_ts),
             row_count = devices.row_count + excluded.row_count,
             updated_at = excluded.updated_at`,
          [this.store.now()],
        );
        await conn.run(
          `INSERT INTO quarantine SELECT $1, $2, CAST(row_number AS BIGINT), field, reason, raw_text, epoch_ms(CAST($3 AS BIGINT)) FROM stage_rejects`,
          [this.batchId, this.meta.source, this.store.now()],
        );
        const counts: IngestCounts = {
          batchId: this.batchId,
          received: this.staged + this.rejected,
          accepted,
          duplicates: this.staged - accepted,
          rejected: this.rejected,
        };
        await conn.run(
          `UPDATE ingest_batches SET status = 'committed', received = $2, accepted = $3, duplicates = $4, rejected = $5,
             finished_at = epoch_ms(CAST($6 AS BIGINT)) WHERE batch_id = $1`,
          [this.batchId, counts.received, counts.accepted, counts.duplicates, counts.rejected, this.store.now()],
        );
        await conn.run('COMMIT');
        return counts;
      } catch (err) {
        await conn.run('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        await this.release();
      }
    });
  }

  /** Drops everything staged and records why the batch failed. */
  async abort(reason: string): Promise<void> {
    if (this.done) return;
    try {
      await this.conn.run("UPDATE ingest_batches SET status = 'failed', error = $2, finished_at = epoch_ms(CAST($3 AS BIGINT)) WHERE batch_id = $1", [
        this.batchId,
        reason.slice(0, 1000),
        this.store.now(),
      ]);
    } finally {
      await this.release();
    }
  }

  private async release(): Promise<void> {
    if (this.done) return;
    this.done = true;
    this.conn.closeSync();
  }
}
