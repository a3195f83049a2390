import { AnnotationService } from '../services/annotation-service.ts';
import { ChargerService } from '../services/charger-service.ts';
import { loadModelSDemoData, MODEL_S_DEVICE } from '../services/demo-data.ts';
import { DeviceService } from '../services/device-service.ts';
import { IngestService } from '../services/ingest-service.ts';
import type { TouchedRange } from '../store/contract/ingest-batch.ts';
import type { TelemetryStore } from '../store/telemetry-store.ts';

export { MODEL_S_DEVICE };

/**
 * The Model S demo into a bare store, for tests and scripts that run no server: the same services
 * the composition root builds, with the post-commit step the caller chooses (none by default).
 */
export async function loadModelSDemo(store: TelemetryStore, fixturesDir: string, log: (msg: string) => void, onCommitted?: (touched: TouchedRange[]) => void): Promise<void> {
  const devices = new DeviceService(store);
  await loadModelSDemoData(
    { ingest: new IngestService(store, onCommitted ?? (() => undefined)), chargers: new ChargerService(store), annotations: new AnnotationService(store, devices), devices },
    fixturesDir,
    log,
  );
}
