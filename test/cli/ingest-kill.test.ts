import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TelemetryStore } from '../../src/store/telemetry-store.ts';
import { runCli } from './run-cli.ts';

let dir: string;
let db: string;
const BIG_ROWS = 600_000;

/** A large CSV of 20 devices at 1 Hz, written quickly and the same every run. */
async function writeBigCsv(path: string): Promise<void> {
  const out = createWriteStream(path);
  out.write('device_id,ts,speed_kph,soc_pct,outside_temp_c\n');
  const t0 = Date.UTC(2024, 5, 1);
  let buffer = '';
  for (let i = 0; i < BIG_ROWS; i++) {
    const device = i % 20;
    const second = Math.floor(i / 20);
    buffer += `big-${device},${t0 + second * 1000},${(second % 120) * 0.9},${90 - second / 1000},${12 + (device % 5)}\n`;
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await new Promise<void>((r) => out.once("drain", () => r()));
      buffer = '';
    }
  }
  out.write(buffer);
  await new Promise<void>((r) => out.end(() => r()));
}

async function snapshot(): Promise<{ rows: number; checksum: string; batches: Record<string, number> }> {
  const store = await TelemetryStore.open(db);
  try {
    const r = await store.db.runAndReadAll('SELECT count(*), coalesce(sum(hash(device_id, ts, speed_kph, soc_pct)), 0)::VARCHAR FROM telemetry');
    const b = await store.db.runAndReadAll('SELECT status, count(*) FROM ingest_batches GROUP BY status');
    const [rows, checksum] = r.getRows()[0]!;
    return { rows: Number(rows), checksum: String(checksum), batches: Object.fromEntries(b.getRows().map(([s, n]) => [String(s), Number(n)])) };
  } finally {
    await store.close();
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'telltale-kill-'));
  db = join(dir, 'telltale.duckdb');
  await writeBigCsv(join(dir, 'big.csv'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a process killed in the middle of an ingest', () => {
  it('leaves no part of that batch visible, keeps what was committed, and the store works after', async () => {
    const small = await runCli(['ingest', 'fixtures/twizy-rsk/T3_04_22_2021_1.csv', '--db', db, '--device', 'twizy', '--profile', 'twizy-rsk', '--json']);
    expect(small.code).toBe(0);
    const committed = await snapshot();
    expect(committed.rows).toBe(1049);

    // Kill -9 with every row read and staged, just before the commit (the last moment the batch
    // can be lost): DuckDB's own CSV reader stages the whole file in one statement, so the kill is
    // placed at that named point (TELLTALE_CRASH_AT) instead of racing the progress lines.
    const killed = await runCli(['ingest', join(dir, 'big.csv'), '--db', db, '--json'], undefined, { TELLTALE_CRASH_AT: 'ingest:before-commit' });
    expect(killed.signal).toBe('SIGKILL');

    const after = await snapshot();
    expect(after.rows).toBe(committed.rows);
    expect(after.checksum).toBe(committed.checksum);
    // The cut-off batch is recorded as aborted when the store next opens, not left 'running'.
    expect(after.batches).toEqual({ committed: 1, aborted: 1 });

    const again = await runCli(['ingest', join(dir, 'big.csv'), '--db', db, '--json']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ accepted: BIG_ROWS, duplicates: 0, rejected: 0 });
    expect((await snapshot()).rows).toBe(committed.rows + BIG_ROWS);
  });
});
