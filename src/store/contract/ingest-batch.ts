/** What every store backend takes with an ingest batch and gives back when it commits. */

export interface BatchMeta {
  source: string;
  format: string;
  profile?: string | undefined;
  /**
   * A fleet-scoped key's fleets: every device of the batch must already be registered in one of
   * them, or nothing is stored. Absent: any device (an unscoped key, the CLI).
   */
  fleets?: readonly string[] | undefined;
}

/** Where a committed batch added rows: what derived data (sessions, events) must be brought up to date. */
export interface TouchedRange {
  deviceId: string;
  fromMs: number;
  toMs: number;
  /** The batch whose `derived_work` row records this range (absent: nothing recorded, e.g. tests writing rows directly). */
  batchId?: string;
}

export interface IngestCounts {
  touched: TouchedRange[];
  batchId: string;
  received: number;
  accepted: number;
  duplicates: number;
  rejected: number;
}
