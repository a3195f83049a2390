import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhook } from '../../src/domain/alerts/webhook-signature.ts';
import type { DetectedEvent } from '../../src/domain/events/detected-event.ts';
import { eventId } from '../../src/domain/events/event-id.ts';
import { replaceEvents } from '../../src/store/event-repository.ts';
import { listOutbox } from '../../src/store/outbox-repository.ts';
import { TelemetryStore } from '../../src/store/telemetry-store.ts';
import { startReceiver } from '../alerts/webhook-receiver.ts';
import { CLI, NODE, ROOT } from './run-cli.ts';

const T0 = Date.parse('2024-06-01T08:00:00Z');
const SECRET = 'kill-test-secret';
let dir: string;
let db: string;

function breakdown(deviceId: string, startMs: number): DetectedEvent {
  return {
    eventId: eventId(deviceId, 'breakdown', 'loss_of_propulsion', startMs), deviceId, kind: 'breakdown', subkind: 'loss_of_propulsion', severity: 'critical',
    detector: 'breakdown-rules@1', startMs, endMs: startMs + 60_000, lat: null, lon: null, summary: 'propulsion lost', score: null, evidence: [],
  };
}

function serve(rules: string): { child: ChildProcess; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } {
  const child = spawn(NODE, [CLI, 'serve', '--db', db, '--port', '0', '--alert-rules', rules], {
    cwd: ROOT, env: { ...process.env, TZ: 'UTC', LOG_LEVEL: 'warn', TELLTALE_WEBHOOK_ALLOW: '127.0.0.1' }, stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr!.resume();
  return { child, exited: new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal }))) };
}

async function outbox() {
  const store = await TelemetryStore.open(db);
  try {
    return await store.withConnection((c) => listOutbox(c));
  } finally {
    await store.close();
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'telltale-alerts-kill-'));
  db = join(dir, 'telltale.duckdb');
  // Detected before the service starts: three breakdowns on two devices, three incidents.
  const store = await TelemetryStore.open(db);
  await store.withConnection(async (c) => {
    await replaceEvents(c, { deviceId: 'car-a' }, ['breakdown-rules@1'], [breakdown('car-a', T0), breakdown('car-a', T0 + 6 * 3_600_000)], T0);
    await replaceEvents(c, { deviceId: 'car-b' }, ['breakdown-rules@1'], [breakdown('car-b', T0)], T0);
  });
  await store.close();
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('telltale serve killed between detecting and delivering', () => {
  it('delivers every notice after a restart: at least once, exactly once per key after de-duplication, in order per device', async () => {
    let phase: 'hold' | 'answer' = 'hold';
    let first: ReturnType<typeof serve> | undefined;
    const receiver = await startReceiver(() => {
      if (phase === 'answer') return { status: 200 };
      // Hold the first notice open and kill the service while it waits for the answer.
      first?.child.kill('SIGKILL');
      return 'hang';
    });
    try {
      const rules = join(dir, 'rules.json');
      writeFileSync(rules, JSON.stringify({
        scanIntervalMs: 50,
        delivery: { pollMs: 20, baseBackoffMs: 50, maxBackoffMs: 200, perReceiverConcurrency: 1 },
        rules: [{
          ruleId: 'breakdowns', name: 'Breakdowns', match: { kinds: ['breakdown'] },
          receivers: [{ name: 'driver', url: receiver.url, secret: SECRET }],
          escalation: [{ delayMs: 0, receiver: 'driver', audience: 'driver', instructions: 'Hazard lights on' }],
        }],
      }));

      first = serve(rules);
      expect((await first.exited).signal).toBe('SIGKILL');
      expect(receiver.received.length).toBeGreaterThanOrEqual(1);
      const heldKey = receiver.received[0]!.key;
      const afterKill = await outbox();
      // The incidents and their notices were committed before the kill; none is marked delivered.
      expect(afterKill).toHaveLength(3);
      expect(afterKill.every((o) => o.status === 'pending')).toBe(true);
      expect(afterKill.map((o) => o.idempotencyKey)).toContain(heldKey);

      phase = 'answer';
      const second = serve(rules);
      await receiver.waitFor(receiver.received.length + 3);
      second.child.kill('SIGTERM');
      expect((await second.exited).code).toBe(0);

      const final = await outbox();
      expect(final.map((o) => o.status)).toEqual(['delivered', 'delivered', 'delivered']);
      const expected = final.map((o) => o.idempotencyKey).sort();
      expect(receiver.uniqueKeys().sort()).toEqual(expected);
      // At least once: the held notice came twice with the same key and body.
      const held = receiver.received.filter((h) => h.key === heldKey);
      expect(held.length).toBe(2);
      expect(held[1]!.body).toBe(held[0]!.body);
      for (const h of receiver.received) expect(verifyWebhook(SECRET, h.signature, h.timestamp, h.body, Number(h.timestamp))).toBe(true);
      // In order per device: car-a's two incidents arrive in queue order after the restart.
      const seqOf = new Map(final.map((o) => [o.idempotencyKey, o.seq]));
      const carA = receiver.received.slice(1).filter((h) => h.json.incident.deviceId === 'car-a').map((h) => seqOf.get(h.key)!);
      expect(carA).toEqual([...carA].sort((x, y) => x - y));
    } finally {
      await receiver.close();
    }
  }, 240_000); // two server starts with detectors and models: about 20 s on a quiet machine, over 60 s on a loaded one
});
