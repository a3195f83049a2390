/** Where the store lives: a DuckDB file (or :memory:) or a ClickHouse cluster. */
export type StoreLocation =
  | { kind: 'duckdb'; path: string }
  /** `urls[0]` holds the Distributed tables and the small unsharded ones; every url is a shard. */
  | { kind: 'clickhouse'; urls: string[]; database: string };

/**
 * `clickhouse://host:port[,host:port…]/db` (HTTP ports; the first is where the Distributed
 * tables live, the others are the remaining shards, whose local tables migrations create too),
 * or anything else as a DuckDB path.
 */
export function parseStoreUrl(text: string): StoreLocation {
  const m = /^clickhouse:\/\/([^/]+)\/([A-Za-z_][A-Za-z0-9_]*)$/.exec(text.trim());
  if (!m) {
    if (text.startsWith('clickhouse:')) throw new Error(`store '${text}': expected clickhouse://host:port[,host:port…]/database`);
    return { kind: 'duckdb', path: text };
  }
  const urls = m[1]!.split(',').map((hostPort) => {
    if (!/^[A-Za-z0-9.\-[\]:]+:\d+$/.test(hostPort)) throw new Error(`store '${text}': '${hostPort}' is not host:port`);
    return `http://${hostPort}`;
  });
  return { kind: 'clickhouse', urls, database: m[2]! };
}
