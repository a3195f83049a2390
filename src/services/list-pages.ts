import type { Incident, IncidentState } from '../domain/alerts/incident.ts';
import { decodeCursor, encodeCursor, pageOf, type CursorKey } from '../domain/paging/page-cursor.ts';
import type { PeriodKind } from '../domain/segmentation/period-stats.ts';
import { listAlertRules } from '../store/alert-rule-repository.ts';
import { listChargers } from '../store/charger-repository.ts';
import { listEvents, listFleetEvents, type FleetEventQuery } from '../store/event-repository.ts';
import { listIncidents } from '../store/incident-repository.ts';
import { listOutbox, type OutboxItem, type OutboxStatus } from '../store/outbox-repository.ts';
import { listSessions } from '../store/session-repository.ts';
import { listDeviceOverviews, type DeviceOverview } from '../store/device-overview-repository.ts';
import { getDevice } from '../store/telemetry-repository.ts';
import type { TelemetryStore } from '../store/telemetry-store.ts';

/**
 * One page of each list the API serves, by keyset: the repository reads `limit + 1` items after
 * the cursor's key, the extra one only telling whether a next page exists. Device-scoped lists
 * are undefined when the device is unknown.
 */
export interface ListPage<T> {
  items: T[];
  nextCursor: string | null;
}

export interface PageRequest {
  limit: number;
  cursor?: string | undefined;
}

interface RangeRequest extends PageRequest {
  deviceId: string;
  fromMs?: number | undefined;
  toMs?: number | undefined;
}

/** A page from `limit + 1` items read after the cursor's key (exported for stores that page the same way). */
export function finishPage<T>(items: T[], limit: number, keyOf: (item: T) => CursorKey): ListPage<T> {
  const page = pageOf(items, limit, keyOf);
  return { items: page.items, nextCursor: page.nextKey ? encodeCursor(page.nextKey) : null };
}

export interface DevicePageRequest extends PageRequest {
  fleet?: string | undefined;
  model?: string | undefined;
  firmware?: string | undefined;
  q?: string | undefined;
  /** The caller's fleets (a fleet-scoped key): the page is cut from those only, so it is never short. */
  fleets?: readonly string[] | null | undefined;
}

/** Devices by id with the fleet overview's fields (state, SoC, open incidents, moments of truth of 24 h / 7 d from `store.now()`). */
export function pageDevices(store: TelemetryStore, req: DevicePageRequest): Promise<ListPage<DeviceOverview>> {
  const after = decodeCursor(req.cursor, 's');
  return store.withConnection(async (conn) =>
    finishPage(
      await listDeviceOverviews(conn, { ...req, fleets: req.fleets ?? undefined, afterId: after?.[0] as string | undefined, limit: req.limit + 1, nowMs: store.now() }),
      req.limit,
      (d) => [d.deviceId],
    ),
  );
}

export function pageChargers(store: TelemetryStore, req: PageRequest) {
  const after = decodeCursor(req.cursor, 's');
  return store.withConnection(async (conn) =>
    finishPage(await listChargers(conn, { afterId: after?.[0] as string | undefined, limit: req.limit + 1 }), req.limit, (c) => [c.chargerId]),
  );
}

export function pageAlertRules(store: TelemetryStore, req: PageRequest) {
  const after = decodeCursor(req.cursor, 's');
  return store.withConnection(async (conn) =>
    finishPage(await listAlertRules(conn, { afterId: after?.[0] as string | undefined, limit: req.limit + 1 }), req.limit, (r) => [r.ruleId]),
  );
}

export function pageSessions(store: TelemetryStore, req: RangeRequest & { kind?: PeriodKind | undefined }) {
  const after = decodeCursor(req.cursor, 'ns');
  return store.withConnection(async (conn) => {
    if (!(await getDevice(conn, req.deviceId))) return undefined;
    const items = await listSessions(conn, { ...req, limit: req.limit + 1, after: after && { startMs: after[0] as number, sessionId: after[1] as string } });
    return finishPage(items, req.limit, (s) => [s.startMs, s.sessionId]);
  });
}

export function pageEvents(store: TelemetryStore, req: RangeRequest & { kind?: string | undefined; minSeverity?: 'info' | 'warning' | 'critical' | undefined }) {
  const after = decodeCursor(req.cursor, 'ns');
  return store.withConnection(async (conn) => {
    if (!(await getDevice(conn, req.deviceId))) return undefined;
    const items = await listEvents(conn, { ...req, limit: req.limit + 1, after: after && { startMs: after[0] as number, eventId: after[1] as string } });
    return finishPage(items, req.limit, (e) => [e.startMs, e.eventId]);
  });
}

/** Every device's events, newest first (a scoped key's fleets only). */
export function pageFleetEvents(store: TelemetryStore, req: PageRequest & Omit<FleetEventQuery, 'after' | 'limit' | 'fleets'> & { fleets?: readonly string[] | null | undefined }) {
  const after = decodeCursor(req.cursor, 'ns');
  return store.withConnection(async (conn) => {
    const items = await listFleetEvents(conn, { ...req, fleets: req.fleets ?? undefined, limit: req.limit + 1, after: after && { startMs: after[0] as number, eventId: after[1] as string } });
    return finishPage(items, req.limit, (e) => [e.startMs, e.eventId]);
  });
}

export function pageIncidents(store: TelemetryStore, req: PageRequest & { state?: IncidentState | undefined; deviceId?: string | undefined }): Promise<ListPage<Incident>> {
  const after = decodeCursor(req.cursor, 'ns');
  return store.withConnection(async (conn) => {
    const items = await listIncidents(conn, { ...req, limit: req.limit + 1, after: after && { openedAtMs: after[0] as number, incidentId: after[1] as string } });
    return finishPage(items, req.limit, (i) => [i.openedAtMs, i.incidentId]);
  });
}

export function pageOutbox(store: TelemetryStore, req: PageRequest & { status?: OutboxStatus | undefined; incidentId?: string | undefined }): Promise<ListPage<OutboxItem>> {
  const after = decodeCursor(req.cursor, 'nn');
  return store.withConnection(async (conn) => {
    const items = await listOutbox(conn, { ...req, limit: req.limit + 1, after: after && { seq: after[0] as number, outboxId: after[1] as number } });
    return finishPage(items, req.limit, (o) => [o.seq, o.outboxId]);
  });
}
