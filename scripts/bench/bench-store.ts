/**
 * The 10 M-row store the read and replay benchmarks share: a seeded fleet (116 devices × one day
 * at 1 Hz by default) bulk-loaded into a DuckDB file in (device, ts) order, and a `telltale serve`
 * child process on a free port. `--store PATH` reuses a store built by an earlier run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { writeFleet } from '../fixtures/generate-fleet.ts';

export const ROOT = join(import.meta.dirname, '../..');
export const T0 = Date.UTC(2024, 0, 1);

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Builds the store in `dir` (or returns `reuse` when it exists). */
export async function benchStore(dir: string, o: { devices: number; seconds: number; seed: number; reuse?: string | undefined }): Promise<string> {
  if (o.reuse && existsSync(o.reuse)) return o.reuse;
  const parquet = join(dir, 'fleet.parquet');
  const db = o.reuse ?? join(dir, 'telltale.duckdb');
  await writeFleet(parquet, o);
  const load = spawn(process.execPath, ['scripts/bench/raw-load.ts', parquet, db], { cwd: ROOT, stdio: 'ignore' });
  const code = await new Promise((r) => load.on('close', r));
  if (code !== 0) throw new Error(`raw-load exited with ${code}`);
  return db;
}

/** The running bench server's admin key (serve writes it to --admin-key-file): every request sends it. */
let serverKey = '';
export const authHeaders = (): Record<string, string> => ({ authorization: `Bearer ${serverKey}` });

/** `env`: settings for the server (e.g. a bench's raised per-key caps). */
export async function startServer(db: string, env: Record<string, string> = {}): Promise<{ url: string; child: ChildProcess; stop: () => Promise<void> }> {
  const port = await freePort();
  const keyFile = `${db}.key`;
  const child = spawn(process.execPath, ['src/cli/main.ts', 'serve', '--db', db, '--port', String(port), '--admin-key-file', keyFile], { cwd: ROOT, stdio: 'ignore', env: { ...process.env, LOG_LEVEL: 'warn', ...env } });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null) return;
    child.kill('SIGTERM');
    await new Promise((r) => child.on('close', r));
  };
  for (let i = 0; i < 600; i++) {
    if (await fetch(`${url}/healthz`).then((r) => r.ok, () => false)) {
      serverKey = readFileSync(keyFile, 'utf8').trim();
      return { url, child, stop };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error('server did not start');
}

/**
 * Nearest-rank percentiles (the smallest value with at least q of the samples at or below it): of
 * 100 samples p99 is the 99th, p50 the 50th. (Until 2026-12-03 this took the value above, so p99 of
 * 100 samples was the maximum.) `max` is printed beside them.
 */
export function percentiles(times: number[]): { p50: number; p99: number; max: number } {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
  return { p50: Number(at(0.5).toFixed(1)), p99: Number(at(0.99).toFixed(1)), max: Number(sorted.at(-1)!.toFixed(1)) };
}
