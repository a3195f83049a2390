/**
 * Replay and timeline benchmark, `npm run bench:replay` (flags: --devices --seconds --seed
 * --window --clients 1,100,1000 --quick).
 *
 * A seeded fleet (default 116 devices × 24 h at 1 Hz ≈ 10 M rows) is bulk-loaded into a DuckDB
 * file and served by `telltale serve` in a child process. Then, on loopback with the clients in
 * this process (same 2 cores):
 *   - N concurrent WebSocket clients replay different devices (and different hours) at 100× for
 *     --window seconds: delivered frames/s and rows/s, p50/p99 lateness of each frame's last row
 *     against its schedule (anchor wall time + (ts − anchor position) / speed), peak server RSS;
 *   - the timeline of one device-day (86,400 rows) reduced to 2,000 points, p50/p99 over many
 *     requests, beside the same range read whole (Arrow, no reduction) in the same run.
 * Prints a table, then one line of JSON with every figure.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { quantile } from 'simple-statistics';
import WebSocket from 'ws';
import { writeFleet } from '../fixtures/generate-fleet.ts';
import { deviceName } from '../fixtures/fleet-generator.ts';
import { PeakRss } from './process-watch.ts';

const ROOT = join(import.meta.dirname, '../..');
const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '116' },
    seconds: { type: 'string', default: '86400' },
    seed: { type: 'string', default: '11' },
    window: { type: 'string', default: '10' },
    clients: { type: 'string', default: '1,100,1000' },
    speed: { type: 'string', default: '100' },
    quick: { type: 'boolean', default: false },
  },
});
const quick = values.quick;
const devices = quick ? 10 : Number(values.devices);
const seconds = quick ? 7200 : Number(values.seconds);
const seed = Number(values.seed);
const windowS = quick ? 3 : Number(values.window);
const speed = Number(values.speed);
const clientCounts = (quick ? '1,20' : values.clients).split(',').map(Number);
const T0 = Date.UTC(2024, 0, 1);
const dir = mkdtempSync(join(tmpdir(), 'telltale-bench-replay-'));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The started server's admin key (serve writes it to --admin-key-file). */
let serverKey = '';
const auth = () => ({ authorization: `Bearer ${serverKey}` });

async function startServer(db: string): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const keyFile = `${db}.key`;
  const child = spawn(process.execPath, ['src/cli/main.ts', 'serve', '--db', db, '--port', String(port), '--admin-key-file', keyFile], { cwd: ROOT, stdio: 'ignore', env: { ...process.env, LOG_LEVEL: 'warn' } });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 600; i++) {
    if (await fetch(`${url}/healthz`).then((r) => r.ok, () => false)) {
      serverKey = readFileSync(keyFile, 'utf8').trim();
      return { url, child };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('server did not start');
}

interface ReplayFigures {
  clients: number;
  opened: number;
  playing: number;
  framesPerS: number;
  rowsPerS: number;
  latenessP50Ms: number;
  latenessP99Ms: number;
  lagMessages: number;
  serverPeakRssMb: number;
}

async function replayClients(url: string, n: number, rss: PeakRss): Promise<ReplayFigures> {
  const lateness: number[] = [];
  let frames = 0;
  let rows = 0;
  let lags = 0;
  let opened = 0;
  let playing = 0;
  let measuring = false;
  const sockets: WebSocket[] = [];
  await Promise.all(
    Array.from({ length: n }, (_, k) =>
      new Promise<void>((resolve, reject) => {
        const ws = new WebSocket(`${url.replace('http', 'ws')}/v1/replay`, { headers: auth() });
        sockets.push(ws);
        ws.on('error', reject);
        ws.on('open', () => {
          // Different devices, and for clients beyond the device count, different hours of the day.
          const device = deviceName(k % devices);
          const fromMs = T0 + ((Math.floor(k / devices) * 3600 * 1000) % Math.max(1, (seconds - 3600) * 1000));
          ws.send(JSON.stringify({ type: 'open', deviceId: device, fromMs, toMs: T0 + seconds * 1000, speed, autoplay: false }));
        });
        ws.on('message', (data) => {
          const m = JSON.parse(String(data)) as { type: string; rows?: { ts: number[] }; anchorWallMs?: number; anchorPositionMs?: number; speed?: number };
          if (m.type === 'ready') {
            opened++;
            resolve();
          } else if (m.type === 'error') {
            reject(new Error(JSON.stringify(m)));
          } else if (m.type === 'state' && (m as { state?: string }).state === 'playing') {
            playing++;
          } else if (m.type === 'lag') {
            if (measuring) lags++;
          } else if (m.type === 'frame' && measuring) {
            const ts = m.rows!.ts;
            const due = m.anchorWallMs! + (ts[ts.length - 1]! - m.anchorPositionMs!) / m.speed!;
            lateness.push(Date.now() - due);
            frames++;
            rows += ts.length;
          }
        });
      }),
    ),
  );
  // Everyone opened: start together, wait until every player runs (each first loads its window),
  // skip one more second, then measure the steady state.
  for (const ws of sockets) ws.send(JSON.stringify({ type: 'play' }));
  const startBy = Date.now() + 60_000;
  while (playing < n && Date.now() < startBy) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 1000));
  measuring = true;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, windowS * 1000));
  measuring = false;
  const elapsed = (performance.now() - t0) / 1000;
  for (const ws of sockets) ws.close();
  await new Promise((r) => setTimeout(r, 500));
  const sorted = lateness.sort((a, b) => a - b);
  return {
    clients: n,
    opened,
    playing,
    framesPerS: Math.round(frames / elapsed),
    rowsPerS: Math.round(rows / elapsed),
    latenessP50Ms: sorted.length ? Math.round(quantile(sorted, 0.5)) : Number.NaN,
    latenessP99Ms: sorted.length ? Math.round(quantile(sorted, 0.99)) : Number.NaN,
    lagMessages: lags,
    serverPeakRssMb: rss.stop(),
  };
}

async function latency(url: (k: number) => string, init: RequestInit, requests: number): Promise<{ p50: number; p99: number }> {
  const times: number[] = [];
  for (let k = 0; k < requests; k++) {
    const t = performance.now();
    const res = await fetch(url(k), { ...init, headers: { ...(init.headers as Record<string, string> | undefined), ...auth() } });
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`${res.status} ${url(k)}`);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { p50: Number(quantile(times, 0.5).toFixed(1)), p99: Number(quantile(times, 0.99).toFixed(1)) };
}

try {
  const parquet = join(dir, 'fleet.parquet');
  const db = join(dir, 'telltale.duckdb');
  const rows = await writeFleet(parquet, { devices, seconds, seed });
  const load = spawn(process.execPath, ['scripts/bench/raw-load.ts', parquet, db], { cwd: ROOT, stdio: 'ignore' });
  await new Promise((r) => load.on('close', r));
  console.error(`store: ${rows.toLocaleString('en-US')} rows (${devices} devices × ${seconds} s, seed ${seed})`);

  const { url, child } = await startServer(db);
  const replay: ReplayFigures[] = [];
  for (const n of clientCounts) {
    const rss = new PeakRss(child.pid!);
    const figures = await replayClients(url, n, rss);
    replay.push(figures);
    console.error(
      `replay ${String(n).padStart(5)} clients at ${speed}×: ${figures.framesPerS.toLocaleString('en-US')} frames/s, ${figures.rowsPerS.toLocaleString('en-US')} rows/s, lateness p50 ${figures.latenessP50Ms} ms p99 ${figures.latenessP99Ms} ms, lag notices ${figures.lagMessages}, server peak RSS ${figures.serverPeakRssMb} MB`,
    );
  }

  const requests = quick ? 10 : 60;
  const day = (k: number) => {
    const device = deviceName(k % devices);
    const span = Math.min(seconds, 86_400) * 1000;
    return `from=${T0}&to=${T0 + span}&device=${device}`;
  };
  const path = (k: number, what: string) => {
    const q = new URLSearchParams(day(k));
    return `${url}/v1/devices/${q.get('device')}/${what}?from=${q.get('from')}&to=${q.get('to')}&columns=ts,speed_kph,soc_pct,outside_temp_c,battery_temp_c`;
  };
  const reduced = await latency((k) => `${path(k, 'timeline')}&maxPoints=2000`, { headers: { accept: 'application/vnd.apache.arrow.stream' } }, requests);
  const plain = await latency((k) => path(k, 'telemetry'), { headers: { accept: 'application/vnd.apache.arrow.stream' } }, requests);
  console.error(`timeline, one device-day → 2,000 points: p50 ${reduced.p50} ms, p99 ${reduced.p99} ms; the same range whole (Arrow): p50 ${plain.p50} ms, p99 ${plain.p99} ms`);
  child.kill('SIGTERM');
  await new Promise((r) => child.on('close', r));

  console.log(
    JSON.stringify({
      bench: 'replay',
      seed,
      rows,
      devices,
      seconds_per_device: seconds,
      speed,
      window_s: windowS,
      replay: replay.map((r) => ({
        clients: r.clients,
        opened: r.opened,
        playing: r.playing,
        frames_per_s: r.framesPerS,
        rows_per_s: r.rowsPerS,
        lateness_p50_ms: r.latenessP50Ms,
        lateness_p99_ms: r.latenessP99Ms,
        lag_notices: r.lagMessages,
        server_peak_rss_mb: r.serverPeakRssMb,
      })),
      timeline_reduced_p50_ms: reduced.p50,
      timeline_reduced_p99_ms: reduced.p99,
      plain_range_p50_ms: plain.p50,
      plain_range_p99_ms: plain.p99,
    }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
