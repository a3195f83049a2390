/**
 * The attacker's probes of issue 12, run against a real `telltale serve` (a child process on a
 * fresh store): each must give a clear 4xx (or be handled), while /healthz, polled the whole time,
 * keeps answering. Prints per probe the status, the slowest /healthz reply during it and the
 * server's own longest event-loop delay (from /metrics: what the server held up, apart from CPU
 * this process and other work took from it), beside a baseline of /healthz on the idle server
 * measured in the same run, then ONE JSON line.
 *
 *   npm run bench:probes
 *
 * Timing is noisy on a shared 2-core machine: the figures are printed, never asserted.
 */
import { spawn } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { Worker } from 'node:worker_threads';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import WebSocket from 'ws';

const ROOT = join(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'telltale-probes-'));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const port = await freePort();
const keyFile = join(dir, 'admin.key');
const child = spawn(process.execPath, ['src/cli/main.ts', 'serve', '--db', join(dir, 'probes.duckdb'), '--port', String(port), '--admin-key-file', keyFile], {
  cwd: ROOT,
  stdio: ['ignore', 'ignore', 'inherit'],
  env: { ...process.env, LOG_LEVEL: 'error', TZ: 'UTC', TELLTALE_RATE_LIMIT: '600' },
});
const base = `http://127.0.0.1:${port}`;
for (let i = 0; ; i++) {
  if (await fetch(`${base}/healthz`).then((r) => r.ok, () => false)) break;
  if (i > 600) throw new Error('the server did not start');
  await new Promise((r) => setTimeout(r, 100));
}
const key = readFileSync(keyFile, 'utf8').trim();
const auth = { authorization: `Bearer ${key}` };

/**
 * /healthz polled back to back from a worker thread of its own while `work` runs, so the probes'
 * own sending (50 MB bodies) on this thread does not slow the measuring: the slowest reply.
 */
const POLLER = `
const { parentPort, workerData } = require('node:worker_threads');
let running = true;
const times = [];
parentPort.on('message', () => { running = false; });
(async () => {
  while (running) {
    const t = performance.now();
    await fetch(workerData.url).then((r) => r.arrayBuffer()).catch(() => undefined);
    times.push(performance.now() - t);
    await new Promise((r) => setImmediate(r));
  }
  parentPort.postMessage(times);
})();
`;
async function whilePolling<T>(work: () => Promise<T>): Promise<{ result: T; ms: number; healthzMaxMs: number; healthzCount: number }> {
  const poller = new Worker(POLLER, { eval: true, workerData: { url: `${base}/healthz` } });
  const times = new Promise<number[]>((resolve) => poller.once('message', resolve));
  const t0 = performance.now();
  const result = await work();
  const ms = performance.now() - t0;
  poller.postMessage('stop');
  const measured = await times;
  await poller.terminate();
  return { result, ms, healthzMaxMs: Math.max(...measured), healthzCount: measured.length };
}

interface ProbeFigure { probe: string; status: number | string; expected: string; ok: boolean; probeMs: number; healthzMaxMs: number; serverLoopLagMaxMs: number | null }

/**
 * The server's own longest event-loop delay since the last scrape (prom-client's
 * nodejs_eventloop_lag_max_seconds, which each scrape resets; 10 ms resolution): what the server
 * itself held up, apart from this process's share of the two cores. null when /metrics refused.
 */
async function serverLoopLagMaxMs(): Promise<number | null> {
  const res = await fetch(`${base}/metrics`, { headers: auth });
  const text = await res.text();
  if (!res.ok) return null;
  const line = text.split('\n').find((l) => l.startsWith('nodejs_eventloop_lag_max_seconds '));
  return line ? Number(line.split(' ')[1]) * 1000 : null;
}
const figures: ProbeFigure[] = [];
const round = (n: number) => Number(n.toFixed(1));

async function probe(name: string, expected: (status: number | string, body: string) => boolean, expectedText: string, send: () => Promise<{ status: number | string; body: string }>) {
  await serverLoopLagMaxMs();
  const run = await whilePolling(send);
  const lag = await serverLoopLagMaxMs();
  const ok = expected(run.result.status, run.result.body);
  figures.push({ probe: name, status: run.result.status, expected: expectedText, ok, probeMs: round(run.ms), healthzMaxMs: round(run.healthzMaxMs), serverLoopLagMaxMs: lag === null ? null : round(lag) });
  process.stderr.write(`${ok ? 'ok  ' : 'FAIL'} ${name}: ${run.result.status} (${round(run.ms)} ms; /healthz max ${round(run.healthzMaxMs)} ms; server loop lag max ${lag === null ? '–' : round(lag)} ms) ${ok ? '' : run.result.body.slice(0, 200)}\n`);
}

const http = async (path: string, init: RequestInit = {}, withKey = true) => {
  const res = await fetch(`${base}${path}`, { ...init, headers: { ...(withKey ? auth : {}), ...(init.headers as Record<string, string> | undefined) } });
  const body = await res.text();
  return { status: res.status, body };
};
const is = (status: number, pattern?: RegExp) => (s: number | string, body: string) => s === status && (!pattern || pattern.test(body));

// Bodies are built before any probe: building them in the probe would block this process's own
// event loop and be measured as a slow /healthz.
const bomb = gzipSync(Buffer.alloc(256 * 1024 * 1024, 0x0a));
const longLine = JSON.stringify({ device_id: 'x', ts: '2024-01-01T00:00:00Z', state: 'x'.repeat(50 * 1024 * 1024) });
const wideHeader = `ts,${'h'.repeat(50 * 1024 * 1024)}\n2024-01-01T00:00:00Z,1\n`;
const badRows = `ts,speed_kph\n${'never,1\n'.repeat(200_000)}`;
const stamps = ['1 Z', 'March 7 2024 Z', '2024-01-01T00:00:00\u0000Z'].map((ts) => JSON.stringify({ device_id: 'stamps', ts })).join('\n');

/** A request with a Host header of our choosing (fetch will not send one). */
const withHost = (path: string, host: string) =>
  new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = httpRequest(`${base}${path}`, { headers: { ...auth, host } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });

// The idle baseline, in the same run.
const baseline = await whilePolling(() => new Promise((r) => setTimeout(r, 2000)));

// Data to probe against: one real trip.
const trip = readFileSync(join(ROOT, 'fixtures/twizy-rsk/T3_04_22_2021_1.csv'));
await http('/v1/telemetry?device=twizy&profile=twizy-rsk', { method: 'POST', headers: { 'content-type': 'text/csv' }, body: trip });

await probe('no key on a data route', is(401), '401', () => http('/v1/devices/twizy/telemetry', {}, false));
await probe('unknown Host (DNS rebinding)', is(421), '421', () => withHost('/v1/devices', 'evil.example'));
await probe('WebSocket from another Origin', (s) => s === 403, '403 at upgrade', () =>
  new Promise((resolve) => {
    const ws = new WebSocket(`${base.replace('http', 'ws')}/v1/replay`, { headers: { ...auth, origin: 'http://evil.example' } });
    ws.once('open', () => { ws.close(); resolve({ status: 'opened', body: '' }); });
    ws.once('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0, body: '' }));
  }));
await probe('chart.png 4000x3000 scale 4', is(400, /TOO_MANY_PIXELS/), '400 TOO_MANY_PIXELS', () => http('/v1/devices/twizy/chart.png?width=4000&height=3000&scale=4'));
await probe('chart.png 4000x3000 (at the budget, in the worker pool)', is(200), '200, /healthz fast meanwhile', () => http('/v1/devices/twizy/chart.png?width=4000&height=3000'));
await probe('gzip bomb (258 KB -> 256 MB)', is(413, /compression bomb/), '413', () =>
  http('/v1/telemetry?device=bomb', { method: 'POST', headers: { 'content-type': 'text/csv', 'content-encoding': 'gzip' }, body: bomb }));
await probe('one 50 MB NDJSON line', (s, b) => s === 200 && /over the limit/.test(b) && b.length < 4000, '200, the line a rejected row, short reply', () =>
  http('/v1/telemetry', { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: longLine }));
await probe('a 50 MB CSV header', (s, b) => s === 400 && b.length < 1000, '400, short reply', () =>
  http('/v1/telemetry?device=wide', { method: 'POST', headers: { 'content-type': 'text/csv' }, body: wideHeader }));
await probe('200,000 bad rows', (s, b) => s === 200 && /"quarantineDropped":190000/.test(b), '200, 10,000 quarantined, 190,000 dropped', () =>
  http('/v1/telemetry?device=bad', { method: 'POST', headers: { 'content-type': 'text/csv' }, body: badRows }));
await probe('ts 9e15 in a batch', (s, b) => s === 200 && /"accepted":1/.test(b) && /"row":2/.test(b), '200, row 2 quarantined', () =>
  http('/v1/telemetry', { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: `${JSON.stringify({ device_id: 'ts', ts: '2024-01-01T00:00:00Z' })}\n${JSON.stringify({ device_id: 'ts', ts: 9e15 })}` }));
await probe("timestamps '1 Z', 'March 7 2024 Z', NUL", (s, b) => s === 200 && /"rejected":3/.test(b), '200, 3 rows quarantined', () =>
  http('/v1/telemetry', { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: stamps }));
for (const route of ['telemetry', 'timeline', 'sessions', 'events', 'export?format=parquet', 'chart.svg']) {
  const sep = route.includes('?') ? '&' : '?';
  await probe(`from=9e15 on ${route}`, (s, b) => s === 400 && !/INTERNAL|FST_ERR|epoch_ms/.test(b), '400, no internals', () => http(`/v1/devices/twizy/${route}${sep}from=9e15`));
}
await probe('export to=Infinity', (s, b) => s === 400 && !/FST_ERR|epoch_ms/.test(b), '400, no internals', () => http('/v1/devices/twizy/export?format=csv&to=Infinity'));
const ipc = tableToIPC(tableFromArrays({ device_id: Array.from({ length: 5000 }, () => 'cut'), ts: Float64Array.from({ length: 5000 }, (_, i) => Date.UTC(2024, 0, 1) + i * 1000) }), 'stream');
await probe('truncated Arrow upload', is(400, /truncated/), '400, nothing stored', () =>
  http('/v1/telemetry', { method: 'POST', headers: { 'content-type': 'application/vnd.apache.arrow.stream' }, body: ipc.subarray(0, Math.floor(ipc.length * 0.6)) }));
await probe('replay open fromMs -1e300', (s) => s === 'BAD_COMMAND', 'BAD_COMMAND', () =>
  new Promise((resolve) => {
    const ws = new WebSocket(`${base.replace('http', 'ws')}/v1/replay`, { headers: auth });
    ws.once('open', () => ws.send(JSON.stringify({ type: 'open', deviceId: 'twizy', fromMs: -1e300 })));
    ws.once('message', (data) => { const m = JSON.parse(String(data)) as { code?: string; message?: string }; ws.close(); resolve({ status: m.code ?? 'none', body: m.message ?? '' }); });
  }));
await probe('5 uploads at once with one key (cap 4)', (s) => s === 429, '429 for the fifth', async () => {
  const statuses = await Promise.all(Array.from({ length: 5 }, () => http('/v1/telemetry?device=many', { method: 'POST', headers: { 'content-type': 'text/csv' }, body: trip })));
  return { status: statuses.some((r) => r.status === 429) ? 429 : statuses[0]!.status, body: JSON.stringify(statuses.map((r) => r.status)) };
});
await probe('700 requests in a minute with one key (limit 600)', (s) => s === 429, '429 past the limit', async () => {
  let status = 0;
  for (let i = 0; i < 700 && status !== 429; i++) status = (await http('/v1/devices')).status;
  return { status, body: '' };
});

child.kill('SIGTERM');
await new Promise((r) => child.once('exit', r));
rmSync(dir, { recursive: true, force: true });

const worst = Math.max(...figures.map((f) => f.healthzMaxMs));
const worstLag = Math.max(...figures.map((f) => f.serverLoopLagMaxMs ?? 0));
console.log(JSON.stringify({
  bench: 'probes',
  probes: figures.length,
  passed: figures.filter((f) => f.ok).length,
  failed: figures.filter((f) => !f.ok).map((f) => f.probe),
  healthzBaselineMaxMs: round(baseline.healthzMaxMs),
  healthzWorstDuringProbesMs: round(worst),
  healthzUnder100msThroughout: worst < 100,
  serverLoopLagWorstMs: round(worstLag),
  loadAvg: loadavg().map((l) => round(l)),
  figures,
}));
