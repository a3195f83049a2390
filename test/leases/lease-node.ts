// A process that only keeps device ownership on a ClickHouse lease log, for the failover test:
// one JSON line on stdout per change of what it owns, with its local time. SIGTERM releases.
import { DeviceOwnership } from '../../src/pipeline/device-ownership.ts';
import { ClickHouseLeaseStore } from '../../src/store/lease/clickhouse-lease-store.ts';

const [url, database, ownerId, partitions] = process.argv.slice(2) as [string, string, string, string];
const store = new ClickHouseLeaseStore({ url, database });
const ownership = new DeviceOwnership(store, {
  ownerId, partitions: Number(partitions), ttlMs: 4_000, renewEveryMs: 1_000, marginMs: 1_000,
  onError: (err) => process.stderr.write(`${ownerId}: ${String(err)}\n`),
});
ownership.onChange((change) => {
  const epochs = Object.fromEntries(ownership.ownedPartitions().map((p) => [p, ownership.epochOf(p)]));
  process.stdout.write(`${JSON.stringify({ ownerId, atMs: Date.now(), ...change, owned: ownership.ownedPartitions(), epochs })}\n`);
});
process.on('SIGTERM', () => {
  void ownership.stop().then(() => store.close()).then(() => process.exit(0));
});
// Every 100 ms, until when (its own clock) it counts each partition as its own: what a test needs
// to see that a paused process stops before anyone else starts. Also keeps the event loop alive.
setInterval(() => {
  const untilMs = Object.fromEntries(ownership.ownedPartitions().map((p) => [p, ownership.heldUntilMs(p)]));
  process.stdout.write(`${JSON.stringify({ ownerId, tick: true, atMs: Date.now(), untilMs })}\n`);
}, 100);
await ownership.start();
