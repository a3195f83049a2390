/**
 * A private ClickHouse cluster on local ports: `shards` clickhouse-server processes (Debian's
 * package, 18.16), each an ordinary child process with its own config, users file and data folder
 * under one temp folder, and all of them listed as the `remote_servers` cluster `telltale` (one
 * replica per shard) so that a `Distributed` table on any of them spreads over all. Nothing
 * touches the system's /etc/clickhouse-server or /var/lib/clickhouse.
 *
 * Library: `startClickHouseCluster({ shards })` → `{ url, urls, stop() }` (the children die with
 * the process that started them). CLI, for humans:
 *   node scripts/clickhouse/cluster.ts start [--shards 2] [--dir data/clickhouse-cluster]
 *   node scripts/clickhouse/cluster.ts stop  [--dir data/clickhouse-cluster]
 * `start` leaves the servers running in the background and writes `cluster.json` into the folder.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

export interface ClickHouseCluster {
  /** http://127.0.0.1:PORT of shard 1, where the Distributed tables are created and queried. */
  url: string;
  /** Every shard's HTTP URL, shard 1 first. */
  urls: string[];
  /** The servers' process ids, shard 1 first (benchmarks read their CPU time from /proc). */
  pids: number[];
  stop(): Promise<void>;
}

export interface ClusterOptions {
  shards: number;
  /** Parent folder for the shards' configs and data; a fresh temp folder (removed on stop) when left out. */
  dir?: string;
  /** Seconds to wait for every shard's /ping (default 60). */
  startTimeoutS?: number;
}

interface ShardPorts {
  http: number;
  tcp: number;
  interserver: number;
}

const SERVER_CANDIDATES = ['/usr/sbin/clickhouse-server', '/usr/bin/clickhouse-server'];

/** The clickhouse-server binary, or undefined when the package is not installed. */
export function clickhouseServerBinary(): string | undefined {
  const fromEnv = process.env.CLICKHOUSE_SERVER_BIN;
  if (fromEnv && existsSync(fromEnv)) return fromEnv;
  return SERVER_CANDIDATES.find((p) => existsSync(p));
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((ok) => server.close(() => ok()));
  return port;
}

function clusterXml(allPorts: ShardPorts[]): string {
  const shards = allPorts
    .map((p) => `      <shard><replica><host>127.0.0.1</host><port>${p.tcp}</port></replica></shard>`)
    .join('\n');
  return `    <remote_servers>\n      <telltale>\n${shards}\n      </telltale>\n    </remote_servers>`;
}

function configXml(dir: string, ports: ShardPorts, allPorts: ShardPorts[]): string {
  // Caches are sized for a shared test machine, not for the 8 GiB/5 GiB package defaults.
  return `<?xml version="1.0"?>
<yandex>
    <logger>
        <level>warning</level>
        <log>${dir}/log/server.log</log>
        <errorlog>${dir}/log/error.log</errorlog>
        <size>10M</size>
        <count>2</count>
    </logger>
    <listen_host>127.0.0.1</listen_host>
    <http_port>${ports.http}</http_port>
    <tcp_port>${ports.tcp}</tcp_port>
    <interserver_http_port>${ports.interserver}</interserver_http_port>
    <interserver_http_host>127.0.0.1</interserver_http_host>
    <path>${dir}/data/</path>
    <tmp_path>${dir}/tmp/</tmp_path>
    <user_files_path>${dir}/user_files/</user_files_path>
    <format_schema_path>${dir}/format_schemas/</format_schema_path>
    <users_config>${dir}/users.xml</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <timezone>UTC</timezone>
    <mark_cache_size>268435456</mark_cache_size>
    <uncompressed_cache_size>268435456</uncompressed_cache_size>
    <max_concurrent_queries>100</max_concurrent_queries>
    <keep_alive_timeout>3</keep_alive_timeout>
    <mlock_executable>false</mlock_executable>
${clusterXml(allPorts)}
</yandex>
`;
}

const USERS_XML = `<?xml version="1.0"?>
<yandex>
    <profiles>
        <default>
            <max_memory_usage>4000000000</max_memory_usage>
            <load_balancing>in_order</load_balancing>
        </default>
    </profiles>
    <users>
        <default>
            <password></password>
            <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
            <profile>default</profile>
            <quota>default</quota>
        </default>
    </users>
    <quotas>
        <default>
            <interval>
                <duration>3600</duration>
                <queries>0</queries>
                <errors>0</errors>
                <result_rows>0</result_rows>
                <read_rows>0</read_rows>
                <execution_time>0</execution_time>
            </interval>
        </default>
    </quotas>
</yandex>
`;

/** One GET /ping on a connection of its own (closed after), so no idle keep-alive socket delays a shutdown. */
function pingOk(url: string): Promise<boolean> {
  return new Promise((ok) => {
    const req = httpGet(`${url}/ping`, { agent: false, timeout: 2000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => ok(res.statusCode === 200 && body.trim() === 'Ok.'));
      res.on('error', () => ok(false));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => ok(false));
  });
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (exited(child)) return;
  const gone = new Promise<void>((ok) => child.once('exit', () => ok()));
  child.kill('SIGTERM');
  // ClickHouse finishes running queries on SIGTERM; a server that has not gone after 20 s is killed.
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await gone;
  clearTimeout(timer);
}

interface StartedShard {
  child: ChildProcess;
  url: string;
  dir: string;
}

function spawnShard(bin: string, dir: string, detached: boolean): ChildProcess {
  const out = join(dir, 'log', 'stdout.log');
  // stdout/stderr go to a file (not a pipe) so a detached server outlives the CLI that started it.
  const fd = openSync(out, 'a');
  try {
    return spawn(bin, [`--config-file=${join(dir, 'config.xml')}`], {
      cwd: dir,
      detached,
      stdio: ['ignore', fd, fd],
      env: { ...process.env, TZ: 'UTC' },
    });
  } finally {
    closeSync(fd);
  }
}

async function waitForShards(shards: StartedShard[], timeoutS: number): Promise<void> {
  const deadline = Date.now() + timeoutS * 1000;
  const pending = new Set(shards);
  while (pending.size) {
    for (const s of [...pending]) {
      if (exited(s.child)) {
        const log = [join(s.dir, 'log', 'error.log'), join(s.dir, 'log', 'stdout.log')]
          .filter((p) => existsSync(p))
          .map((p) => readFileSync(p, 'utf8').trim().split('\n').slice(-5).join('\n'))
          .join('\n');
        throw new Error(`clickhouse-server in ${s.dir} exited (${s.child.exitCode ?? s.child.signalCode}) before answering /ping:\n${log}`);
      }
      if (await pingOk(s.url)) pending.delete(s);
    }
    if (!pending.size) break;
    if (Date.now() > deadline) throw new Error(`clickhouse-server did not answer /ping within ${timeoutS} s: ${[...pending].map((s) => s.url).join(', ')}`);
    await new Promise((ok) => setTimeout(ok, 100));
  }
}

async function launch(o: ClusterOptions & { detached: boolean }): Promise<{ shards: StartedShard[]; root: string; ownsRoot: boolean }> {
  if (!Number.isInteger(o.shards) || o.shards < 1) throw new Error(`shards must be a positive integer, not ${o.shards}`);
  const bin = clickhouseServerBinary();
  if (!bin) throw new Error('clickhouse-server is not installed (apt-get install -y clickhouse-server)');
  const ownsRoot = o.dir === undefined;
  const root = o.dir === undefined ? mkdtempSync(join(tmpdir(), 'telltale-clickhouse-')) : resolve(o.dir);
  mkdirSync(root, { recursive: true });
  const allPorts: ShardPorts[] = [];
  for (let i = 0; i < o.shards; i++) allPorts.push({ http: await freePort(), tcp: await freePort(), interserver: await freePort() });
  const shards: StartedShard[] = allPorts.map((ports, i) => {
    const dir = join(root, `shard-${i + 1}`);
    for (const sub of ['log', 'data', 'tmp', 'user_files', 'format_schemas']) mkdirSync(join(dir, sub), { recursive: true });
    writeFileSync(join(dir, 'config.xml'), configXml(dir, ports, allPorts));
    writeFileSync(join(dir, 'users.xml'), USERS_XML);
    return { child: spawnShard(bin, dir, o.detached), url: `http://127.0.0.1:${ports.http}`, dir };
  });
  try {
    await waitForShards(shards, o.startTimeoutS ?? 60);
  } catch (err) {
    await Promise.all(shards.map((s) => stopChild(s.child)));
    if (ownsRoot) rmSync(root, { recursive: true, force: true });
    throw err;
  }
  return { shards, root, ownsRoot };
}

const living = new Set<ChildProcess>();
let exitHookInstalled = false;
function killOnExit(child: ChildProcess): void {
  living.add(child);
  child.once('exit', () => living.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A test run that dies without calling stop() must not leave servers behind.
  process.once('exit', () => {
    for (const c of living) c.kill('SIGKILL');
  });
}

/** Starts the cluster and resolves once every shard answers /ping with `Ok.`. */
export async function startClickHouseCluster(o: ClusterOptions): Promise<ClickHouseCluster> {
  // A port taken between freePort() and the server's bind is the one race here: try again with new ports.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const { shards, root, ownsRoot } = await launch({ ...o, detached: false });
      for (const s of shards) killOnExit(s.child);
      let stopped: Promise<void> | undefined;
      return {
        url: shards[0]!.url,
        urls: shards.map((s) => s.url),
        pids: shards.map((s) => s.child.pid!),
        stop: () =>
          (stopped ??= Promise.all(shards.map((s) => stopChild(s.child))).then(() => {
            if (ownsRoot) rmSync(root, { recursive: true, force: true });
          })),
      };
    } catch (err) {
      lastError = err;
      if (!/Address already in use|exited/.test(String(err))) throw err;
    }
  }
  throw lastError;
}

/** The `--store` / TELLTALE_STORE value for a cluster: every shard's host:port, shard 1 first. */
export function clickhouseStoreUrl(urls: readonly string[], database: string): string {
  return `clickhouse://${urls.map((u) => u.replace(/^http:\/\//, '')).join(',')}/${database}`;
}

interface ClusterFile {
  url: string;
  urls: string[];
  pids: number[];
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function cli(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { shards: { type: 'string', default: '2' }, dir: { type: 'string', default: 'data/clickhouse-cluster' } },
  });
  const dir = resolve(values.dir);
  const stateFile = join(dir, 'cluster.json');
  const command = positionals[0];
  if (command === 'start') {
    if (existsSync(stateFile)) {
      const state = JSON.parse(readFileSync(stateFile, 'utf8')) as ClusterFile;
      if (state.pids.some(pidAlive)) throw new Error(`a cluster is already running from ${dir} (${state.url}); stop it first`);
    }
    const { shards } = await launch({ shards: Number(values.shards), dir, detached: true });
    const state: ClusterFile = { url: shards[0]!.url, urls: shards.map((s) => s.url), pids: shards.map((s) => s.child.pid!) };
    writeFileSync(stateFile, `${JSON.stringify(state, null, 2)}\n`);
    for (const s of shards) s.child.unref();
    console.log(`ClickHouse cluster "telltale" with ${shards.length} shard(s) under ${dir}`);
    console.log(`url: ${state.url}`);
    console.log(`TELLTALE_STORE=${clickhouseStoreUrl(state.urls, 'telltale')}`);
    console.log(`stop: node scripts/clickhouse/cluster.ts stop --dir ${values.dir}`);
  } else if (command === 'stop') {
    if (!existsSync(stateFile)) throw new Error(`no cluster.json in ${dir}: nothing to stop`);
    const state = JSON.parse(readFileSync(stateFile, 'utf8')) as ClusterFile;
    for (const pid of state.pids) if (pidAlive(pid)) process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + 20_000;
    while (state.pids.some(pidAlive)) {
      if (Date.now() > deadline) for (const pid of state.pids) if (pidAlive(pid)) process.kill(pid, 'SIGKILL');
      await new Promise((ok) => setTimeout(ok, 100));
    }
    rmSync(stateFile);
    console.log(`stopped ${state.pids.length} clickhouse-server process(es) (data kept under ${dir})`);
  } else {
    throw new Error('usage: node scripts/clickhouse/cluster.ts start|stop [--shards N] [--dir DIR]');
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  cli(process.argv.slice(2)).catch((err: unknown) => {
    console.error(`cluster: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
