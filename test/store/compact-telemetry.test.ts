import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingest } from '../../src/ingest/ingest-pipeline.ts';
import { compactTelemetry, measureClustering, ROW_GROUP_ROWS } from '../../src/store/compact-telemetry.ts';
import { TelemetryStore } from '../../src/store/telemetry-store.ts';

const DEVICES = 12;
const SECONDS_PER_UPLOAD = 1_000;
const UPLOADS = 30; // 12 devices × 30,000 s = 360,000 rows, about three row groups

let dir: string;
let store: TelemetryStore;

/** Every upload carries a slice of time for all devices, as a fleet streaming at once produces. */
function upload(k: number): string {
  const lines = ['device_id,ts,speed_kph,soc_pct'];
  const t0 = Date.UTC(2024, 4, 1) + k * SECONDS_PER_UPLOAD * 1000;
  for (let d = 0; d < DEVICES; d++) {
    for (let s = 0; s < SECONDS_PER_UPLOAD; s++) lines.push(`car-${String(d).padStart(2, '0')},${t0 + s * 1000},${(s % 90) + d},${90 - k}`);
  }
  return lines.join('\n');
}

async function checksum(): Promise<string> {
  const r = await store.db.runAndReadAll('SELECT count(*), sum(hash(device_id, ts, speed_kph, soc_pct)) FROM telemetry');
  return JSON.stringify(r.getRows()[0], (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'telltale-compact-'));
  store = await TelemetryStore.open(join(dir, 'telltale.duckdb'));
  // Uploads arrive out of order (odd ones late), like a fleet catching up after a network outage.
  const order = [...Array(UPLOADS).keys()].sort((a, b) => (a % 2) - (b % 2) || a - b);
  for (const k of order) {
    const text = upload(k);
    await ingest(store, { input: [new TextEncoder().encode(text)], format: 'csv', source: `upload-${k}` });
  }
});

afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('clustering by device', () => {
  it('sorts each batch by device, and compaction packs each device into few row groups without changing a row', async () => {
    const before = await measureClustering(store);
    expect(before.rows).toBe(DEVICES * SECONDS_PER_UPLOAD * UPLOADS);
    // Interleaved uploads: every block holds every device.
    expect(before.devicesPerBlock).toBe(DEVICES);
    const sumBefore = await checksum();

    const after = await compactTelemetry(store);
    expect(after.rows).toBe(before.rows);
    const rowsPerDevice = SECONDS_PER_UPLOAD * UPLOADS;
    // Clustered: a block spans at most the devices that fit in it, plus one at each edge.
    expect(after.devicesPerBlock).toBeLessThanOrEqual(Math.ceil(ROW_GROUP_ROWS / rowsPerDevice) + 1);
    expect(await checksum()).toBe(sumBefore);

    // Physical order is now (device_id, ts).
    const order = await store.db.runAndReadAll(`
      SELECT count(*) FROM (
        SELECT device_id, ts, lag(device_id) OVER (ORDER BY rowid) AS pd, lag(ts) OVER (ORDER BY rowid) AS pt FROM telemetry
      ) WHERE pd IS NOT NULL AND (device_id < pd OR (device_id = pd AND ts <= pt))`);
    expect(Number(order.getRows()[0]![0])).toBe(0);
  });
});
