import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CrashPointName } from '../../src/pipeline/crash-point.ts';
import { TelemetryStore } from '../../src/store/telemetry-store.ts';
import { startReceiver } from '../alerts/webhook-receiver.ts';
import { CLI, NODE, ROOT } from './run-cli.ts';

/**
 * SIGKILL at named points after the ack (TELLTALE_CRASH_AT, see src/pipeline/crash-point.ts), then
 * a restart: the sessions, events, incidents and webhooks must be exactly those of a run with no
 * kill. Real processes, a real receiver; every wait is on a condition (a line in the log, a
 * process exit, the receiver holding the expected keys).
 */
const T0 = Date.parse('2024-06-01T08:00:00Z');
const SECRET = 'pipeline-kill-secret';
let dir: string;

/**
 * Two cars at 1 Hz for 20 min; car-a loses propulsion at 90 km/h after 10 min (fault code, coast
 * to a stop) and stays put. Two uploads (the first 15 min, then the rest): the first is judged by
 * every detector at once, the second, seconds later, by the every-cycle ones (the others wait
 * their interval), so each named point is reached.
 */
function fleetNdjson(): string[] {
  const lines: { s: number; line: string }[] = [];
  for (const [k, id] of ['car-a', 'car-b'].entries()) {
    let speedKph = 80;
    let lat = 48.1 + k * 0.1;
    for (let s = 0; s < 1200; s++) {
      const broken = id === 'car-a' && s >= 600;
      let powerKw: number;
      let codes: string[] | null = null;
      let state = 'driving';
      if (broken) {
        speedKph = s === 600 ? 90 : Math.max(0, speedKph - 5);
        powerKw = 0;
        codes = s - 600 < 30 ? ['P0A0F'] : null;
        state = speedKph > 0 ? 'driving' : 'off';
      } else if (s >= 1140) {
        // car-b ends its drive with a regenerating stop and parks: data that ends at speed would
        // be a provisional breakdown after the silence (breakdown@1) and a second incident.
        speedKph = Math.max(0, speedKph - 2);
        powerKw = speedKph > 0 ? -5 : 0.2;
        state = speedKph > 0 ? 'driving' : 'parked';
      } else {
        speedKph = 80 + 10 * Math.sin(s / 40 + k);
        powerKw = 8 + speedKph * 0.18;
      }
      lat += speedKph / 3600 / 111;
      lines.push({ s, line: JSON.stringify({
        device_id: id, ts: T0 + s * 1000, speed_kph: Math.round(speedKph * 10) / 10, power_kw: Math.round(powerKw * 100) / 100,
        soc_pct: Math.round((80 - s * 0.004) * 100) / 100, lat, lon: 11.5, state, error_codes: codes,
      }) });
    }
  }
  return [lines.filter((l) => l.s < 900), lines.filter((l) => l.s >= 900)].map((part) => part.map((l) => l.line).join('\n'));
}

interface Server { child: ChildProcess; url: Promise<string>; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> }

function serve(db: string, rules: string, crashAt?: CrashPointName): Server {
  // The receiver listens on 127.0.0.1, an inside address the service posts to only when allowed.
  const env: NodeJS.ProcessEnv = { ...process.env, TZ: 'UTC', LOG_LEVEL: 'info', TELLTALE_WEBHOOK_ALLOW: '127.0.0.1' };
  if (crashAt) env.TELLTALE_CRASH_AT = crashAt;
  else delete env.TELLTALE_CRASH_AT;
  const child = spawn(NODE, [CLI, 'serve', '--db', db, '--port', '0', '--alert-rules', rules, '--admin-key-file', `${db}.key`], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const url = new Promise<string>((resolve, reject) => {
    const look = (d: Buffer) => {
      out += d.toString();
      const m = /"url":"(http:\/\/[^"]+)".*telltale listening|telltale listening.*"url":"(http:\/\/[^"]+)"/.exec(out);
      if (m) resolve(m[1] ?? m[2]!);
    };
    child.stdout!.on('data', look);
    child.stderr!.on('data', look);
    child.on('exit', () => reject(new Error(`serve exited before listening:\n${out}`)));
  });
  url.catch(() => undefined);
  return { child, url, exited: new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal }))) };
}

async function stop(server: Server): Promise<void> {
  server.child.kill('SIGTERM');
  expect((await server.exited).code).toBe(0);
}

interface DerivedState { sessions: string[]; events: string[]; incidents: string[]; outbox: string[]; work: number }

/** Everything derived, without the columns that record when it was written. */
async function derivedState(db: string): Promise<DerivedState> {
  const store = await TelemetryStore.open(db);
  try {
    const rows = async (sql: string) => (await store.db.runAndReadAll(sql)).getRows().map((r) => JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)));
    return {
      sessions: await rows('SELECT session_id, device_id, kind, start_ts::VARCHAR, end_ts::VARCHAR, period::VARCHAR FROM sessions ORDER BY device_id, start_ts'),
      events: await rows('SELECT event_id, device_id, kind, subkind, severity, detector, start_ts::VARCHAR, end_ts::VARCHAR, summary, score FROM events ORDER BY event_id'),
      incidents: await rows('SELECT incident_id, rule_id, device_id, kind, severity, start_ts::VARCHAR, end_ts::VARCHAR, state FROM incidents ORDER BY incident_id'),
      outbox: await rows('SELECT idempotency_key, incident_id, step, receiver, status FROM outbox ORDER BY idempotency_key'),
      work: Number((await store.db.runAndReadAll('SELECT count(*) FROM derived_work')).getRows()[0]![0]),
    };
  } finally {
    await store.close();
  }
}

function rulesFile(name: string, url: string): string {
  const path = join(dir, `${name}.rules.json`);
  writeFileSync(path, JSON.stringify({
    delivery: { baseBackoffMs: 50, maxBackoffMs: 200 },
    rules: [{
      ruleId: 'breakdowns', name: 'Breakdowns', match: { kinds: ['breakdown'] },
      receivers: [{ name: 'driver', url, secret: SECRET }],
      escalation: [{ delayMs: 0, receiver: 'driver', audience: 'driver', instructions: 'Hazard lights on' }],
    }],
  }));
  return path;
}

/** Posts the uploads in order until one is not acknowledged (the server was killed); returns how many were. */
async function postAll(url: string, bodies: readonly string[], db: string): Promise<number> {
  // With the admin key the server wrote next to its database (serve --admin-key-file).
  const key = readFileSync(`${db}.key`, 'utf8').trim();
  for (const [k, body] of bodies.entries()) {
    const res = await fetch(`${url}/v1/telemetry`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${key}` }, body }).catch(() => undefined);
    if (!res) return k;
    expect(res.status).toBe(200);
    const summary = (await res.json()) as { accepted: number; duplicates: number };
    // An upload sent again after a kill may have been committed before it (then all duplicates).
    expect(summary.accepted + summary.duplicates).toBe(body.split('\n').length);
  }
  return bodies.length;
}

let reference: DerivedState & { webhooks: string[] };
const BODIES = fleetNdjson();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'telltale-pipeline-kill-'));
  // The run with no kill: ingest, a clean stop (which waits for the derived work), then a start
  // that delivers what was queued.
  const receiver = await startReceiver();
  try {
    const db = join(dir, 'reference.duckdb');
    const rules = rulesFile('reference', receiver.url);
    const first = serve(db, rules);
    expect(await postAll(await first.url, BODIES, db)).toBe(BODIES.length);
    await stop(first);
    const queued = await derivedState(db);
    const second = serve(db, rules);
    await second.url;
    await receiver.waitFor(queued.outbox.length);
    await stop(second);
    reference = { ...(await derivedState(db)), webhooks: receiver.uniqueKeys().sort() };
  } finally {
    await receiver.close();
  }
}, 240_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('telltale serve killed after acknowledging a batch', () => {
  it('the reference run derives sessions, a breakdown, its incident and its webhook', () => {
    expect(reference.sessions.length).toBeGreaterThan(0);
    expect(reference.events.some((e) => e.includes('"breakdown"') && e.includes('"car-a"'))).toBe(true);
    expect(reference.incidents).toHaveLength(1);
    expect(reference.outbox).toHaveLength(1);
    expect(reference.outbox[0]).toContain('"delivered"');
    expect(reference.webhooks).toHaveLength(1);
    expect(reference.work).toBe(0);
  });

  for (const point of ['pipeline:before-fast', 'pipeline:after-fast', 'pipeline:after-slow', 'alerts:after-scan'] as const) {
    it(`SIGKILL at ${point}: after a restart, exactly the sessions, events, incidents and webhooks of the run with no kill`, async () => {
      const receiver = await startReceiver();
      try {
        const db = join(dir, `${point.replace(':', '-')}.duckdb`);
        const rules = rulesFile(point.replace(':', '-'), receiver.url);
        const first = serve(db, rules, point);
        // At least one upload is acknowledged before the kill: what follows is the pipeline's to keep.
        const acked = await postAll(await first.url, BODIES, db);
        expect(acked).toBeGreaterThan(0);
        expect((await first.exited).signal).toBe('SIGKILL');
        const cut = await derivedState(db);
        // The kill really came before the work was done (otherwise the restart proves nothing).
        if (point === 'pipeline:before-fast' || point === 'pipeline:after-fast') expect(cut.work).toBeGreaterThan(0);
        if (point === 'pipeline:before-fast') expect(cut.events).toEqual([]);
        if (point === 'pipeline:after-slow') expect(cut.sessions.length).toBeGreaterThan(0);
        if (point === 'alerts:after-scan') expect(cut.outbox.length > 0 && cut.outbox.every((o) => o.includes('"pending"'))).toBe(true);

        const second = serve(db, rules);
        // The client sends again what was not acknowledged, as any client would.
        expect(await postAll(await second.url, BODIES.slice(acked), db)).toBe(BODIES.length - acked);
        await receiver.waitFor(reference.webhooks.length);
        await stop(second);
        const after = await derivedState(db);
        expect(after.sessions).toEqual(reference.sessions);
        expect(after.events).toEqual(reference.events);
        expect(after.incidents).toEqual(reference.incidents);
        expect(after.outbox).toEqual(reference.outbox);
        expect(after.work).toBe(0);
        expect(receiver.uniqueKeys().sort()).toEqual(reference.webhooks);
      } finally {
        await receiver.close();
      }
    }, 240_000);
  }
});
