/**
 * The ceiling for the ingest benchmark: DuckDB's own bulk load of a Parquet file into the same
 * telemetry table (same migrations, same file-backed store), with nothing of Telltale in between.
 *   node scripts/bench/raw-load.ts FLEET.parquet STORE.duckdb
 */
import { TelemetryStore } from '../../src/store/telemetry-store.ts';
import { refreshLatestValues, refreshScanFacts } from '../../src/store/device-span-repository.ts';
import { rebuildTelemetryMinutes } from '../../src/store/telemetry-minutes-repository.ts';

const [parquet, db] = process.argv.slice(2);
if (!parquet || !db) throw new Error('usage: raw-load.ts FLEET.parquet STORE.duckdb');
const store = await TelemetryStore.open(db);
const t0 = performance.now();
const reader = await store.db.runAndReadAll(`INSERT INTO telemetry BY NAME SELECT * FROM read_parquet('${parquet.replaceAll("'", "''")}')`);
await store.db.run('CHECKPOINT');
const seconds = (performance.now() - t0) / 1000;
// Device rows, so that the loaded store can be served (the replay benchmark uses it); not timed.
await store.db.run(`INSERT INTO devices (device_id, first_ts, last_ts, row_count, updated_at)
  SELECT device_id, min(ts), max(ts), count(*), now() FROM telemetry GROUP BY device_id`);
await refreshLatestValues(store.db); // the latest SoC and state the fleet overview reads, as a commit keeps them
await refreshScanFacts(store.db); // and what range reads need: time order, state values
await rebuildTelemetryMinutes(store.db); // and the timeline pyramid
await store.db.run('CHECKPOINT');
await store.close();
console.log(JSON.stringify({ rows: Number(reader.getRows()[0]?.[0] ?? 0), seconds }));
