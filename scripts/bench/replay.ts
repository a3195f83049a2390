/**
 * Replay benchmark, `npm run bench:replay` (flags: --devices --seconds --seed --window
 * --runs 1000@100,100@1000 --share N --store PATH --quick).
 *
 * A seeded fleet (default 116 devices × 24 h at 1 Hz ≈ 10 M rows) is bulk-loaded into a DuckDB
 * file and served by `telltale serve` in a child process. For each run (clients@speed), that many
 * WebSocket clients in this process (same 2 cores) replay at that speed: by default each a
 * different device and hour (no two watch the same thing: the hard case); with --share N, groups
 * of N watch the same device, range and speed together. Everyone opens, then all press play; once
 * every player runs, --window seconds are measured:
 *   - rows scheduled: the samples whose time to be shown (anchor wall time + (ts − anchor
 *     position) / speed, from each client's own frames) falls in the window;
 *   - rows delivered: those of them that arrived (waiting after the window until each client got a
 *     frame due after it, so the clients' own backlog on the shared cores is not counted missing);
 *   - lateness p50/p99 of each frame's last row against its schedule;
 *   - lag notices and the rows they said were skipped (by reason), and peak server RSS.
 * Prints a table, then ONE line of JSON with every figure.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { deviceName } from '../fixtures/fleet-generator.ts';
import { T0, authHeaders, benchStore, percentiles, startServer } from './bench-store.ts';
import { PeakRss } from './process-watch.ts';

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '116' },
    seconds: { type: 'string', default: '86400' },
    seed: { type: 'string', default: '11' },
    window: { type: 'string', default: '10' },
    runs: { type: 'string', default: '1000@100,100@1000' },
    share: { type: 'string', default: '1' },
    store: { type: 'string' },
    quick: { type: 'boolean', default: false },
  },
});
const quick = values.quick;
const devices = quick ? 10 : Number(values.devices);
const seconds = quick ? 7200 : Number(values.seconds);
const seed = Number(values.seed);
const windowS = quick ? 3 : Number(values.window);
const share = Math.max(1, Number(values.share));
const runs = (quick ? '20@100,10@1000' : values.runs).split(',').map((r) => {
  const [clients, speed] = r.split('@').map(Number);
  return { clients: clients!, speed: speed ?? 100 };
});
const dir = mkdtempSync(join(tmpdir(), 'telltale-bench-replay-'));

interface ClientTally {
  fromMs: number;
  toMs: number;
  anchor?: { wallMs: number; positionMs: number; speed: number };
  delivered: number;
  /** A frame due after the window arrived: everything the server sent for the window is in. */
  caughtUp: boolean;
}

interface RunFigures {
  clients: number;
  speed: number;
  share: number;
  opened: number;
  playing: number;
  drained: number;
  rowsScheduled: number;
  rowsDelivered: number;
  latenessP50Ms: number;
  latenessP99Ms: number;
  lagNotices: number;
  lagRowsClient: number;
  lagRowsServer: number;
  framesPerS: number;
  serverPeakRssMb: number;
}

/** Samples (1 Hz, on whole seconds of the range) whose due time falls in [w0, w1]. */
function scheduledIn(t: ClientTally, w0: number, w1: number): number {
  if (!t.anchor) return 0;
  const { wallMs, positionMs, speed } = t.anchor;
  const lo = Math.max(t.fromMs, positionMs + (w0 - wallMs) * speed);
  const hi = Math.min(t.toMs, positionMs + (w1 - wallMs) * speed);
  return hi < lo ? 0 : Math.floor(hi / 1000) - Math.ceil(lo / 1000) + 1;
}

async function replayRun(url: string, n: number, speed: number, rss: PeakRss): Promise<RunFigures> {
  const lateness: number[] = [];
  const tallies: ClientTally[] = [];
  let frames = 0;
  let lagNotices = 0;
  const lagRows = { client: 0, server: 0 };
  let opened = 0;
  let playing = 0;
  let w0 = Infinity;
  let w1 = Infinity;
  let counting = false;
  const sockets: WebSocket[] = [];
  const ranges = Math.max(1, Math.ceil(n / share));
  await Promise.all(
    Array.from({ length: n }, (_, k) =>
      new Promise<void>((resolve, reject) => {
        const ws = new WebSocket(`${url.replace('http', 'ws')}/v1/replay`, { headers: authHeaders() });
        sockets.push(ws);
        // Clients of one group (k / share) watch the same device and hour; groups differ by device, then hour.
        const group = Math.floor(k / share) % ranges;
        const fromMs = T0 + ((Math.floor(group / devices) * 3600 * 1000) % Math.max(1, (seconds - 3600) * 1000));
        const tally: ClientTally = { fromMs, toMs: T0 + seconds * 1000, delivered: 0, caughtUp: false };
        tallies.push(tally);
        ws.on('error', reject);
        ws.on('open', () => ws.send(JSON.stringify({ type: 'open', deviceId: deviceName(group % devices), fromMs, toMs: tally.toMs, speed, autoplay: false })));
        ws.on('message', (data) => {
          const m = JSON.parse(String(data)) as { type: string; state?: string; rows?: { ts: number[] }; anchorWallMs?: number; anchorPositionMs?: number; speed?: number; droppedRows?: number; reason?: 'client' | 'server' };
          if (m.type === 'ready') {
            opened++;
            resolve();
          } else if (m.type === 'error') reject(new Error(JSON.stringify(m)));
          else if (m.type === 'state' && m.state === 'playing') playing++;
          else if (m.type === 'lag' && counting) {
            lagNotices++;
            lagRows[m.reason ?? 'client'] += m.droppedRows ?? 0;
          } else if (m.type === 'frame') {
            tally.anchor = { wallMs: m.anchorWallMs!, positionMs: m.anchorPositionMs!, speed: m.speed! };
            if (!counting) return;
            const now = Date.now();
            const due = (ts: number) => m.anchorWallMs! + (ts - m.anchorPositionMs!) / m.speed!;
            const ts = m.rows!.ts;
            for (const t of ts) if (due(t) >= w0 && due(t) <= w1) tally.delivered++;
            const lastDue = due(ts[ts.length - 1]!);
            if (lastDue > w1) tally.caughtUp = true;
            if (lastDue >= w0 && lastDue <= w1) {
              lateness.push(now - lastDue);
              frames++;
            }
          }
        });
      }),
    ),
  );
  // Everyone opened: start together, wait until every player runs, skip one more second, then measure.
  for (const ws of sockets) ws.send(JSON.stringify({ type: 'play' }));
  const startBy = Date.now() + 120_000;
  while (playing < n && Date.now() < startBy) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 1000));
  counting = true;
  w0 = Date.now();
  w1 = w0 + windowS * 1000;
  await new Promise((r) => setTimeout(r, windowS * 1000));
  // Then until every client has a frame due after the window (the clients share the server's
  // cores: their own backlog must not count as rows missing), at most a minute.
  const drainBy = Date.now() + 60_000;
  while (tallies.some((t) => !t.caughtUp) && Date.now() < drainBy) await new Promise((r) => setTimeout(r, 100));
  const drained = tallies.filter((t) => t.caughtUp).length;
  counting = false;
  for (const ws of sockets) ws.close();
  await new Promise((r) => setTimeout(r, 500));
  const { p50, p99 } = lateness.length ? percentiles(lateness) : { p50: Number.NaN, p99: Number.NaN };
  return {
    clients: n,
    speed,
    share,
    opened,
    playing,
    rowsScheduled: tallies.reduce((s, t) => s + scheduledIn(t, w0, w1), 0),
    rowsDelivered: tallies.reduce((s, t) => s + t.delivered, 0),
    latenessP50Ms: Math.round(p50),
    latenessP99Ms: Math.round(p99),
    drained,
    lagNotices,
    lagRowsClient: lagRows.client,
    lagRowsServer: lagRows.server,
    framesPerS: Math.round(frames / windowS),
    serverPeakRssMb: rss.stop(),
  };
}

try {
  const db = await benchStore(dir, { devices, seconds, seed, reuse: values.store });
  console.error(`store: ${(devices * seconds).toLocaleString('en-US')} rows (${devices} devices × ${seconds} s, seed ${seed})`);
  const results: RunFigures[] = [];
  for (const run of runs) {
    // A fresh server per run, so one run's caches and memory do not carry into the next.
    // Each client stands for a support engineer with a key of their own; the bench has one key, so
    // its per-key caps (16 replay sockets, 1,200 requests a minute) are raised to the run's size.
    const server = await startServer(db, { TELLTALE_SOCKETS_PER_KEY: String(run.clients + 16), TELLTALE_RATE_LIMIT: String(100 * run.clients + 1200) });
    try {
      const f = await replayRun(server.url, run.clients, run.speed, new PeakRss(server.child.pid!));
      results.push(f);
      console.error(
        `replay ${String(f.clients).padStart(5)} clients at ${f.speed}× (${share} per range): delivered ${f.rowsDelivered.toLocaleString('en-US')} of ${f.rowsScheduled.toLocaleString('en-US')} scheduled rows (${((100 * f.rowsDelivered) / Math.max(1, f.rowsScheduled)).toFixed(1)} %), lateness p50 ${f.latenessP50Ms} ms p99 ${f.latenessP99Ms} ms, ${f.lagNotices} lag notices (${f.lagRowsServer.toLocaleString('en-US')} rows skipped by the server, ${f.lagRowsClient.toLocaleString('en-US')} for slow reading), ${f.framesPerS.toLocaleString('en-US')} frames/s, server peak RSS ${f.serverPeakRssMb} MB`,
      );
    } finally {
      await server.stop();
    }
  }
  console.log(
    JSON.stringify({
      bench: 'replay',
      seed,
      rows: devices * seconds,
      devices,
      seconds_per_device: seconds,
      window_s: windowS,
      cores: cpus().length,
      load_avg_1m: Number(loadavg()[0]!.toFixed(2)),
      machine: 'shared with other helpers at the same time; clients run on the same cores as the server',
      runs: results.map((r) => ({
        clients: r.clients,
        speed: r.speed,
        clients_per_range: r.share,
        opened: r.opened,
        playing: r.playing,
        caught_up_after_window: r.drained,
        rows_scheduled: r.rowsScheduled,
        rows_delivered: r.rowsDelivered,
        delivered_share: Number((r.rowsDelivered / Math.max(1, r.rowsScheduled)).toFixed(3)),
        lateness_p50_ms: r.latenessP50Ms,
        lateness_p99_ms: r.latenessP99Ms,
        lag_notices: r.lagNotices,
        lag_rows_server: r.lagRowsServer,
        lag_rows_client: r.lagRowsClient,
        frames_per_s: r.framesPerS,
        server_peak_rss_mb: r.serverPeakRssMb,
      })),
    }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
