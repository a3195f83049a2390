import { ingest, ingestFiles, type IngestRequest } from '../ingest/ingest-pipeline.ts';
import type { IngestSummary } from '../ingest/ingest-summary.ts';
import type { TouchedRange } from '../store/contract/ingest-batch.ts';
import type { TelemetryStore } from '../store/telemetry-store.ts';

/**
 * Telemetry in: one batch per request, stored whole or not at all, then handed to what follows a
 * commit (the derived pipeline) — the one post-commit step for HTTP uploads, CLI files and the demo.
 */
export class IngestService {
  private readonly store: TelemetryStore;
  private readonly afterCommit: (touched: TouchedRange[]) => void;

  constructor(store: TelemetryStore, afterCommit: (touched: TouchedRange[]) => void) {
    this.store = store;
    this.afterCommit = afterCommit;
  }

  /** A whole-batch problem throws a TelltaleError (UNKNOWN_PROFILE, BAD_MAP, …); bad rows are quarantined and listed. */
  ingest(request: Omit<IngestRequest, 'onCommitted'>): Promise<IngestSummary> {
    return ingest(this.store, { ...request, onCommitted: (touched) => this.afterCommit(touched) });
  }

  /** Files, each its own batch, in order (runs of plain CSV files are read and committed together); `onFile` hears each one committed. */
  ingestFiles(requests: readonly Omit<IngestRequest, 'onCommitted'>[], onFile?: (index: number, summary: IngestSummary) => void): Promise<IngestSummary[]> {
    return ingestFiles(this.store, requests.map((r) => ({ ...r, onCommitted: (touched) => this.afterCommit(touched) })), onFile);
  }
}
