import { loadConfig, DEFAULT_DB_PATH } from '../config.ts';
import { compactTelemetry, measureClustering } from '../store/compact-telemetry.ts';
import { TelemetryStore } from '../store/telemetry-store.ts';

/** `telltale compact`: prints devices per row group before and after, as one JSON line. */
export async function runCompactCommand(options: { db: string }): Promise<void> {
  const store = await TelemetryStore.open(options.db, { memoryLimit: loadConfig().memoryLimit, createFolder: options.db === DEFAULT_DB_PATH });
  try {
    const before = await measureClustering(store);
    const after = await compactTelemetry(store);
    process.stdout.write(`${JSON.stringify({ rows: after.rows, devicesPerBlockBefore: before.devicesPerBlock, devicesPerBlockAfter: after.devicesPerBlock })}\n`);
  } finally {
    await store.close();
  }
}
