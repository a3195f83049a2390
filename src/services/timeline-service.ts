import type { ColumnName } from '../domain/telemetry-schema.ts';
import { telemetryPageToArrowIpc } from '../store/telemetry-page-arrow.ts';
import { telemetryPageToRows } from '../store/telemetry-page-rows.ts';
import { getDevice } from '../store/telemetry-repository.ts';
import type { TelemetryStore } from '../store/telemetry-store.ts';
import { readTimeline } from '../store/timeline-repository.ts';

export interface TimelineRequest {
  deviceId: string;
  fromMs?: number | undefined;
  toMs?: number | undefined;
  columns: readonly ColumnName[];
  maxPoints: number;
}

/** A device's range reduced for a chart, reduced in DuckDB; undefined when there is no such device. */
export async function timelineAsArrow(store: TelemetryStore, req: TimelineRequest): Promise<Buffer | undefined> {
  const timeline = await store.withConnection(async (conn) => ((await getDevice(conn, req.deviceId)) ? readTimeline(conn, req) : undefined));
  if (!timeline) return undefined;
  const bytes = telemetryPageToArrowIpc(timeline.page);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export async function timelineAsJson(store: TelemetryStore, req: TimelineRequest) {
  const timeline = await store.withConnection(async (conn) => ((await getDevice(conn, req.deviceId)) ? readTimeline(conn, req) : undefined));
  if (!timeline) return undefined;
  return { deviceId: req.deviceId, totalRows: timeline.totalRows, count: timeline.page.length, reduced: timeline.reduced, rows: telemetryPageToRows(timeline.page) };
}
