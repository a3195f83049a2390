import { randomUUID } from 'node:crypto';
import { setImmediate } from 'node:timers/promises';
import { DuckDBDataChunk, listValue, type DuckDBConnection } from '@duckdb/node-api';
import { TelltaleError } from '../domain/errors/telltale-error.ts';
import type { TelemetryBatch } from '../domain/telemetry-batch.ts';
import { NUMBER_COLUMN_NAMES } from '../domain/telemetry-schema.ts';
import type { RowRejection } from '../domain/validate-chunk.ts';
import { recordDerivedWork } from './derived-work-repository.ts';
import { upsertDeviceSpans } from './device-span-repository.ts';
import { mergeTelemetryMinutes } from './telemetry-minutes-repository.ts';
import { inTransaction } from './in-transaction.ts';
import { insertRunningBatch, markBatchCommitted, markBatchesFailed } from './ingest-batch-repository.ts';
import { fileStageSql, readerSql, type SchemaFile } from './file-stage-sql.ts';
import { DICTIONARY_COLUMNS, REJECTS_PER_YIELD, STAGE_SQL, STAGE_TYPES, VECTOR_SIZE, telemetrySelectFromStage, writeDoubles } from './stage-table.ts';
import type { TelemetryStore } from './telemetry-store.ts';
import type { BatchMeta, IngestCounts } from './contract/ingest-batch.ts';

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
  private readonly lastTsByDevice: number[] = [];
  private monotonic = true;
  private clustered = true;
  private lastDeviceIx = -1;
  private listRows = 0;
  private staged = 0;
  private rejected = 0;
  private done = false;
  /** The rows were shaped by DuckDB itself (stageFile): commit has nothing left to prepare. */
  private preparedInSql = false;
  /** `ready` is a view over the stage (rows need neither de-duplication nor sorting), not a table. */
  private readyIsView = false;

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
    await conn.run('CREATE TEMP TABLE stage_lists (row_no DOUBLE, error_codes VARCHAR, flags VARCHAR)');
    await conn.run('CREATE TEMP TABLE stage_rejects (row_number DOUBLE, field VARCHAR, reason VARCHAR, raw_text VARCHAR, device_id VARCHAR)');
    await conn.run('CREATE TEMP TABLE stage_dict (dict VARCHAR, ix DOUBLE, value VARCHAR)');
    await insertRunningBatch(conn, { batchId: ingest.batchId, ...meta }, store.now());
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

  /** Device/state values as dictionary indexes, and whether each device's times keep increasing. */
  private encode(batch: TelemetryBatch): { deviceIx: Float64Array; stateIx: Float64Array } {
    const deviceIx = new Float64Array(batch.length);
    const stateIx = new Float64Array(batch.length);
    let lastDevice: string | undefined;
    let lastIx = 0;
    for (let i = 0; i < batch.length; i++) {
      const device = batch.deviceId[i]!;
      if (device !== lastDevice) {
        lastDevice = device;
        const known = this.dictionaries.device_id.has(device);
        lastIx = this.dictionaryIndex('device_id', device);
        // Coming back to a device seen earlier means its rows are not contiguous in the stage.
        if (known && lastIx !== this.lastDeviceIx) this.clustered = false;
        this.lastDeviceIx = lastIx;
      }
      deviceIx[i] = lastIx;
      const ts = batch.tsMs[i]!;
      // Strictly increasing times per device mean the batch cannot repeat a (device, ts) pair.
      if (!(ts > (this.lastTsByDevice[lastIx] ?? -Infinity))) this.monotonic = false;
      this.lastTsByDevice[lastIx] = ts;
      stateIx[i] = this.dictionaryIndex('state', batch.text.state[i] ?? null);
    }
    return { deviceIx, stateIx };
  }

  async append(batch: TelemetryBatch): Promise<void> {
    if (batch.length === 0) return;
    const { deviceIx, stateIx } = this.encode(batch);
    const doubles: Float64Array[] = [
      batch.rowNumbers,
      deviceIx,
      batch.tsMs,
      ...NUMBER_COLUMN_NAMES.map((name) => batch.numbers[name]),
      stateIx,
    ];
    const appender = await this.conn.createAppender('stage', 'main', 'temp');
    try {
      for (let start = 0; start < batch.length; start += VECTOR_SIZE) {
        const n = Math.min(VECTOR_SIZE, batch.length - start);
        const chunk = DuckDBDataChunk.create(STAGE_TYPES, n);
        doubles.forEach((values, col) => writeDoubles(chunk, col, values.subarray(start, start + n)));
        appender.appendDataChunk(chunk);
      }
      appender.flushSync();
    } finally {
      appender.closeSync();
    }
    await this.appendLists(batch);
    this.staged += batch.length;
  }

  /**
   * The fast path for a file in the schema's own columns: DuckDB's own reader (read_csv,
   * read_parquet) computes every stored value and, per row, whether the streaming validator would
   * accept it unchanged, in one read into a temporary table. Only when every row passes and no
   * (device, time) repeats inside the file does the batch go on this way, with nothing left for
   * commit but the de-duplication against the store; otherwise (or if DuckDB cannot read the file
   * in this dialect) nothing is staged and undefined is returned, and the caller streams the file,
   * which quarantines each bad row with its number, field and reason exactly as before.
   */
  async stageFile(file: SchemaFile): Promise<{ rows: number; columns: string[] } | undefined> {
    if (this.staged > 0 || this.rejected > 0) throw new Error('stageFile must be the only staging of a batch');
    let columns = file.columns;
    if (file.format === 'parquet') {
      try {
        const described = await this.conn.runAndReadAll(`DESCRIBE SELECT * FROM ${readerSql({ ...file, columns: [] })}`);
        columns = described.getRows().map((r) => ({ name: String(r[0]), type: String(r[1]) }));
      } catch {
        return undefined;
      }
    }
    const sql = fileStageSql({ ...file, columns });
    if (!sql) return undefined;
    try {
      await this.conn.run(`CREATE TEMP TABLE file_rows AS SELECT ${sql.select}, ${sql.valid} AS row_valid FROM ${readerSql({ ...file, columns })}`);
    } catch {
      await this.conn.run('DROP TABLE IF EXISTS file_rows');
      return undefined;
    }
    try {
      const check = await this.conn.runAndReadAll(
        'SELECT count(*), count(*) FILTER (WHERE NOT row_valid), count(DISTINCT (device_id, ts)) FROM file_rows',
      );
      const [rows, invalid, distinct] = check.getRows()[0]!.map(Number) as [number, number, number];
      if (rows === 0 || invalid > 0 || distinct !== rows) {
        await this.conn.run('DROP TABLE file_rows');
        return undefined;
      }
      // The file's rows are copied once, by the INSERT that stores them (sorted there, so a
      // device's rows sit together), not into a ready table first.
      await this.conn.run('CREATE TEMP VIEW ready AS SELECT * EXCLUDE (row_valid) FROM file_rows ORDER BY device_id, ts');
      await this.conn.run(
        'CREATE TEMP TABLE ready_ranges AS SELECT device_id, min(ts) AS first_ts, max(ts) AS last_ts, count(*) AS n FROM file_rows GROUP BY device_id',
      );
      this.preparedInSql = true;
      this.readyIsView = true;
      this.staged = rows;
      return { rows, columns: columns.map((c) => c.name) };
    } catch (err) {
      await this.conn.run('DROP TABLE IF EXISTS file_rows');
      throw err;
    }
  }

  /** List columns are rare; only rows that have one are staged, beside the main stage table. */
  private async appendLists(batch: TelemetryBatch): Promise<void> {
    const { error_codes: codes, flags } = batch.lists;
    let appender: Awaited<ReturnType<DuckDBConnection['createAppender']>> | undefined;
    try {
      for (let i = 0; i < batch.length; i++) {
        const c = codes[i] ?? null;
        const f = flags[i] ?? null;
        if (c === null && f === null) continue;
        appender ??= await this.conn.createAppender('stage_lists', 'main', 'temp');
        appender.appendDouble(batch.rowNumbers[i]!);
        if (c === null) appender.appendNull();
        else appender.appendVarchar(c);
        if (f === null) appender.appendNull();
        else appender.appendVarchar(f);
        appender.endRow();
        this.listRows++;
      }
      appender?.flushSync();
    } finally {
      appender?.closeSync();
    }
  }

  async reject(rejections: readonly RowRejection[]): Promise<void> {
    if (rejections.length === 0) return;
    const appender = await this.conn.createAppender('stage_rejects', 'main', 'temp');
    try {
      for (let i = 0; i < rejections.length; i++) {
        const r = rejections[i]!;
        appender.appendDouble(r.row);
        appender.appendVarchar(r.field);
        appender.appendVarchar(r.reason);
        appender.appendVarchar(r.raw.length > 4096 ? `${r.raw.slice(0, 4096)}…` : r.raw);
        if (r.deviceId === undefined) appender.appendNull();
        else appender.appendVarchar(r.deviceId);
        appender.endRow();
        // The appender's calls are synchronous: 8,192 rejections in one go held the loop ~100 ms.
        if (i % REJECTS_PER_YIELD === REJECTS_PER_YIELD - 1) await setImmediate();
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

  /**
   * Shapes the staged rows into telemetry rows while no lock is held (this is private to the
   * batch): dictionary look-ups, NULLs for NaN, lists, first-row-wins within the batch, and the
   * sort, so that the locked part below is little more than an append.
   */
  private async prepare(): Promise<void> {
    const conn = this.conn;
    const source = `
      FROM stage s
      JOIN stage_dict dd ON dd.dict = 'device_id' AND dd.ix = s.device_ix
      LEFT JOIN stage_dict sd ON sd.dict = 'state' AND sd.ix = s.state_ix
      ${this.listRows > 0 ? 'LEFT JOIN stage_lists l ON l.row_no = s.row_no' : ''}`;
    const select = telemetrySelectFromStage(this.listRows > 0);
    // Times strictly increasing per device mean no (device, ts) repeats inside the batch; a stage
    // that already holds each device's rows together and in time order keeps its order, otherwise
    // rows are sorted so a device's rows sit together and zone maps prune range reads.
    if (this.clustered && this.monotonic) {
      // Nothing to drop or reorder: the rows are shaped once, by the INSERT that stores them,
      // instead of being copied into a table first (a third of an Arrow upload's time went there).
      this.readyIsView = true;
      await conn.run(`CREATE TEMP VIEW ready AS SELECT ${select} ${source}`);
      await conn.run(
        `CREATE TEMP TABLE ready_ranges AS SELECT dd.value AS device_id, epoch_ms(CAST(min(s.ts_ms) AS BIGINT)) AS first_ts,
           epoch_ms(CAST(max(s.ts_ms) AS BIGINT)) AS last_ts, count(*) AS n
         FROM stage s JOIN stage_dict dd ON dd.dict = 'device_id' AND dd.ix = s.device_ix GROUP BY dd.value`,
      );
      return;
    }
    const dedupe = this.monotonic ? '' : 'QUALIFY row_number() OVER (PARTITION BY s.device_ix, s.ts_ms ORDER BY s.row_no) = 1';
    await conn.run(`CREATE TEMP TABLE ready AS SELECT ${select} ${source} ${dedupe} ORDER BY dd.value, s.ts_ms`);
    await conn.run(
      'CREATE TEMP TABLE ready_ranges AS SELECT device_id, min(ts) AS first_ts, max(ts) AS last_ts, count(*) AS n FROM ready GROUP BY device_id',
    );
  }

  /** De-duplicates against the batch itself and the store, then writes it all in one transaction. */
  async commit(): Promise<IngestCounts> {
    try {
      return await this.commitOnce();
    } catch (err) {
      // A commit that fails is rolled back, recorded as failed with its reason, and its connection
      // closed, which drops the batch's temporary tables (they live only on that connection).
      await this.abort((err as Error).message).catch(() => undefined);
      throw err;
    }
  }

  /**
   * Refuses the batch when a device is not registered in the key's fleets. An unknown device and
   * another fleet's device get the same answer, so a scoped key cannot learn what exists elsewhere.
   */
  private async refuseOutsideFleets(fleets: readonly string[]): Promise<void> {
    const outside = await this.conn.runAndReadAll(
      `SELECT r.device_id FROM ready_ranges r LEFT JOIN devices d USING (device_id)
       WHERE d.fleet IS NULL OR NOT list_contains($1::VARCHAR[], d.fleet) ORDER BY r.device_id LIMIT 1`,
      [listValue([...fleets])],
    );
    const deviceId = outside.getRows()[0]?.[0];
    if (deviceId !== undefined) {
      throw new TelltaleError('FORBIDDEN', `device '${String(deviceId)}' is not registered in this key's fleets (an admin registers it: PUT /v1/devices/:id with its fleet); nothing of the batch was stored`);
    }
  }

  private async commitOnce(): Promise<IngestCounts> {
    if (!this.preparedInSql) {
      await this.writeDictionaries();
      await this.prepare();
    }
    return this.store.writeLock.run(async () => {
      const conn = this.conn;
      const counts = await inTransaction(conn, async () => {
        if (this.meta.fleets) await this.refuseOutsideFleets(this.meta.fleets);
        // Only devices whose stored time range overlaps the batch need the (costlier) anti-join.
        const overlap = await conn.runAndReadAll(`
          SELECT count(*) FROM ready_ranges r JOIN devices d USING (device_id)
          WHERE r.first_ts <= d.last_ts AND r.last_ts >= d.first_ts`);
        const overlapsStore = Number(overlap.getRows()[0]?.[0] ?? 0) > 0;
        let ranges = 'ready_ranges';
        let ready = 'ready';
        if (overlapsStore) {
          // Rows already stored are dropped by an anti-join that zone maps keep to the devices and
          // times of this batch; the first value stored wins.
          const stored = 'EXISTS (SELECT 1 FROM telemetry t WHERE t.device_id = f.device_id AND t.ts = f.ts)';
          if (this.readyIsView) {
            await conn.run(`CREATE TEMP TABLE ready_new AS SELECT * FROM ready f WHERE NOT ${stored}`);
            ready = 'ready_new';
          } else {
            await conn.run(`DELETE FROM ready f WHERE ${stored}`);
          }
          ranges = `(SELECT device_id, min(ts) AS first_ts, max(ts) AS last_ts, count(*) AS n FROM ${ready} GROUP BY device_id)`;
        }
        // Sorted here, whatever the stage went through: its joins and the anti-join do not keep row
        // order, and a device's rows stored in time order let range reads stream without a sort.
        const inserted = await conn.runAndReadAll(`INSERT INTO telemetry SELECT * FROM ${ready} ORDER BY device_id, ts`);
        const accepted = Number(inserted.getRows()[0]?.[0] ?? 0);
        await upsertDeviceSpans(conn, ready, this.store.now());
        await mergeTelemetryMinutes(conn, ready);
        // The derived work (sessions, events) is recorded with the rows, so it survives any crash after the ack.
        await recordDerivedWork(conn, this.batchId, ranges, this.store.now());
        const touched = await conn.runAndReadAll(
          `SELECT device_id, epoch_ms(first_ts)::DOUBLE, epoch_ms(last_ts)::DOUBLE FROM ${ranges} WHERE n > 0 ORDER BY device_id`,
        );
        if (this.rejected > 0) {
          await conn.run(
            `INSERT INTO quarantine (batch_id, source, row_number, field, reason, raw_text, quarantined_at, device_id)
             SELECT $1, $2, CAST(row_number AS BIGINT), field, reason, raw_text, epoch_ms(CAST($3 AS BIGINT)), device_id FROM stage_rejects`,
            [this.batchId, this.meta.source, this.store.now()],
          );
        }
        const counts: IngestCounts = {
          touched: touched.getRows().map(([d, lo, hi]) => ({ deviceId: String(d), fromMs: Number(lo), toMs: Number(hi), batchId: this.batchId })),
          batchId: this.batchId,
          received: this.staged + this.rejected,
          accepted,
          duplicates: this.staged - accepted,
          rejected: this.rejected,
        };
        await markBatchCommitted(conn, counts, this.store.now());
        return counts;
      });
      await this.release();
      return counts;
    });
  }

  /** Drops everything staged and records why the batch failed. */
  async abort(reason: string): Promise<void> {
    if (this.done) return;
    try {
      await markBatchesFailed(this.conn, [this.batchId], reason, this.store.now());
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
