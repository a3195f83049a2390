/**
 * Alert latency and delivery, `npm run bench:alerts` (flags: --devices --duration-s (or --seconds) --breakdowns --seed --source
 * --cpu-prof DIR: the service's CPU profile, written there when it exits).
 *
 *   1. `telltale serve` starts as a child process on a fresh DuckDB file, with a rules file that
 *      sends every breakdown to a local webhook receiver (this process): a first notice at once
 *      and a second rung 20 s later;
 *   2. --devices simulated vehicles stream at 1 Hz over HTTP ingest, one NDJSON batch per second
 *      for all devices; --breakdowns of them (seeded choice) break down once: at 90 km/h the
 *      power drops to 0 with code P0A0F, the car coasts to a stop and stays there;
 *   3. the live detection service finds the breakdowns, the alert engine opens incidents and
 *      queues notices, the delivery worker POSTs them to the receiver;
 *   4. after the stream, the outbox (GET /v1/outbox) is compared with what the receiver got.
 *
 * Latency of a first notice = its arrival at the receiver − the start of the ingest request that
 * carried the row proving the breakdown. The proving row is found afterwards, offline, with the
 * service's own detectors: the first second k such that the breakdown detector fires on the
 * device's rows up to k. The figure is split at the event's `detected_at` (in the notice as
 * incident.detectedAtMs; same machine clock) into detection lag and alert pipeline (detected →
 * webhook). Lost = queued keys that never arrived; duplicated = keys that arrived more than once.
 *
 * --source events measures the alert path alone: the service runs in this process without
 * detectors, the same fleet streams over HTTP ingest, and each breakdown is written to `events`
 * through replaceEvents right after the batch of its first faulty row; latency is from that
 * insert to the webhook. Use it when the live detector is changing, to see the alerts' own share.
 * Per minute of streaming (by the proving row's send time): ingest → webhook p50/p99 and detection
 * lag p50/p99, and the service's CPU (from /proc, live only) per 1,000 rows/s, so a cost that grows
 * with the time the server has run shows as a trend from the first minute to the last; the first
 * minute is the baseline. Breakdowns are spread over the whole stream (from 30 s to 60 s before its end).
 * Prints a summary, then one line of JSON with every figure.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { createServer as createHttpServer } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { loadAlertConfig } from '../../src/alerts/alert-config.ts';
import { loadDetectors } from '../../src/detect/load-detectors.ts';
import { eventId } from '../../src/domain/events/event-id.ts';
import { buildApp } from '../../src/http/app.ts';
import { replaceEvents } from '../../src/store/event-repository.ts';
import { TelemetryStore } from '../../src/store/telemetry-store.ts';
import { mulberry32 } from '../../src/domain/seeded-random.ts';
import { emptySeries } from '../../src/domain/telemetry-series.ts';
import { machineLoad } from './machine-load.ts';

const ROOT = join(import.meta.dirname, '../..');
const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '1000' },
    seconds: { type: 'string' },
    'duration-s': { type: 'string' },
    breakdowns: { type: 'string', default: '100' },
    seed: { type: 'string', default: '11' },
    source: { type: 'string', default: 'live' },
    // A folder: the served process runs with --cpu-prof and writes its profile there on exit.
    'cpu-prof': { type: 'string' },
  },
});
const SOURCE = values.source === 'events' ? 'events' : 'live';
const DEVICES = Number(values.devices);
const SECONDS = Number(values['duration-s'] ?? values.seconds ?? '120');
const BREAKDOWNS = Math.min(DEVICES, Number(values.breakdowns));
const random = mulberry32(Number(values.seed));
const dir = mkdtempSync(join(tmpdir(), 'telltale-bench-alerts-'));

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

// --- the receiver: records every arrival with its time -------------------------------------------
interface Arrival { key: string; atMs: number; deviceId: string; step: number; detectedAtMs: number }
const arrivals: Arrival[] = [];
const receiver = createHttpServer((req, res) => {
  let body = '';
  req.on('data', (d: Buffer) => (body += d.toString()));
  req.on('end', () => {
    const atMs = Date.now();
    const n = JSON.parse(body) as { incident: { deviceId: string; detectedAtMs: number }; step: { index: number } };
    arrivals.push({ key: String(req.headers['telltale-idempotency-key']), atMs, deviceId: n.incident.deviceId, step: n.step.index, detectedAtMs: n.incident.detectedAtMs });
    res.writeHead(204).end();
  });
});
await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

// --- the service ----------------------------------------------------------------------------------
const rulesPath = join(dir, 'rules.json');
writeFileSync(rulesPath, JSON.stringify({
  // No scanIntervalMs: the engine scans when the pipeline changes events (nothing polls).
  delivery: { timeoutMs: 5000, perReceiverConcurrency: 16 },
  rules: [{
    ruleId: 'breakdowns', name: 'Breakdowns', match: { kinds: ['breakdown'], minSeverity: 'warning' },
    receivers: [{ name: 'driver', url: `${hookUrl}/driver`, secret: 'bench-driver-secret' }, { name: 'support', url: `${hookUrl}/support`, secret: 'bench-support-secret' }],
    escalation: [
      { delayMs: 0, receiver: 'driver', audience: 'driver', instructions: 'Turn on the hazard lights and leave the car on the safe side' },
      { delayMs: 20_000, receiver: 'support', audience: 'support' },
    ],
  }],
}));
const port = await freePort();
let serverErr = '';
let inProcess: { app: FastifyInstance; store: TelemetryStore } | undefined;
let server: ChildProcess | undefined;
const keyFile = join(dir, 'admin.key');
if (SOURCE === 'live') {
  // The receivers listen on 127.0.0.1: an inside address the service posts to only when allowed.
  const prof = values['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${values['cpu-prof']}`] : [];
  server = spawn(process.execPath, [...prof, 'src/cli/main.ts', 'serve', '--db', join(dir, 'bench.duckdb'), '--port', String(port), '--alert-rules', rulesPath, '--admin-key-file', keyFile], {
    cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LOG_LEVEL: 'error', TZ: 'UTC', TELLTALE_WEBHOOK_ALLOW: '127.0.0.1' },
  });
  server.stderr!.on('data', (d: Buffer) => (serverErr += d.toString()));
} else {
  const store = await TelemetryStore.open(join(dir, 'bench.duckdb'));
  const app = await buildApp({ store, detectors: [], alerts: loadAlertConfig(rulesPath), webhookAllow: ['127.0.0.1'] });
  await app.listen({ port, host: '127.0.0.1' });
  writeFileSync(keyFile, (await app.keys.create({ role: 'admin', label: 'bench' })).token);
  inProcess = { app, store };
}
const base = `http://127.0.0.1:${port}`;
for (let i = 0; ; i++) {
  if (await fetch(`${base}/healthz`).then((r) => r.ok, () => false)) break;
  if (i > 300) throw new Error(`the service did not start: ${serverErr}`);
  await new Promise((r) => setTimeout(r, 100));
}
const auth = { authorization: `Bearer ${readFileSync(keyFile, 'utf8').trim()}` };

// --- the fleet ------------------------------------------------------------------------------------
interface Vehicle { id: string; lat: number; lon: number; speedKph: number; socPct: number; phase: number; breakdownAt: number | null }
const fleet: Vehicle[] = Array.from({ length: DEVICES }, (_, i) => ({
  id: `bench-${String(i).padStart(4, '0')}`, lat: 48 + random() * 0.5, lon: 11 + random() * 0.5, speedKph: 85 + random() * 10,
  socPct: 60 + random() * 30, phase: random() * Math.PI * 2, breakdownAt: null,
}));
// Seeded choice of who breaks down and when: after 30 s of driving, spread evenly over the stream
// (up to 60 s before its end, so the last ones are alerted within it) — every minute has samples.
const order = fleet.map((v, i) => ({ i, r: random() })).sort((a, b) => a.r - b.r).slice(0, BREAKDOWNS);
const spanS = Math.max(1, SECONDS - 90);
order.forEach(({ i }, k) => (fleet[i]!.breakdownAt = 30 + Math.floor(((k + random()) / order.length) * spanS)));

function row(v: Vehicle, s: number, tsMs: number): string {
  let powerKw: number;
  let codes: string[] | null = null;
  let state = 'driving';
  if (v.breakdownAt !== null && s >= v.breakdownAt) {
    // Propulsion lost: no power, the fault code, a coast-down at ~1.4 m/s² to a standstill that lasts.
    if (s === v.breakdownAt) v.speedKph = 90;
    else v.speedKph = Math.max(0, v.speedKph - 5);
    powerKw = 0;
    codes = s - v.breakdownAt < 30 ? ['P0A0F'] : null;
    state = v.speedKph > 0 ? 'driving' : 'off';
  } else {
    v.speedKph = Math.max(40, Math.min(110, 85 + 10 * Math.sin(v.phase + s / 40) + (random() - 0.5) * 2));
    powerKw = 8 + v.speedKph * 0.18 + (random() - 0.5) * 2;
    v.socPct -= 0.004;
  }
  const km = v.speedKph / 3600;
  v.lat += km / 111;
  const r: BenchRow = { device_id: v.id, ts: tsMs, speed_kph: Math.round(v.speedKph * 10) / 10, power_kw: Math.round(powerKw * 100) / 100,
    soc_pct: Math.round(v.socPct * 100) / 100, lat: v.lat, lon: v.lon, state, error_codes: codes };
  if (v.breakdownAt !== null) sentRows.get(v.id)!.push(r);
  return JSON.stringify(r);
}
interface BenchRow { device_id: string; ts: number; speed_kph: number; power_kw: number; soc_pct: number; lat: number; lon: number; state: string; error_codes: string[] | null }
/** What was sent for each device that breaks down, to find the proving row afterwards. */
const sentRows = new Map(fleet.filter((v) => v.breakdownAt !== null).map((v) => [v.id, [] as BenchRow[]]));

/** The service's CPU time (user + system, ms) from /proc; undefined in-process or off Linux. */
function serverCpuMs(): number | undefined {
  if (!server?.pid) return undefined;
  try {
    const fields = readFileSync(`/proc/${server.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return undefined;
  }
}
/** The service's CPU and the rows sent so far, every 60 batches: a stream that falls behind sends fewer rows a second. */
const cpuAt: { atMs: number; cpuMs: number | undefined; rows: number }[] = [];
const t0 = Math.ceil(Date.now() / 1000) * 1000 + 1000;
const sendStart: number[] = [];
const ingestMs: number[] = [];
const insertedAt = new Map<string, number>();
let behindMs = 0;
process.stderr.write(`streaming ${DEVICES} devices at 1 Hz for ${SECONDS} s, ${BREAKDOWNS} breakdowns…\n`);
for (let s = 0; s < SECONDS; s++) {
  const due = t0 + s * 1000;
  const wait = due - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  else behindMs = Math.max(behindMs, -wait);
  if (s % 60 === 0) cpuAt.push({ atMs: Date.now(), cpuMs: serverCpuMs(), rows: s * DEVICES });
  const body = fleet.map((v) => row(v, s, due)).join('\n');
  sendStart[s] = Date.now();
  const res = await fetch(`${base}/v1/telemetry`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson', ...auth }, body });
  const summary = (await res.json()) as { accepted?: number; rejected?: number; message?: string };
  if (!res.ok || summary.accepted !== DEVICES) throw new Error(`ingest of second ${s} failed: ${res.status} ${JSON.stringify(summary)}`);
  ingestMs.push(Date.now() - sendStart[s]!);
  if (inProcess) {
    for (const v of fleet.filter((x) => x.breakdownAt === s)) {
      insertedAt.set(v.id, Date.now());
      await inProcess.store.withConnection((c) => replaceEvents(c, { deviceId: v.id }, ['bench-injected@1'], [{
        eventId: eventId(v.id, 'breakdown', 'loss_of_propulsion', due), deviceId: v.id, kind: 'breakdown', subkind: 'loss_of_propulsion', severity: 'critical',
        detector: 'bench-injected@1', startMs: due, endMs: null, lat: v.lat, lon: v.lon, summary: 'Lost propulsion while driving at 90 kph', score: null, evidence: [],
      }], Date.now()));
    }
  }
  if (s % 30 === 29) process.stderr.write(`  ${s + 1} s sent, ${arrivals.length} notices received\n`);
}

cpuAt.push({ atMs: Date.now(), cpuMs: serverCpuMs(), rows: SECONDS * DEVICES });

// --- settle: until nothing is pending and no incident has opened for 25 s (second rungs are due at 20 s)
type OutboxRow = { idempotencyKey: string; status: string; step: number; deviceId: string; attempts: number };
let outbox: OutboxRow[] = [];
const streamEndMs = Date.now();
let lastChangeMs = Date.now();
for (let previous = -1; Date.now() - streamEndMs < 240_000; ) {
  await new Promise((r) => setTimeout(r, 1000));
  outbox = (await (await fetch(`${base}/v1/outbox?limit=5000`, { headers: auth })).json()) as OutboxRow[];
  if (outbox.length !== previous) lastChangeMs = Date.now();
  previous = outbox.length;
  if (outbox.every((o) => o.status !== 'pending') && Date.now() - lastChangeMs > 25_000) break;
}
const settleMs = Date.now() - streamEndMs;
const incidents = (await (await fetch(`${base}/v1/incidents?limit=1000`, { headers: auth })).json()) as Array<{ deviceId: string }>;
if (server) {
  server.kill('SIGTERM');
  await new Promise((r) => server!.on('exit', r));
}
if (inProcess) {
  await inProcess.app.close();
  await inProcess.store.close();
}
receiver.close();
rmSync(dir, { recursive: true, force: true });

// --- figures --------------------------------------------------------------------------------------
const quantile = (xs: number[], q: number) => {
  if (xs.length === 0) return Number.NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
};
const arrivalsByKey = new Map<string, Arrival[]>();
for (const a of arrivals) arrivalsByKey.set(a.key, [...(arrivalsByKey.get(a.key) ?? []), a]);
const queuedKeys = outbox.map((o) => o.idempotencyKey);
const lost = queuedKeys.filter((k) => !arrivalsByKey.has(k)).length;
const duplicated = [...arrivalsByKey.values()].filter((list) => list.length > 1).length;
// The proving second of each device's breakdown, by the service's own breakdown detector.
const breakdownDetector = SOURCE === 'live' ? (await loadDetectors()).find((d) => d.name.startsWith('breakdown')) : undefined;
const RANK = { info: 0, warning: 1, critical: 2 } as const;
async function provingSecond(deviceId: string, from: number): Promise<number | undefined> {
  const rows = sentRows.get(deviceId)!;
  for (let k = from; k < rows.length; k++) {
    const series = emptySeries(k + 1);
    for (let i = 0; i <= k; i++) {
      const r = rows[i]!;
      series.tsMs[i] = r.ts; series.speedKph[i] = r.speed_kph; series.powerKw[i] = r.power_kw; series.socPct[i] = r.soc_pct;
      series.lat[i] = r.lat; series.lon[i] = r.lon; series.state[i] = r.state; series.errorCodes[i] = r.error_codes;
    }
    const found = await breakdownDetector!.detect(series, { deviceId, chargers: [], fromMs: rows[0]!.ts });
    if (found.some((e) => e.kind === 'breakdown' && RANK[e.severity] >= RANK.warning)) return k;
  }
  return undefined;
}
const firstNotices = [...arrivalsByKey.values()].map((l) => l[0]!).filter((a) => a.step === 0);
const latencies: number[] = [];
const detectionLag: number[] = [];
const provingAt: number[] = [];
for (const a of firstNotices) {
  const v = fleet.find((x) => x.id === a.deviceId)!;
  if (SOURCE === 'events') {
    const at = insertedAt.get(v.id);
    if (at === undefined) continue;
    provingAt.push(at);
    latencies.push(a.atMs - at);
    detectionLag.push(a.detectedAtMs - at);
    continue;
  }
  const k = v.breakdownAt === null ? undefined : await provingSecond(v.id, v.breakdownAt);
  if (k === undefined) continue;
  provingAt.push(sendStart[k]!);
  latencies.push(a.atMs - sendStart[k]!);
  detectionLag.push(a.detectedAtMs - sendStart[k]!);
}
// Per minute of streaming, by when the proving row was sent (the first minute is the baseline).
const minuteOf = (atMs: number) => Math.floor((atMs - t0) / 60_000);
const perMinute = new Map<number, { latency: number[]; lag: number[] }>();
provingAt.forEach((at, k) => {
  const m = minuteOf(at);
  const bucket = perMinute.get(m) ?? { latency: [], lag: [] };
  bucket.latency.push(latencies[k]!);
  bucket.lag.push(detectionLag[k]!);
  perMinute.set(m, bucket);
});
const minutes = [...perMinute.keys()].sort((a, b) => a - b).map((m) => {
  const b = perMinute.get(m)!;
  return { minute: m, n: b.latency.length, latencyP50Ms: quantile(b.latency, 0.5), latencyP99Ms: quantile(b.latency, 0.99), lagP50Ms: quantile(b.lag, 0.5), lagP99Ms: quantile(b.lag, 0.99) };
});
const cpuPerMinute: number[] = [];
for (let k = 1; k < cpuAt.length; k++) {
  const a = cpuAt[k - 1]!;
  const b = cpuAt[k]!;
  if (a.cpuMs === undefined || b.cpuMs === undefined) continue;
  // cores used ÷ (rows/s ÷ 1,000) = CPU ms per row, with the rows actually sent in the interval
  cpuPerMinute.push(Math.round(((b.cpuMs - a.cpuMs) / (b.rows - a.rows)) * 1000) / 1000);
}
const cpuAll = cpuAt.length > 1 && cpuAt[0]!.cpuMs !== undefined && cpuAt.at(-1)!.cpuMs !== undefined
  ? Math.round(((cpuAt.at(-1)!.cpuMs! - cpuAt[0]!.cpuMs!) / (cpuAt.at(-1)!.rows - cpuAt[0]!.rows)) * 1000) / 1000
  : null;
const detectToArrival = firstNotices.map((a) => a.atMs - a.detectedAtMs);
const broken = new Set(fleet.filter((v) => v.breakdownAt !== null).map((v) => v.id));
const alerted = new Set(incidents.map((i) => i.deviceId));
const firstAt = Math.min(...provingAt);
const lastAt = Math.max(...firstNotices.map((a) => a.atMs));
const figures = {
  bench: 'alerts',
  source: SOURCE,
  latencyFrom: SOURCE === 'live' ? 'ingest request carrying the proving row' : 'event insert (replaceEvents)',
  devices: DEVICES,
  seconds: SECONDS,
  rowsPerS: DEVICES,
  breakdownsInjected: BREAKDOWNS,
  incidents: incidents.length,
  breakdownsAlerted: [...broken].filter((d) => alerted.has(d)).length,
  falseIncidents: [...alerted].filter((d) => !broken.has(d)).length,
  noticesQueued: queuedKeys.length,
  noticesDelivered: outbox.filter((o) => o.status === 'delivered').length,
  deliveriesReceived: arrivals.length,
  pendingAtEnd: outbox.filter((o) => o.status === 'pending').length,
  lostKeys: lost,
  duplicatedKeys: duplicated,
  latencyP50Ms: quantile(latencies, 0.5),
  latencyP99Ms: quantile(latencies, 0.99),
  latencyMaxMs: Math.max(...latencies),
  latencyMeasured: latencies.length,
  detectionLagP50Ms: quantile(detectionLag, 0.5),
  detectionLagP99Ms: quantile(detectionLag, 0.99),
  detectToWebhookP50Ms: quantile(detectToArrival, 0.5),
  detectToWebhookP99Ms: quantile(detectToArrival, 0.99),
  firstNoticesPerS: Math.round((firstNotices.length / Math.max(1, (lastAt - firstAt) / 1000)) * 100) / 100,
  ingestP50Ms: quantile(ingestMs, 0.5),
  ingestP99Ms: quantile(ingestMs, 0.99),
  streamBehindMaxMs: behindMs,
  settleMs,
  coresPer1000RowsPerS: cpuAll,
  coresPer1000RowsPerSByMinute: cpuPerMinute,
  /** Rows per second the stream achieved (1 Hz per device when it kept up). */
  achievedRowsPerS: cpuAt.length > 1 ? Math.round(((cpuAt.at(-1)!.rows - cpuAt[0]!.rows) / (cpuAt.at(-1)!.atMs - cpuAt[0]!.atMs)) * 1000) : null,
  worstMinuteLatencyP99Ms: Math.max(...minutes.map((m) => m.latencyP99Ms)),
  minutesOver1sP99: minutes.filter((m) => m.latencyP99Ms >= 1000).length,
  lagP50FirstMinuteMs: minutes[0]?.lagP50Ms ?? null,
  lagP50LastMinuteMs: minutes.at(-1)?.lagP50Ms ?? null,
  byMinute: minutes,
  ...machineLoad(),
  // The 1, 5 and 15 min load averages at the end: on a shared machine every latency includes waiting for a CPU.
  loadAvg: loadavg().map((l) => Math.round(l * 100) / 100),
};
process.stderr.write(`${JSON.stringify(figures, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(figures)}\n`);
