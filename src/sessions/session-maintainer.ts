import { segmentPeriods } from '../domain/segmentation/segment-periods.ts';
import { readSeries } from '../store/series-repository.ts';
import { replaceSessions, sessionAnchorMs } from '../store/session-repository.ts';
import { DerivedPipeline } from '../pipeline/derived-pipeline.ts';
import type { TelemetryStore } from '../store/telemetry-store.ts';

/**
 * Recomputes a device's periods from a little before the earliest new row, so late and
 * out-of-order data land in the right place. Starting one stored period earlier gives the
 * smoothing rules (a stop between two drives, say) the same context a full recompute would have.
 *
 * It does not take the store's write lock: that would hold up every ingest commit behind a
 * segmentation. Work on one device is serialised by the SessionMaintainer, different devices
 * touch different rows, and rows committed meanwhile schedule another refresh.
 */
export async function refreshSessions(store: TelemetryStore, deviceId: string, fromMs: number): Promise<void> {
  await store.withConnection(async (conn) => {
    const anchor = await sessionAnchorMs(conn, deviceId, fromMs, 1);
    const series = await readSeries(conn, { deviceId, fromMs: anchor });
    await replaceSessions(conn, deviceId, anchor, segmentPeriods(series));
  });
}

/**
 * Keeps sessions up to date behind ingest with no detectors: the derived-data pipeline
 * (src/pipeline/derived-pipeline.ts) with its slow stage unthrottled, so touched ranges are
 * coalesced per device and recomputed once per burst, and replies to uploads never wait for it.
 */
export class SessionMaintainer extends DerivedPipeline {
  constructor(store: TelemetryStore, onError: (err: unknown, deviceId: string) => void = () => undefined) {
    super(store, [], { onError, heavyIntervalMs: 0 });
  }
}
