import { BackendAlerts } from '../alerts/backend-alerts.ts';
import type { DeliveryOptions } from '../alerts/delivery-options.ts';
import { chartFromBackend } from '../chart/backend-chart.ts';
import { detectOnBackend } from '../detect/detect-on-backend.ts';
import type { AlertRule } from '../domain/alerts/alert-rule.ts';
import type { Detector } from '../domain/detect/detector.ts';
import type { StoredEvent } from '../domain/events/detected-event.ts';
import { segmentPeriods } from '../domain/segmentation/segment-periods.ts';
import { backendIngestTarget } from '../ingest/backend-ingest-sink.ts';
import { ingestTo, type IngestRequest } from '../ingest/ingest-pipeline.ts';
import type { IngestSummary } from '../ingest/ingest-summary.ts';
import { ClickHouseBackend } from '../store/clickhouse/clickhouse-backend.ts';
import type { StoreBackend } from '../store/contract/store-backend.ts';
import type { StoreLocation } from '../store/contract/store-url.ts';
import { DuckDbBackend } from '../store/duckdb-backend.ts';
import { seriesFromColumns } from '../store/series-from-columns.ts';
import type { TouchedRange } from '../store/contract/ingest-batch.ts';

export interface BackendServicesOptions {
  detectors?: readonly Detector[];
  rules?: readonly AlertRule[];
  now?: () => number;
  delivery?: Partial<DeliveryOptions>;
  webhookAllow?: readonly string[];
  publicUrl?: string;
}

/** What a commit led to: the events that changed and the incidents opened. */
export interface DerivedOutcome {
  events: StoredEvent[];
  openedIncidents: string[];
}

/**
 * The services that run on any contract backend — today the only way onto ClickHouse:
 *   ingest (parse → validate → append, quarantine) → derive (sessions by segmentation, detection)
 *   → alerts (incidents, outbox, signed webhooks) → charts and exports.
 * Derivation runs in the ingest call, for the devices the commit touched (no queue, no resume:
 * the DuckDB server's DerivedPipeline does that; a device's owner across processes is the lease).
 */
export class BackendServices {
  readonly backend: StoreBackend;
  readonly alerts: BackendAlerts;
  private readonly detectors: readonly Detector[];
  private readonly rules: readonly AlertRule[];
  private readonly now: () => number;
  private readonly publicUrl: string;

  constructor(backend: StoreBackend, o: BackendServicesOptions = {}) {
    this.backend = backend;
    this.detectors = o.detectors ?? [];
    this.rules = o.rules ?? [];
    this.now = o.now ?? Date.now;
    this.publicUrl = o.publicUrl ?? '';
    this.alerts = new BackendAlerts(backend, { now: this.now, delivery: o.delivery, webhookAllow: o.webhookAllow });
  }

  /** One batch stored whole (or not at all), then what it implies derived for the devices it touched. */
  async ingest(request: Omit<IngestRequest, 'onCommitted'>): Promise<IngestSummary & { derived: DerivedOutcome }> {
    const { touched, ...summary } = await this.store(request);
    return { ...summary, derived: await this.derive(touched) };
  }

  /** One batch stored whole (or not at all), nothing derived: in a server, each device's owner derives (OwnedBackendWork). */
  async store(request: Omit<IngestRequest, 'onCommitted'>): Promise<IngestSummary & { touched: TouchedRange[] }> {
    let touched: TouchedRange[] = [];
    const summary = await ingestTo(backendIngestTarget(this.backend, this.now), { ...request, onCommitted: (t) => (touched = t) });
    return { ...summary, touched };
  }

  /** Sessions and detection for each touched device from its earliest new row less the detectors' lookback; then alerts for the events that changed. */
  async derive(touched: readonly TouchedRange[]): Promise<DerivedOutcome> {
    const events: StoredEvent[] = [];
    for (const t of touched) events.push(...(await this.deriveDevice(t.deviceId, t.fromMs)).changed);
    return { events, openedIncidents: await this.scan(events) };
  }

  /**
   * One device: its sessions (the whole history segmented again) and detection from `fromMs` less
   * the longest lookback (undefined: the whole history). Returns the stored events that changed
   * and every stored event of the detection window (what a new owner scans again).
   */
  async deriveDevice(deviceId: string, fromMs: number | undefined): Promise<{ changed: StoredEvent[]; inWindow: StoredEvent[] }> {
    const series = seriesFromColumns(await this.backend.telemetry.readColumns({ deviceId }));
    await this.backend.sessions.replace(deviceId, undefined, segmentPeriods(series));
    if (this.detectors.length === 0) return { changed: [], inWindow: [] };
    const lookbackMs = this.detectors.reduce((m, d) => Math.max(m, d.lookbackMs), 0);
    const windowFromMs = fromMs === undefined ? undefined : fromMs - lookbackMs;
    const run = await detectOnBackend(this.backend, deviceId, { fromMs: windowFromMs, nowMs: this.now() }, this.detectors);
    const changed = new Set([...run.changes.created, ...run.changes.updated].map((e) => e.eventId));
    const inWindow = (await this.backend.events.list({ deviceId })).filter((e) => windowFromMs === undefined || e.startMs >= windowFromMs);
    return { changed: inWindow.filter((e) => changed.has(e.eventId)), inWindow };
  }

  /** Alerts for these events under the rules (keyed: repeating it opens and queues nothing twice); the incidents opened. */
  scan(events: readonly StoredEvent[]): Promise<string[]> {
    return events.length > 0 && this.rules.length > 0 ? this.alerts.scan(this.rules, events, this.publicUrl) : Promise.resolve([]);
  }

  chart(q: Parameters<typeof chartFromBackend>[1]): Promise<string | Buffer> {
    return chartFromBackend(this.backend, q);
  }

  close(): Promise<void> {
    return this.backend.close();
  }
}

/** Opens the store a --store / TELLTALE_STORE value names (migrating it) and its contract services. */
export async function openBackendServices(location: StoreLocation, options: BackendServicesOptions = {}): Promise<BackendServices> {
  const backend = location.kind === 'clickhouse'
    ? await ClickHouseBackend.open(location.urls, location.database, { now: options.now })
    : await DuckDbBackend.open(location.path, { now: options.now });
  return new BackendServices(backend, options);
}
