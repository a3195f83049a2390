import type { TelemetryBatch } from '../domain/telemetry-batch.ts';
import type { RowRejection } from '../domain/validate-chunk.ts';
import type { BatchMeta, IngestCounts } from '../store/contract/ingest-batch.ts';

/** One batch being written: validated rows and rejections in, then all of it committed (or aborted). StagedIngest is the DuckDB one. */
export interface IngestSink {
  append(batch: TelemetryBatch): Promise<void>;
  reject(rejections: readonly RowRejection[]): Promise<void>;
  commit(): Promise<IngestCounts>;
  abort(reason: string): Promise<void>;
}

/** Where `ingestTo` writes: a clock for validation and a way to start a batch. */
export interface IngestTarget {
  now(): number;
  begin(meta: BatchMeta): Promise<IngestSink>;
}
