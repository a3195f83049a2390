import type { RowRejection } from '../../domain/validate-chunk.ts';
import type { TelemetryBatch } from '../../domain/telemetry-batch.ts';
import type { BatchMeta, TouchedRange } from './ingest-batch.ts';
import type { TelemetryColumns, TelemetryQuery } from '../telemetry-repository.ts';

/** What one append did: rows new to the store, rows whose (device_id, ts) was already stored, rows quarantined. */
export interface AppendResult {
  batchId: string;
  accepted: number;
  duplicates: number;
  rejected: number;
  touched: TouchedRange[];
}

/** A bad row as it was kept aside, with the batch it came in and why. */
export interface QuarantinedRow {
  batchId: string;
  source: string;
  rowNumber: number | null;
  field: string | null;
  reason: string;
  rawText: string | null;
}

/** Fleet-wide figures per device over a range: what a fleet dashboard aggregates. */
export interface DeviceRangeStats {
  deviceId: string;
  rows: number;
  maxSpeedKph: number | null;
  meanSocPct: number | null;
}

export type TextExportFormat = 'csv' | 'ndjson' | 'arrow';

/**
 * The telemetry table behind every backend. `(device_id, ts)` is unique: rows already stored (or
 * repeated inside the batch) are counted as duplicates and the first value stored wins; rejected
 * rows go to the quarantine with the batch, never silently dropped.
 */
export interface TelemetryLog {
  /** Validated rows plus the rejections of the same batch, stored as one batch. */
  append(batch: TelemetryBatch, rejections: readonly RowRejection[], meta: BatchMeta): Promise<AppendResult>;
  /** A device's range [fromMs, toMs) as columns in time order (NaN = NULL). */
  readColumns(q: TelemetryQuery): Promise<TelemetryColumns>;
  quarantined(batchId: string): Promise<QuarantinedRow[]>;
  /** Per-device row count, top speed and mean SoC over [fromMs, toMs), by device id. */
  fleetStats(fromMs: number, toMs: number): Promise<DeviceRangeStats[]>;
  /** A device's range as a file: CSV (the ingest format, lists `|`-joined), NDJSON or an Arrow IPC stream. */
  exportBytes(q: { deviceId: string; fromMs?: number | undefined; toMs?: number | undefined; format: TextExportFormat }): Promise<Uint8Array>;
}
