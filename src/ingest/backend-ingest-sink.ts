import { TelltaleError } from '../domain/errors/telltale-error.ts';
import { emptyBatch, type TelemetryBatch } from '../domain/telemetry-batch.ts';
import { NUMBER_COLUMN_NAMES } from '../domain/telemetry-schema.ts';
import type { RowRejection } from '../domain/validate-chunk.ts';
import type { StoreBackend } from '../store/contract/store-backend.ts';
import type { BatchMeta, IngestCounts } from '../store/contract/ingest-batch.ts';
import type { IngestSink, IngestTarget } from './ingest-target.ts';

function concat(parts: readonly TelemetryBatch[]): TelemetryBatch {
  const n = parts.reduce((s, p) => s + p.length, 0);
  const out = emptyBatch(n);
  out.length = n;
  let at = 0;
  for (const p of parts) {
    out.rowNumbers.set(p.rowNumbers.subarray(0, p.length), at);
    out.tsMs.set(p.tsMs.subarray(0, p.length), at);
    for (const name of NUMBER_COLUMN_NAMES) out.numbers[name].set(p.numbers[name].subarray(0, p.length), at);
    for (let i = 0; i < p.length; i++) {
      out.deviceId[at + i] = p.deviceId[i]!;
      out.text.state[at + i] = p.text.state[i] ?? null;
      out.lists.error_codes[at + i] = p.lists.error_codes[i] ?? null;
      out.lists.flags[at + i] = p.lists.flags[i] ?? null;
    }
    at += p.length;
  }
  return out;
}

/**
 * A batch for a contract backend: validated chunks and rejections are held in memory and written
 * by one `telemetry.append` at commit, so nothing of a batch that fails mid-stream is stored.
 * (Bounded by the upload limits; DuckDB's StagedIngest spills to temp tables instead.)
 */
class BackendIngestSink implements IngestSink {
  private readonly parts: TelemetryBatch[] = [];
  private readonly rejections: RowRejection[] = [];
  private readonly backend: StoreBackend;
  private readonly meta: BatchMeta;

  constructor(backend: StoreBackend, meta: BatchMeta) {
    this.backend = backend;
    this.meta = meta;
  }

  async append(batch: TelemetryBatch): Promise<void> {
    if (batch.length > 0) this.parts.push(batch);
  }

  async reject(rejections: readonly RowRejection[]): Promise<void> {
    this.rejections.push(...rejections);
  }

  async commit(): Promise<IngestCounts> {
    const batch = concat(this.parts);
    if (this.meta.fleets) await this.refuseOutsideFleets(batch, this.meta.fleets);
    const r = await this.backend.telemetry.append(batch, this.rejections, this.meta);
    return { touched: r.touched, batchId: r.batchId, received: batch.length + this.rejections.length, accepted: r.accepted, duplicates: r.duplicates, rejected: r.rejected };
  }

  /** As the DuckDB store does: a fleet-scoped key writes only to devices registered in its fleets, else nothing of the batch is stored. */
  private async refuseOutsideFleets(batch: TelemetryBatch, fleets: readonly string[]): Promise<void> {
    for (const deviceId of new Set(batch.deviceId.slice(0, batch.length))) {
      const device = await this.backend.devices.get(deviceId);
      if (!device?.fleet || !fleets.includes(device.fleet)) {
        throw new TelltaleError('FORBIDDEN', `device '${deviceId}' is not registered in this key's fleets (an admin registers it: PUT /v1/devices/:id with its fleet); nothing of the batch was stored`);
      }
    }
  }

  async abort(): Promise<void> {
    this.parts.length = 0;
    this.rejections.length = 0;
  }
}

/** The ingest target (src/ingest/ingest-pipeline.ts ingestTo) over any contract backend. */
export function backendIngestTarget(backend: StoreBackend, now: () => number): IngestTarget {
  return { now, begin: async (meta) => new BackendIngestSink(backend, meta) };
}
