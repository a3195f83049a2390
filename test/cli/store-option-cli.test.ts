import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickhouseServerBinary, clickhouseStoreUrl, startClickHouseCluster, type ClickHouseCluster } from '../../scripts/clickhouse/cluster.ts';
import { runCli } from './run-cli.ts';

const FILE = 'fixtures/twizy-rsk/T1_06_30_2021_2.csv';
const skip = clickhouseServerBinary() ? undefined : 'clickhouse-server is not installed';

/** The real CLI with --store clickhouse://…: the same file in, the same bytes out as from the DuckDB file. */
describe.skipIf(skip !== undefined)('telltale --store clickhouse://', () => {
  let cluster: ClickHouseCluster;
  let dir: string;
  let store: string;

  beforeAll(async () => {
    cluster = await startClickHouseCluster({ shards: 2 });
    store = clickhouseStoreUrl(cluster.urls, 'cli');
    dir = mkdtempSync(join(tmpdir(), 'telltale-store-cli-'));
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('ingests with a profile, then exports the same CSV and NDJSON bytes as the DuckDB store', async () => {
    const common = ['--profile', 'twizy-rsk', '--device', 'twizy-rsk'];
    const ch = await runCli(['ingest', FILE, ...common, '--store', store, '--json']);
    expect(ch.code, ch.stderr).toBe(0);
    expect(JSON.parse(ch.stdout).files[0]).toMatchObject({ accepted: 5903, duplicates: 0, rejected: 0 });
    const db = join(dir, 't.duckdb');
    expect((await runCli(['ingest', FILE, ...common, '--db', db, '--json'])).code).toBe(0);
    for (const ext of ['csv', 'ndjson']) {
      const fromCh = join(dir, `ch.${ext}`);
      const fromDuck = join(dir, `duck.${ext}`);
      // TELLTALE_STORE works as --store does.
      expect((await runCli(['export', '--device', 'twizy-rsk', '--out', fromCh], undefined, { TELLTALE_STORE: store })).code).toBe(0);
      expect((await runCli(['export', '--device', 'twizy-rsk', '--out', fromDuck, '--db', db])).code).toBe(0);
      expect(readFileSync(fromCh).equals(readFileSync(fromDuck)), ext).toBe(true);
    }
    const again = await runCli(['ingest', FILE, ...common, '--store', store, '--json']);
    expect(JSON.parse(again.stdout).files[0]).toMatchObject({ accepted: 0, duplicates: 5903 });
  }, 120_000);

  it('refuses serve --demo on a ClickHouse store by name, and exits 1 (serve itself runs there: test/cluster/)', async () => {
    const r = await runCli(['serve', '--demo', '--store', store, '--port', '0']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("'serve --demo' runs on the DuckDB store only");
  });
});
