/**
 * A private PostgreSQL cluster for benchmarks: Debian's `postgresql` package (installed with
 * apt-get when missing and running as root), initdb'd in a temp folder and started on a free
 * local port; nothing touches a system cluster. Undefined when PostgreSQL cannot be had.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './bench-store.ts';

export interface PrivatePostgres {
  version: string;
  port: number;
  /** Runs SQL (or a psql meta-command such as \copy) through psql. */
  psql(command: string): void;
  stop(): void;
}

function findBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return versions.length ? join(root, versions[0]!, 'bin') : undefined;
}

function run(cmd: string, args: string[], asUser?: string): void {
  const [file, argv] = asUser ? ['runuser', ['-u', asUser, '--', cmd, ...args]] : [cmd, args];
  const r = spawnSync(file, argv, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr || r.stdout}`);
}

export async function startPrivatePostgres(dir: string, note: (line: string) => void): Promise<PrivatePostgres | undefined> {
  let bin = findBin();
  const root = process.getuid?.() === 0;
  if (!bin && root) {
    note('PostgreSQL not found: apt-get install -y postgresql');
    spawnSync('apt-get', ['install', '-y', '-q', 'postgresql'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    bin = findBin();
  }
  if (!bin) return undefined;
  // initdb refuses to run as root: the cluster belongs to the package's `postgres` user then.
  const user = root ? 'postgres' : undefined;
  const data = join(dir, 'pgdata');
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o777);
  const port = await freePort();
  run(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8'], user);
  run(join(bin, 'pg_ctl'), ['-D', data, '-w', '-l', join(data, 'server.log'), '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c shared_buffers=512MB -c timezone=UTC`, 'start'], user);
  const version = bin.split('/').at(-2)!;
  return {
    version,
    port,
    psql: (command) => run(join(bin, 'psql'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-v', 'ON_ERROR_STOP=1', '-q', '-c', command]),
    stop: () => run(join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', 'stop'], user),
  };
}
