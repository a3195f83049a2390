/**
 * What keeping the timeline pyramid costs a commit, and whether that grows with what is stored:
 *   node scripts/bench/pyramid-merge.ts [--devices 100] [--batch-s 10] [--sizes 1000,20000] [--commits 20]
 * For each pyramid size (minutes per device already stored, in time order as live appends leave
 * them), `--commits` live batches (devices × batch-s rows, the next minutes) are merged inside a
 * transaction on a file-backed store; beside it, in the same run and on the same batch, the
 * device-record upsert every commit also runs (the baseline). Prints one line of JSON.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { NUMBER_COLUMN_NAMES } from '../../src/domain/telemetry-schema.ts';
import { upsertDeviceSpans } from '../../src/store/device-span-repository.ts';
import { inTransaction } from '../../src/store/in-transaction.ts';
import { mergeTelemetryMinutes } from '../../src/store/telemetry-minutes-repository.ts';
import { TelemetryStore } from '../../src/store/telemetry-store.ts';
import { percentiles } from './bench-store.ts';

const { values } = parseArgs({
  options: { devices: { type: 'string', default: '100' }, 'batch-s': { type: 'string', default: '10' }, sizes: { type: 'string', default: '1000,20000' }, commits: { type: 'string', default: '20' } },
});
const devices = Number(values.devices);
const batchS = Number(values['batch-s']);
const commits = Number(values.commits);
const T0 = Date.UTC(2024, 0, 1);
const dir = mkdtempSync(join(tmpdir(), 'telltale-bench-pyramid-'));
const runs: Record<string, unknown>[] = [];
try {
  for (const minutes of values.sizes.split(',').map(Number)) {
    const store = await TelemetryStore.open(join(dir, `p${minutes}.duckdb`));
    await store.withConnection((c) =>
      c.run(`INSERT INTO telemetry_minutes SELECT 'dev-' || (i % ${devices}), ${T0 / 60_000} + i // ${devices}, 0, 0, 60, ${NUMBER_COLUMN_NAMES.map(() => '0, 1.0, 0, 2.0').join(', ')} FROM range(${minutes * devices}) r(i)`),
    );
    const merge: number[] = [];
    const upsert: number[] = [];
    for (let k = 0; k < commits; k++) {
      const t = T0 + (minutes + k) * 60_000;
      await store.withConnection(async (c) => {
        await c.run(`CREATE OR REPLACE TEMP TABLE batch AS SELECT 'dev-' || d AS device_id, epoch_ms(${t} + s * 1000) AS ts, ${NUMBER_COLUMN_NAMES.map((x) => `random() AS ${x}`).join(', ')},
          'driving' AS state, NULL::VARCHAR[] AS error_codes, NULL::VARCHAR[] AS flags FROM range(${devices}) a(d), range(${batchS}) b(s)`);
        await inTransaction(c, async () => {
          let s = performance.now();
          await upsertDeviceSpans(c, 'batch', t);
          upsert.push(performance.now() - s);
          s = performance.now();
          await mergeTelemetryMinutes(c, 'batch');
          merge.push(performance.now() - s);
        });
      });
    }
    await store.close();
    const m = percentiles(merge.slice(2));
    const u = percentiles(upsert.slice(2));
    console.error(`pyramid of ${(minutes * devices).toLocaleString('en-US')} rows: merge of ${devices * batchS} rows p50 ${m.p50} ms (max ${m.max}); baseline device upsert p50 ${u.p50} ms (max ${u.max})`);
    runs.push({ pyramid_rows: minutes * devices, batch_rows: devices * batchS, merge_p50_ms: m.p50, merge_max_ms: m.max, baseline_device_upsert_p50_ms: u.p50, baseline_device_upsert_max_ms: u.max });
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(JSON.stringify({ bench: 'pyramid-merge', devices, batch_s: batchS, commits, runs }));
