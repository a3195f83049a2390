import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { MESSAGES } from '../domain/errors/error-catalogue.ts';
import { TelltaleError } from '../domain/errors/telltale-error.ts';
import { MIGRATIONS } from './migrations.ts';
import { WriteLock } from './write-lock.ts';
import { inTransaction } from './in-transaction.ts';
import { markRunningBatchesAborted } from './ingest-batch-repository.ts';

/**
 * A connection as the layers above the store may hold it: to pass to repository functions, never
 * to run SQL on (only src/store imports @duckdb/node-api; the layer lint enforces it).
 */
export type StoreConnection = DuckDBConnection;

export interface StoreOptions {
  /** DuckDB memory_limit, e.g. '2GB'. Staged batches beyond it spill to disk instead of growing RSS. */
  memoryLimit?: string;
  threads?: number;
  /** Injectable clock (epoch ms). */
  now?: () => number;
  /**
   * Create the file's folder when it is missing. Only for the default path (./data): a path the
   * user typed whose folder does not exist is a typo far more often than a wish for a new folder.
   */
  createFolder?: boolean;
}

/** One DuckDB database file (or :memory:) holding telemetry; owns the instance and the write lock. */
export class TelemetryStore {
  readonly path: string;
  readonly now: () => number;
  readonly writeLock = new WriteLock();
  private readonly instance: DuckDBInstance;
  private readonly connection: DuckDBConnection;
  private closed = false;

  private constructor(path: string, instance: DuckDBInstance, connection: DuckDBConnection, now: () => number) {
    this.path = path;
    this.instance = instance;
    this.connection = connection;
    this.now = now;
  }

  static async open(path: string, options: StoreOptions = {}): Promise<TelemetryStore> {
    if (path !== ':memory:' && !existsSync(dirname(path))) {
      if (!options.createFolder) throw new TelltaleError('DB_FOLDER_MISSING', MESSAGES.dbFolderMissing(path, dirname(path)));
      mkdirSync(dirname(path), { recursive: true });
    }
    const config: Record<string, string> = { memory_limit: options.memoryLimit ?? '2GB' };
    if (options.threads) config.threads = String(options.threads);
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(path, config);
    } catch (err) {
      const message = (err as Error).message;
      if (/lock/i.test(message)) {
        throw new TelltaleError('STORE_LOCKED', MESSAGES.storeLocked(path));
      }
      throw err;
    }
    const connection = await instance.connect();
    const store = new TelemetryStore(path, instance, connection, options.now ?? Date.now);
    await store.migrate();
    return store;
  }

  /**
   * The store's own connection: for migrations and tests only. A DuckDB connection runs one query
   * at a time and a streaming result is cut off by the next query on it, so concurrent work takes
   * a connection of its own through `withConnection`.
   */
  get db(): DuckDBConnection {
    return this.connection;
  }

  /** Runs `work` on a fresh connection, closed afterwards (connecting costs microseconds). */
  async withConnection<T>(work: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
    const conn = await this.instance.connect();
    try {
      return await work(conn);
    } finally {
      conn.closeSync();
    }
  }

  /** A connection of its own, for work that keeps temporary tables (staged ingests). */
  connect(): Promise<DuckDBConnection> {
    return this.instance.connect();
  }

  async schemaVersion(): Promise<number> {
    return this.withConnection(async (conn) => {
      const reader = await conn.runAndReadAll('SELECT coalesce(max(version), 0) FROM schema_migrations');
      return Number(reader.getRows()[0]?.[0] ?? 0);
    });
  }

  private async migrate(): Promise<void> {
    await this.connection.run(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)',
    );
    const current = await this.schemaVersion();
    for (const migration of MIGRATIONS) {
      if (migration.version <= current) continue;
      await inTransaction(this.connection, async () => {
        await this.connection.run(migration.sql);
        await this.connection.run('INSERT INTO schema_migrations VALUES ($1, $2, epoch_ms(CAST($3 AS BIGINT)))', [
          migration.version,
          migration.name,
          this.now(),
        ]);
      });
    }
    // A batch still 'running' when the store opens was cut off by a crash or kill: nothing of it was
    // committed (its rows are written in the same transaction that would have marked it done).
    await markRunningBatchesAborted(this.connection);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.writeLock.run(async () => {
      this.connection.closeSync();
      this.instance.closeSync();
    });
  }
}
