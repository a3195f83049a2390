import { Readable } from 'node:stream';
import type { KeyService } from '../auth/key-service.ts';
import { CHART_CONTENT_TYPES, type ChartRequest, type ProducedChart } from '../chart/produce-chart.ts';
import { decodeCursor, encodeCursor } from '../domain/paging/page-cursor.ts';
import { TelltaleError } from '../domain/errors/telltale-error.ts';
import type { IngestRequest } from '../ingest/ingest-pipeline.ts';
import type { IngestSummary } from '../ingest/ingest-summary.ts';
import type { StoreBackend } from '../store/contract/store-backend.ts';
import { telemetryPageColumnsJson } from '../store/telemetry-page-columns-json.ts';
import { telemetryPageToArrowIpc } from '../store/telemetry-page-arrow.ts';
import { telemetryPageFromColumns } from '../store/telemetry-page-from-columns.ts';
import { telemetryPageToRows } from '../store/telemetry-page-rows.ts';
import type { BackendServices } from './backend-services.ts';
import type { CoreApi } from './core-api.ts';
import { finishPage } from './list-pages.ts';
import { TELEMETRY_DEFAULT_LIMIT, TELEMETRY_MAX_LIMIT, type TelemetryReadRequest, type TelemetryReply } from './telemetry-read-service.ts';

/** Chart options the contract's chart path does not draw yet; asked for, they are refused by name rather than ignored. */
function unsupportedChartOptions(r: ChartRequest): string[] {
  return [
    r.sessionId !== undefined ? 'session' : '',
    r.x === 'distance' ? 'x=distance' : '',
    r.units === 'imperial' ? 'units=imperial' : '',
    r.power ? 'power' : '',
    r.public ? 'public (analyst keys always chart in public mode)' : '',
    r.scale !== undefined && r.scale !== 1 ? 'scale' : '',
  ].filter(Boolean);
}

/**
 * The core routes' interface (CoreApi) over the storage contract, for `telltale serve --store
 * clickhouse://…`: the same pages, cursors and shapes as the DuckDB services, read through the
 * contract's lists. Ingest stores the batch and tells the owner's work loop (`afterStore`); the
 * devices' owners derive. No audit trail on this store yet (docs/scale-out.md).
 */
export class BackendCoreApi implements CoreApi {
  readonly storeKind = 'clickhouse' as const;
  readonly keys: KeyService;
  readonly audit = { record: (): void => undefined };
  private readonly services: BackendServices;
  private readonly backend: StoreBackend;
  private readonly afterStore: () => void;

  constructor(services: BackendServices, keys: KeyService, afterStore: () => void) {
    this.services = services;
    this.backend = services.backend;
    this.keys = keys;
    this.afterStore = afterStore;
  }

  now(): number {
    return Date.now();
  }

  schemaVersion(): Promise<number> {
    return this.backend.schemaVersion();
  }

  async ingest(request: Omit<IngestRequest, 'onCommitted'>): Promise<IngestSummary> {
    const { touched, ...summary } = await this.services.store(request);
    if (touched.length > 0) this.afterStore();
    return summary;
  }

  async readTelemetry(req: TelemetryReadRequest): Promise<TelemetryReply | undefined> {
    if (!(await this.backend.devices.get(req.deviceId))) return undefined;
    const startKey = decodeCursor(req.cursor, 'n');
    const limit = Math.min(TELEMETRY_MAX_LIMIT, req.limit ?? TELEMETRY_DEFAULT_LIMIT);
    const fromMs = startKey ? Math.max(Number(startKey[0]), req.fromMs ?? -Infinity) : req.fromMs;
    // One row more than the page: its timestamp is where the next page starts.
    const read = await this.backend.telemetry.readColumns({ deviceId: req.deviceId, fromMs, toMs: req.toMs, columns: req.columns, limit: limit + 1 });
    const page = telemetryPageFromColumns(read, req.columns, limit);
    const nextCursor = page.nextStartMs === undefined ? null : encodeCursor([page.nextStartMs]);
    if (req.format === 'columns') return { nextCursor, body: Readable.from(telemetryPageColumnsJson(page, nextCursor)) };
    if (req.format === 'arrow') {
      const bytes = telemetryPageToArrowIpc(page);
      return { nextCursor, body: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
    }
    const rows = telemetryPageToRows(page);
    return { nextCursor, body: Buffer.from(JSON.stringify({ deviceId: req.deviceId, rows, count: rows.length, nextCursor })) };
  }

  async pageSessions(req: Parameters<CoreApi['pageSessions']>[0]): ReturnType<CoreApi['pageSessions']> {
    const after = decodeCursor(req.cursor, 'ns');
    if (!(await this.backend.devices.get(req.deviceId))) return undefined;
    const items = await this.backend.sessions.list({ ...req, limit: req.limit + 1, after: after && { startMs: after[0] as number, sessionId: after[1] as string } });
    return finishPage(items, req.limit, (s) => [s.startMs, s.sessionId]);
  }

  async pageEvents(req: Parameters<CoreApi['pageEvents']>[0]): ReturnType<CoreApi['pageEvents']> {
    const after = decodeCursor(req.cursor, 'ns');
    if (!(await this.backend.devices.get(req.deviceId))) return undefined;
    const items = await this.backend.events.list({ ...req, limit: req.limit + 1, after: after && { startMs: after[0] as number, eventId: after[1] as string } });
    return finishPage(items, req.limit, (e) => [e.startMs, e.eventId]);
  }

  async pageIncidents(req: Parameters<CoreApi['pageIncidents']>[0]): ReturnType<CoreApi['pageIncidents']> {
    const after = decodeCursor(req.cursor, 'ns');
    const items = await this.backend.incidents.list({ ...req, limit: req.limit + 1, after: after && { openedAtMs: after[0] as number, incidentId: after[1] as string } });
    return finishPage(items, req.limit, (i) => [i.openedAtMs, i.incidentId]);
  }

  findIncident(incidentId: string): ReturnType<CoreApi['findIncident']> {
    return this.backend.incidents.get(incidentId);
  }

  findDevice(deviceId: string): ReturnType<CoreApi['findDevice']> {
    return this.backend.devices.get(deviceId);
  }

  async chart(request: ChartRequest): Promise<ProducedChart> {
    const unsupported = unsupportedChartOptions(request);
    if (unsupported.length > 0) throw new TelltaleError('BAD_REQUEST', `charts on a ClickHouse store do not draw ${unsupported.join(', ')} yet (docs/scale-out.md)`);
    if (!(await this.backend.devices.get(request.deviceId))) throw new TelltaleError('NOT_FOUND', `no device '${request.deviceId}'`);
    const body = await this.services.chart({ deviceId: request.deviceId, fromMs: request.fromMs, toMs: request.toMs, format: request.format, widthPx: request.widthPx, heightPx: request.heightPx });
    return { body, contentType: CHART_CONTENT_TYPES[request.format] };
  }
}
