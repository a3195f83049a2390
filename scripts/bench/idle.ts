/**
 * Idle server CPU, `npm run bench:idle` (flags: --seconds, default 60).
 *
 *   1. two `telltale serve --demo` child processes start on fresh DuckDB files and load the bundled
 *      demo data (sessions and events derived, as `npm start` does);
 *   2. once each logs that its demo data is derived, nothing is sent to either for --seconds;
 *   3. their CPU time (user + system, from /proc) over that window is the figure.
 * The service runs with the default alert settings (event-driven: no polling). The baseline, in the
 * same run and the same window, is the same server with a rules file that sets `scanIntervalMs: 200`
 * (the alert engine's old polling loop, still available for outside writers of `events`).
 * Prints one line of JSON.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { machineLoad } from './machine-load.ts';

const ROOT = join(import.meta.dirname, '../..');
const { values } = parseArgs({ options: { seconds: { type: 'string', default: '60' } } });
const SECONDS = Number(values.seconds);
const dir = mkdtempSync(join(tmpdir(), 'telltale-bench-idle-'));

interface Served { child: ChildProcess; derived: Promise<void> }

function serve(name: string, extra: string[]): Served {
  const child = spawn(process.execPath, ['src/cli/main.ts', 'serve', '--demo', '--db', join(dir, `${name}.duckdb`), '--port', '0', ...extra], {
    cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'info', TZ: 'UTC' },
  });
  let log = '';
  const derived = new Promise<void>((resolve, reject) => {
    const look = (d: Buffer) => {
      log += d.toString();
      if (log.includes('demo data derived')) resolve();
    };
    child.stdout!.on('data', look);
    child.stderr!.on('data', look);
    child.on('exit', (code) => reject(new Error(`${name} exited (${code}) before its demo data was derived:\n${log.slice(-2000)}`)));
  });
  return { child, derived };
}

/** CPU time (user + system) of a process in ms, from /proc/<pid>/stat (USER_HZ = 100). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

const rules = join(dir, 'polling.rules.json');
writeFileSync(rules, JSON.stringify({ scanIntervalMs: 200, rules: [] }));
const idle = serve('idle', []);
const polling = serve('polling', ['--alert-rules', rules]);
try {
  await Promise.all([idle.derived, polling.derived]);
  const startMs = Date.now();
  const before = { idle: cpuMs(idle.child.pid!), polling: cpuMs(polling.child.pid!) };
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const wallMs = Date.now() - startMs;
  const pct = (ms: number) => Math.round((ms / wallMs) * 100 * 1000) / 1000;
  const figures = {
    bench: 'idle',
    seconds: SECONDS,
    data: 'serve --demo (bundled twizy-rsk trips and the Model S log), sessions and events derived before the window',
    cpuPctOfCore: pct(cpuMs(idle.child.pid!) - before.idle),
    cpuMs: cpuMs(idle.child.pid!) - before.idle,
    baselinePollingCpuPctOfCore: pct(cpuMs(polling.child.pid!) - before.polling),
    baseline: 'the same server with scanIntervalMs: 200 (alert engine polling)',
    target: '< 1 % of a core',
    ...machineLoad(),
    // The 1, 5 and 15 min load averages at the end: on a shared machine every latency includes waiting for a CPU.
    loadAvg: loadavg().map((l) => Math.round(l * 100) / 100),
  };
  process.stdout.write(`${JSON.stringify(figures)}\n`);
} finally {
  idle.child.kill('SIGTERM');
  polling.child.kill('SIGTERM');
  await Promise.all([idle, polling].map((s) => new Promise((r) => (s.child.exitCode !== null ? r(undefined) : s.child.on('exit', r)))));
  rmSync(dir, { recursive: true, force: true });
}
