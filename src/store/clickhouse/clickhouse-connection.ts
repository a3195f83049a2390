import { Readable } from 'node:stream';
import { createClient, type ClickHouseClient } from '@clickhouse/client';

/**
 * HTTP clients for every shard of one Telltale database on a ClickHouse cluster. Shard 1 (the
 * first URL) takes the queries on Distributed tables and holds the small unsharded tables; the
 * others are reached directly only by migrations, which create each shard's local tables.
 */
export class ClickHouseConnection {
  readonly urls: readonly string[];
  readonly database: string;
  private readonly clients: ClickHouseClient[];

  constructor(urls: readonly string[], database: string) {
    if (urls.length === 0) throw new Error('a ClickHouse store needs at least one server URL');
    this.urls = urls;
    this.database = database;
    this.clients = urls.map((url) =>
      createClient({
        url,
        // The servers close idle connections after 3 s (keep_alive_timeout); ours go first, so a request never meets a socket the server dropped.
        keep_alive: { enabled: true, idle_socket_ttl: 1000 },
        request_timeout: 300_000,
        // Long merges (OPTIMIZE) and big inserts keep the socket busy with progress headers instead of looking idle.
        clickhouse_settings: { send_progress_in_http_headers: 1, http_headers_progress_interval_ms: '10000' },
      }),
    );
  }

  get shardCount(): number {
    return this.clients.length;
  }

  /** DDL or a statement without result, on one shard (default: shard 1). */
  async command(sql: string, shard = 0): Promise<void> {
    await this.clients[shard]!.command({ query: sql });
  }

  /** A query's rows as objects (JSONEachRow: 64-bit integers arrive as strings). */
  async rows<T = Record<string, unknown>>(sql: string, shard = 0): Promise<T[]> {
    const result = await this.clients[shard]!.query({ query: sql, format: 'JSONEachRow' });
    return result.json<T>();
  }

  /** A query's reply as TabSeparated text: the fast path for column reads (no per-row objects). */
  async text(sql: string, shard = 0): Promise<string> {
    const result = await this.clients[shard]!.query({ query: sql, format: 'TabSeparated' });
    return result.text();
  }

  /** A query's reply as RowBinary bytes: doubles exactly as stored, no text to format or parse. */
  async binary(sql: string, shard = 0): Promise<Buffer> {
    const result = await this.clients[shard]!.exec({ query: `${sql} FORMAT RowBinary` });
    const parts: Buffer[] = [];
    for await (const chunk of result.stream) parts.push(chunk as Buffer);
    return Buffer.concat(parts);
  }

  /**
   * Inserts RowBinary-encoded rows (the table's column order). Binary doubles arrive exactly as JS
   * holds them: 18.16 parses decimal text to a neighbouring double now and then (-6.724891 came
   * back as -6.7248909999999995), so the big table's numbers never travel as text.
   */
  async insertRowBinary(table: string, chunks: Iterable<Buffer>, shard = 0): Promise<void> {
    const result = await this.clients[shard]!.exec({
      query: `INSERT INTO ${this.database}.${table} FORMAT RowBinary`,
      values: Readable.from(chunks),
      clickhouse_settings: { insert_distributed_sync: 1 },
    });
    for await (const _ of result.stream) {
      // the reply body is empty; reading it to the end frees the socket
    }
  }

  /** Inserts rows as JSON objects (small tables). */
  async insertRows(table: string, rows: readonly Record<string, unknown>[], shard = 0): Promise<void> {
    if (rows.length === 0) return;
    await this.clients[shard]!.insert({
      table: `${this.database}.${table}`,
      values: rows as Record<string, unknown>[],
      format: 'JSONEachRow',
      clickhouse_settings: { insert_distributed_sync: 1 },
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.clients.map((c) => c.close()));
  }
}
