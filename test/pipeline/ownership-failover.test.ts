import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertConfig } from '../../src/alerts/alert-config.ts';
import { DeviceOwnership } from '../../src/pipeline/device-ownership.ts';
import { composeServices, type Services } from '../../src/services/compose-services.ts';
import { DuckDbLeaseStore } from '../../src/store/lease/duckdb-lease-store.ts';
import { listOutbox } from '../../src/store/outbox-repository.ts';
import { createHardStopDetector } from '../detect/hard-stop-detector.ts';
import { startReceiver } from '../alerts/webhook-receiver.ts';
import { openTempStore } from '../temp-store.ts';

// Two Telltale service sets ("processes") on one DuckDB store, each owning the devices of the
// partitions it leases. A DuckDB file cannot be opened by two OS processes, so here both live in
// the test's process and the kill is simulated: node A's leases are abandoned (not released) and
// its loops stopped mid-stream; test/leases/clickhouse-failover.test.ts kills a real process on
// a ClickHouse lease log.

const T0 = Date.parse('2024-06-01T08:00:00Z');
const DEVICES = Array.from({ length: 8 }, (_, i) => `car-${i}`);
const PARTITIONS = 8;
const ROUNDS = 8;
/** 320 s at 1 Hz: drive, stop hard at 60 s and stand 100 s, drive, stop hard at 220 s and stand: two breakdowns. */
const speedAt = (s: number) => (s < 60 || (s >= 160 && s < 220) ? 50 : 0);
const chunk = (round: number) => {
  const lines = ['ts,speed_kph,soc_pct'];
  for (let s = round * 40; s < (round + 1) * 40; s++) lines.push(`${new Date(T0 + s * 1000).toISOString()},${speedAt(s)},${80 - s / 100}`);
  return `${lines.join('\n')}\n`;
};

interface Node {
  ownership: DeviceOwnership;
  services: Services;
}

let store: Awaited<ReturnType<typeof openTempStore>>;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let nodes: Node[] = [];
const errors: string[] = [];

async function startNode(ownerId: string, alerts: AlertConfig): Promise<Node> {
  // Short leases so the takeover is quick; a round slower than the lease (a loaded machine) is a
  // lapse, handled as a loss and a new gain, which this test also goes through.
  const ownership = new DeviceOwnership(new DuckDbLeaseStore(store), { ownerId, partitions: PARTITIONS, ttlMs: 2_000, renewEveryMs: 300, marginMs: 300 });
  const services = await composeServices(store, {
    log: { info: () => undefined, warn: () => undefined, error: (f, m) => errors.push(`${ownerId}: ${m}: ${String(f.err)}`) },
    detectors: [createHardStopDetector()], alerts, ownership, webhookAllow: ['127.0.0.1'], pipeline: { pollMs: 50, heavyIntervalMs: 0 },
  });
  await services.start({ live: true });
  return { ownership, services };
}

/** Resolves once `test` holds (looked at every 20 ms); fails naming what never happened after 60 s. */
async function until(what: string, test: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await test())) {
    if (Date.now() > deadline) {
      const state = await store.withConnection(async (c) => ({
        outbox: (await c.runAndReadAll('SELECT device_id, status FROM outbox ORDER BY 1')).getRows().map(String),
        work: (await c.runAndReadAll('SELECT device_id, fast_done FROM derived_work ORDER BY 1')).getRows().map(String),
      }));
      throw new Error(`never happened: ${what}; notices ${receiver.received.length}, store ${JSON.stringify(state)}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeAll(async () => {
  store = await openTempStore();
  receiver = await startReceiver();
});

afterAll(async () => {
  for (const n of nodes) await n.services.close();
  await receiver.close();
  await store.dispose();
});

describe('two Telltale service sets sharing one store, one killed mid-stream', () => {
  it('the survivor takes the dead one\'s partitions and every breakdown is notified exactly once per idempotency key', async () => {
    const alerts: AlertConfig = {
      delivery: { pollMs: 20, baseBackoffMs: 20, maxBackoffMs: 100 },
      rules: [{
        ruleId: 'breakdowns', name: 'Breakdowns', match: { kinds: ['breakdown'] }, hysteresisMs: 1_000,
        receivers: [{ name: 'ops', url: receiver.url, secret: 'failover-secret' }],
        escalation: [{ delayMs: 0, receiver: 'ops', audience: 'ops', instructions: 'Call the driver' }],
      }],
    } as AlertConfig;
    const a = await startNode('node-a', alerts);
    const b = await startNode('node-b', alerts);
    nodes = [a, b];
    await until('the partitions split evenly', async () => {
      await Promise.all([a.ownership.round(), b.ownership.round()]);
      return a.ownership.ownedPartitions().length === PARTITIONS / 2 && b.ownership.ownedPartitions().length === PARTITIONS / 2;
    });
    const aDevices = DEVICES.filter((d) => a.ownership.owns(d));
    expect(aDevices.length).toBeGreaterThan(0);
    expect(DEVICES.filter((d) => b.ownership.owns(d)).length).toBe(DEVICES.length - aDevices.length);

    // Ingest is served by either node, whoever owns the device.
    const ingestRound = (round: number, via: (i: number) => Node) => Promise.all(DEVICES.map((deviceId, i) =>
      via(i).services.ingest.ingest({ input: [Buffer.from(chunk(round))], format: 'csv', source: `round-${round}`, deviceId })));
    for (let round = 0; round < 4; round++) await ingestRound(round, (i) => (i + round) % 2 === 0 ? a : b);
    // The first breakdowns (stop at 60 s, confirmed by 120 s) are notified by each device's owner, A included.
    await until('a first notice per device', () => receiver.uniqueKeys().length === DEVICES.length);

    // Round 4 goes in and A dies before its work on it is done: leases abandoned, loops stopped.
    await ingestRound(4, (i) => (i % 2 === 0 ? a : b));
    const killedAtMs = Date.now();
    a.ownership.abandon();
    await Promise.all([a.services.alerts.engine.stop(), a.services.alerts.worker.stop(), a.services.pipeline.close()]);
    for (let round = 5; round < ROUNDS; round++) await ingestRound(round, () => b);

    await until('B owns every partition', () => b.ownership.ownedPartitions().length === PARTITIONS);
    const takeoverMs = Date.now() - killedAtMs;
    await until('two notices per device', () => receiver.uniqueKeys().length === 2 * DEVICES.length);
    await b.services.pipeline.idle();
    await until('every notice marked delivered', async () => (await store.withConnection((c) => listOutbox(c))).every((o) => o.status === 'delivered'));

    const outbox = await store.withConnection((c) => listOutbox(c));
    // Two incidents per device, one notice each: nothing lost across the takeover...
    expect(outbox).toHaveLength(2 * DEVICES.length);
    for (const d of DEVICES) expect(outbox.filter((o) => o.deviceId === d)).toHaveLength(2);
    expect(receiver.uniqueKeys().sort()).toEqual(outbox.map((o) => o.idempotencyKey).sort());
    // ...and nothing sent twice: every key arrived once.
    expect(receiver.received).toHaveLength(2 * DEVICES.length);
    // Nothing left undone in the durable queue.
    const work = await store.withConnection(async (c) => (await c.runAndReadAll('SELECT count(*) FROM derived_work')).getRows()[0]![0]);
    expect(Number(work)).toBe(0);
    expect(errors).toEqual([]);
    console.log(JSON.stringify({ test: 'ownership-failover-duckdb', devices: DEVICES.length, aDevices: aDevices.length, takeoverMs, notices: receiver.received.length }));
  }, 120_000);
});
