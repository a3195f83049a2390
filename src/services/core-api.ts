import type { AuditEntry } from '../store/audit-repository.ts';
import type { KeyService } from '../auth/key-service.ts';
import type { ChartRequest, ProducedChart } from '../chart/produce-chart.ts';
import type { Incident, IncidentState } from '../domain/alerts/incident.ts';
import type { StoredEvent } from '../domain/events/detected-event.ts';
import type { PeriodKind } from '../domain/segmentation/period-stats.ts';
import type { IngestRequest } from '../ingest/ingest-pipeline.ts';
import type { IngestSummary } from '../ingest/ingest-summary.ts';
import type { StoredSession } from '../store/session-repository.ts';
import type { ListPage, PageRequest } from './list-pages.ts';
import type { TelemetryReadRequest, TelemetryReply } from './telemetry-read-service.ts';

export interface DeviceRangePage extends PageRequest {
  deviceId: string;
  fromMs?: number | undefined;
  toMs?: number | undefined;
}

/**
 * The narrow service interface the core routes and the auth plugin are written against (health,
 * ingest, telemetry read, sessions, a device's events, incidents, charts, API keys). Both
 * compositions provide it: the DuckDB services (`coreApiOfServices`) and the contract services on
 * a ClickHouse cluster (`BackendCoreApi`), so `telltale serve` answers those routes the same way
 * on either store. Device-scoped pages are undefined when the device is unknown.
 */
export interface CoreApi {
  readonly storeKind: 'duckdb' | 'clickhouse';
  /** The store's clock (epoch ms; tests inject theirs on DuckDB). */
  now(): number;
  /** Answers only when the store answers a query. */
  schemaVersion(): Promise<number>;
  /** One batch stored whole (or not at all); what it implies is derived afterwards by the device's owner. */
  ingest(request: Omit<IngestRequest, 'onCommitted'>): Promise<IngestSummary>;
  readTelemetry(request: TelemetryReadRequest): Promise<TelemetryReply | undefined>;
  pageSessions(request: DeviceRangePage & { kind?: PeriodKind | undefined }): Promise<ListPage<StoredSession> | undefined>;
  pageEvents(request: DeviceRangePage & { kind?: string | undefined; minSeverity?: 'info' | 'warning' | 'critical' | undefined }): Promise<ListPage<StoredEvent> | undefined>;
  pageIncidents(request: PageRequest & { state?: IncidentState | undefined; deviceId?: string | undefined }): Promise<ListPage<Incident>>;
  findIncident(incidentId: string): Promise<Incident | undefined>;
  /** The device's fleet, for fleet-scoped keys; undefined when unknown. */
  findDevice(deviceId: string): Promise<{ fleet: string | null } | undefined>;
  /** NOT_FOUND when the device has nothing in the range. */
  chart(request: ChartRequest): Promise<ProducedChart>;
  readonly keys: KeyService;
  /** Where the auth plugin records audited requests (on a store without an audit trail: nowhere, said in docs/scale-out.md). */
  readonly audit: { record(entry: Omit<AuditEntry, 'atMs'> & { atMs?: number }): void };
}
