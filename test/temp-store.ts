import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TelemetryStore, type StoreOptions } from '../src/store/telemetry-store.ts';

/** A store in a real DuckDB file in a fresh temporary directory; `dispose` closes it and removes the directory. */
export async function openTempStore(options: StoreOptions = {}): Promise<TelemetryStore & { dispose: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'telltale-test-'));
  const store = await TelemetryStore.open(join(dir, 'telltale.duckdb'), options);
  return Object.assign(store, {
    dispose: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  });
}
