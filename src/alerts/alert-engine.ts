import { createHash } from 'node:crypto';
import { DEFAULT_HYSTERESIS_MS, type AlertRule } from '../domain/alerts/alert-rule.ts';
import type { Incident } from '../domain/alerts/incident.ts';
import type { Severity } from '../domain/events/detected-event.ts';
import { placeEvent } from '../domain/alerts/place-event.ts';
import { ruleMatches } from '../domain/alerts/rule-matches.ts';
import { insertIncidentAnnotation } from '../store/alert-annotation-repository.ts';
import { eventsUpdatedSince, readAlertCursor, writeAlertCursor, type ScannedEvent } from '../store/alert-cursor-repository.ts';
import { listAlertRules } from '../store/alert-rule-repository.ts';
import {
  advanceIncident, getIncident, getIncidents, incidentLinks, incidentSpans, insertIncident, linkEvents, spanKey, updateIncidentSpans,
} from '../store/incident-repository.ts';
import { inTransaction } from '../store/in-transaction.ts';
import { cancelEscalation, enqueueOutbox } from '../store/outbox-repository.ts';
import type { TelemetryStore } from '../store/telemetry-store.ts';
import type { WriteLock } from '../store/write-lock.ts';
import { crashPoint } from '../pipeline/crash-point.ts';
import type { OwnershipView } from '../pipeline/ownership-view.ts';
import { buildNotice, idempotencyKey } from './incident-notice.ts';

export interface AlertEngineOptions {
  /** Serialises the alert tables' writers (engine, worker, ack/resolve) without blocking ingest. */
  lock: WriteLock;
  now?: () => number;
  /**
   * Set: also scan on this interval (for events written by something other than the pipeline).
   * Unset: scans are event-driven. Either way, the wait before retrying a failed scan (default 200).
   */
  scanIntervalMs?: number;
  /**
   * How far behind the cursor each scan looks again. Detection transactions can commit out of
   * `updated_at` order; re-reading a few seconds is cheap because events already seen at the same
   * version are skipped.
   */
  overlapMs?: number;
  /** Rules are cached between scans for at most this long (the API also invalidates on change). */
  rulesTtlMs?: number;
  /** Prefix for replay links in notices, e.g. 'https://telltale.example.com'. */
  publicUrl?: string;
  onError?: (err: unknown) => void;
  /**
   * Several processes on one store: only owned devices' events are acted on, and the cursor is
   * kept per partition, so a partition's new owner goes on from where the old one committed.
   */
  ownership?: OwnershipView;
}

export type IncidentListener = (incident: Incident) => void;

const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };
const incidentIdFor = (ruleId: string, eventId: string) => `inc_${createHash('sha256').update(`${ruleId}\u0000${eventId}`).digest('hex').slice(0, 20)}`;

/**
 * Turns detected events into incidents and queued notices; scans run when the pipeline says
 * events changed (no polling). Each scan is one transaction:
 *   read cursor → events changed since (minus overlap) → rules that match → place each event
 *   (attach or open) → queue the escalation ladder of new incidents → move the cursor.
 * A crash anywhere leaves either all of it or none of it, and the next scan starts from the cursor.
 */
export class AlertEngine {
  private readonly store: TelemetryStore;
  private readonly lock: WriteLock;
  private readonly now: () => number;
  private readonly options: AlertEngineOptions;
  private readonly listeners = new Set<IncidentListener>();
  private readonly queuedListeners = new Set<() => void>();
  private timer: NodeJS.Timeout | undefined;
  private scanning: Promise<number> | undefined;
  /** The cursor as last committed (null: not read yet; undefined: no scan ever committed). */
  private cursorMs: number | undefined | null = null;
  /** With ownership: the committed cursor of each owned partition (undefined: never scanned). */
  private readonly partitionCursors = new Map<number, number | undefined>();
  /** Event versions handled by committed scans, within the overlap window. */
  private readonly seen = new Map<string, number>();
  private rules: { list: AlertRule[]; readAtMs: number } | undefined;
  private rescan = false;
  private started = false;
  private pollTimer: NodeJS.Timeout | undefined;

  constructor(store: TelemetryStore, options: AlertEngineOptions) {
    this.store = store;
    this.lock = options.lock;
    this.now = options.now ?? store.now;
    this.options = options;
    options.ownership?.onChange((change) => {
      for (const p of change.lost) this.partitionCursors.delete(p);
      // A gained partition's events since its old owner's cursor are scanned at once.
      if (change.gained.length > 0 && this.started) void this.nudge();
    });
  }

  /** Incident opened, updated, acknowledged or resolved (after the change is committed). */
  onIncidentChange(listener: IncidentListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Notices were queued: the delivery worker need not wait for its next poll. */
  onQueued(listener: () => void): () => void {
    this.queuedListeners.add(listener);
    return () => this.queuedListeners.delete(listener);
  }

  /**
   * Scans once (whatever changed while the service was down), then whenever it is nudged: the
   * derived-data pipeline nudges after every commit that changed events, so by default nothing
   * polls. A scan that fails is retried `scanIntervalMs` (default 200 ms) later. Only when
   * `scanIntervalMs` is configured does the engine also scan on that interval, for deployments
   * where something other than Telltale writes the events table.
   */
  start(): void {
    if (this.started) return;
    this.started = true;
    const interval = this.options.scanIntervalMs;
    if (interval !== undefined) {
      const loop = () => {
        this.pollTimer = setTimeout(() => void this.nudge().finally(() => this.started && loop()), interval);
      };
      loop();
    }
    void this.nudge();
  }

  async stop(): Promise<void> {
    this.started = false;
    clearTimeout(this.pollTimer);
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.scanning?.catch(() => undefined);
  }

  /** Scan now (e.g. the detection service just wrote events); coalesces with a scan in progress. */
  nudge(): Promise<number> {
    if (this.scanning) {
      this.rescan = true;
      return this.scanning;
    }
    const run = async (): Promise<number> => {
      let total = 0;
      do {
        this.rescan = false;
        try {
          total += await this.scanOnce();
        } catch (err) {
          this.options.onError?.(err);
          if (this.started && !this.timer) {
            this.timer = setTimeout(() => {
              this.timer = undefined;
              void this.nudge();
            }, this.options.scanIntervalMs ?? 200);
          }
          break;
        }
      } while (this.rescan);
      return total;
    };
    this.scanning = run().finally(() => (this.scanning = undefined));
    return this.scanning;
  }

  /** Rules are re-read after a change through `rulesChanged` and at most `rulesTtlMs` after the last read. */
  rulesChanged(): void {
    this.rules = undefined;
  }

  private async currentRules(): Promise<AlertRule[]> {
    const nowMs = Date.now();
    if (!this.rules || nowMs - this.rules.readAtMs > (this.options.rulesTtlMs ?? 2000)) {
      const list = await this.store.withConnection(listAlertRules);
      this.rules = { list: list.filter((r) => r.enabled !== false), readAtMs: nowMs };
    }
    return this.rules.list;
  }

  /**
   * One scan; returns how many (rule, event) pairs it acted on. The events are read first, outside
   * any transaction: a scan that finds only versions it has already handled ends there, with one
   * query. Handled versions are also recorded in incident_events, so a restart (empty memory)
   * never acts on the same version twice.
   */
  async scanOnce(): Promise<number> {
    const rules = await this.currentRules();
    const own = this.options.ownership;
    const partitions = own?.ownedPartitions() ?? [];
    if (own && partitions.length === 0) return 0;
    if (own) await this.readPartitionCursors(partitions);
    else if (this.cursorMs === null) this.cursorMs = await this.store.withConnection((conn) => readAlertCursor(conn));
    const startCursor = own ? this.lowestCursor(partitions) : this.cursorMs ?? undefined;
    const overlapMs = this.options.overlapMs ?? 10_000;
    const sinceMs = startCursor === undefined ? -8.64e15 : startCursor - overlapMs;
    const all = await this.store.withConnection((conn) => eventsUpdatedSince(conn, sinceMs));
    const events = all.filter((e) => this.seen.get(e.eventId) !== e.updatedAtMs && (!own || own.owns(e.deviceId)));
    if (events.length === 0) return 0;
    const { changed, queued, acted, cursor } = await this.lock.run(() => this.store.withConnection(async (conn) => {
      const nowMs = this.now();
      const changed = new Set<string>();
      let queued = 0;
      let acted = 0;
      let cursor = startCursor;
      await inTransaction(conn, async () => {
        const placed = await this.place(conn, events, rules, nowMs);
        for (const id of placed.changed) changed.add(id);
        queued += placed.queued;
        acted += placed.acted;
        if (own) {
          // Every owned partition's events up to the last one read were handled by this scan.
          const lastMs = Math.max(...all.map((e) => e.updatedAtMs));
          for (const p of partitions) {
            const before = this.partitionCursors.get(p);
            if (before === undefined || lastMs > before) await writeAlertCursor(conn, lastMs, `events:p${p}`);
          }
          cursor = lastMs;
        } else {
          const lastMs = Math.max(...events.map((e) => e.updatedAtMs));
          if (cursor === undefined || lastMs > cursor) {
            await writeAlertCursor(conn, lastMs);
            cursor = lastMs;
          }
        }
      });
      return { changed, queued, acted, cursor };
    }));
    await crashPoint('alerts:after-scan');
    if (own) {
      for (const p of partitions) if (this.partitionCursors.has(p) && cursor !== undefined && cursor > (this.partitionCursors.get(p) ?? -Infinity)) this.partitionCursors.set(p, cursor);
    } else this.cursorMs = cursor;
    for (const e of events) this.seen.set(e.eventId, e.updatedAtMs);
    // Only versions the next scans can still read need remembering.
    if (cursor !== undefined) for (const [id, updatedAtMs] of this.seen) if (updatedAtMs < cursor - overlapMs) this.seen.delete(id);
    if (queued > 0) for (const l of this.queuedListeners) l();
    if (changed.size > 0 && this.listeners.size > 0) {
      const incidents = await this.store.withConnection((conn) => getIncidents(conn, [...changed]));
      for (const inc of incidents) this.emit(inc);
    }
    return acted;
  }

  /**
   * Places each event under each rule that matches it (attach to an incident or open one, queueing
   * the new incident's ladder), inside the caller's transaction.
   */
  private async place(conn: Parameters<typeof enqueueOutbox>[0], events: readonly ScannedEvent[], rules: readonly AlertRule[], nowMs: number): Promise<{ changed: Set<string>; queued: number; acted: number }> {
    const changed = new Set<string>();
    let queued = 0;
    let acted = 0;
    // Updates of existing incidents and the links are written in bulk at the end of the scan,
    // merged per incident (widest span, highest severity, latest summary) and per link.
    const spanUpdates = new Map<string, { incidentId: string; startMs: number; endMs: number; severity: Severity; summary: string }>();
    const newLinks = new Map<string, { incidentId: string; ruleId: string; eventId: string; eventUpdatedAtMs: number }>();
    if (events.length > 0 && rules.length > 0) {
      const links = await incidentLinks(conn, events.map((e) => e.eventId));
      const maxHysteresis = Math.max(...rules.map((r) => r.hysteresisMs ?? DEFAULT_HYSTERESIS_MS));
      const minStart = Math.min(...events.map((e) => e.startMs));
      const spans = await incidentSpans(conn, events.map((e) => e.deviceId), minStart - maxHysteresis);
      for (const event of events) {
        for (const rule of rules) {
          if (!ruleMatches(rule, event)) continue;
          const link = links.get(`${rule.ruleId}\u0000${event.eventId}`);
          if (link && link.eventUpdatedAtMs === event.updatedAtMs) continue;
          acted++;
          const key = spanKey(rule.ruleId, event.deviceId, event.kind);
          const list = spans.get(key) ?? [];
          const endMs = event.endMs ?? event.startMs;
          const placement = placeEvent(event, link?.incidentId, list, rule.hysteresisMs ?? DEFAULT_HYSTERESIS_MS);
          let incidentId: string;
          if (placement.action === 'open') {
            incidentId = incidentIdFor(rule.ruleId, event.eventId);
            await insertIncident(conn, { incidentId, ruleId: rule.ruleId, deviceId: event.deviceId, kind: event.kind, severity: event.severity,
              summary: event.summary, startMs: event.startMs, endMs, lat: event.lat, lon: event.lon }, nowMs);
            queued += await this.queueLadder(conn, rule, incidentId, event, nowMs);
            list.push({ incidentId, state: 'open', startMs: event.startMs, endMs });
            spans.set(key, list);
          } else {
            incidentId = placement.incidentId;
            const before = spanUpdates.get(incidentId);
            spanUpdates.set(incidentId, {
              incidentId, startMs: Math.min(before?.startMs ?? Infinity, event.startMs), endMs: Math.max(before?.endMs ?? -Infinity, endMs),
              severity: before && SEVERITY_RANK[before.severity] > SEVERITY_RANK[event.severity] ? before.severity : event.severity, summary: event.summary,
            });
            const span = list.find((s) => s.incidentId === incidentId);
            if (span) {
              span.startMs = Math.min(span.startMs, event.startMs);
              span.endMs = Math.max(span.endMs, endMs);
            }
          }
          newLinks.set(`${rule.ruleId}\u0000${event.eventId}`, { incidentId, ruleId: rule.ruleId, eventId: event.eventId, eventUpdatedAtMs: event.updatedAtMs });
          links.set(`${rule.ruleId}\u0000${event.eventId}`, { incidentId, eventUpdatedAtMs: event.updatedAtMs });
          changed.add(incidentId);
        }
      }
    }
    await updateIncidentSpans(conn, [...spanUpdates.values()], nowMs);
    await linkEvents(conn, [...newLinks.values()]);
    return { changed, queued, acted };
  }

  /**
   * Applies one rule to every event already stored (a rule is otherwise applied only to events
   * that change after it is created): what POST /v1/alert-rules?applyToExisting=true and
   * `alert-rules add --apply-to-existing` ask for. New incidents queue their ladder like any other.
   * Serialised with scans by the alert lock; events a scan already placed under this rule are skipped.
   */
  async applyToStored(rule: AlertRule): Promise<number> {
    if (rule.enabled === false) return 0;
    const events = await this.store.withConnection((conn) => eventsUpdatedSince(conn, -8.64e15));
    const placed = await this.lock.run(() => this.store.withConnection((conn) => inTransaction(conn, () => this.place(conn, events, [rule], this.now()))));
    if (placed.queued > 0) for (const l of this.queuedListeners) l();
    if (placed.changed.size > 0 && this.listeners.size > 0) {
      const incidents = await this.store.withConnection((conn) => getIncidents(conn, [...placed.changed]));
      for (const inc of incidents) this.emit(inc);
    }
    return placed.acted;
  }

  private async readPartitionCursors(partitions: readonly number[]): Promise<void> {
    const missing = partitions.filter((p) => !this.partitionCursors.has(p));
    if (missing.length === 0) return;
    await this.store.withConnection(async (conn) => {
      for (const p of missing) this.partitionCursors.set(p, await readAlertCursor(conn, `events:p${p}`));
    });
  }

  private lowestCursor(partitions: readonly number[]): number | undefined {
    let lowest = Infinity;
    for (const p of partitions) {
      const c = this.partitionCursors.get(p);
      if (c === undefined) return undefined;
      lowest = Math.min(lowest, c);
    }
    return lowest;
  }

  private async queueLadder(conn: Parameters<typeof enqueueOutbox>[0], rule: AlertRule, incidentId: string, event: Parameters<typeof buildNotice>[2], nowMs: number): Promise<number> {
    for (const [index, step] of rule.escalation.entries()) {
      const receiver = rule.receivers.find((r) => r.name === step.receiver);
      if (!receiver) throw new Error(`rule '${rule.ruleId}': escalation step ${index} names no receiver '${step.receiver}'`);
      const notice = buildNotice(rule, incidentId, event, step, index, nowMs, this.options.publicUrl ?? '');
      await enqueueOutbox(conn, {
        idempotencyKey: idempotencyKey(incidentId, index), incidentId, step: index, receiver: receiver.name, receiverUrl: receiver.url,
        receiverSecret: receiver.secret, deviceId: event.deviceId, payload: JSON.stringify(notice), dueAtMs: nowMs + step.delayMs,
      }, nowMs);
    }
    return rule.escalation.length;
  }

  /**
   * Acknowledge or resolve: the state moves forward only, unsent escalation steps are cancelled,
   * and a note becomes an annotation on the device's timeline — all in one transaction.
   * Returns undefined when there is no such incident.
   */
  async advance(incidentId: string, to: 'acknowledged' | 'resolved', by: string | null, note: string | null): Promise<Incident | undefined> {
    const result = await this.lock.run(() => this.store.withConnection(async (conn) => {
      const nowMs = this.now();
      const moved = await inTransaction(conn, async () => {
        const incident = await getIncident(conn, incidentId);
        if (!incident) return undefined;
        const before = await advanceIncident(conn, incidentId, to, by, note, nowMs);
        const moved = before !== to && before !== 'resolved';
        if (moved) await cancelEscalation(conn, incidentId);
        if (moved && note) {
          await insertIncidentAnnotation(conn, {
            deviceId: incident.deviceId, startMs: incident.startMs, endMs: incident.endMs, text: note, author: by,
            tags: ['incident', to === 'acknowledged' ? 'ack' : 'resolve', incident.kind], claim: { incidentId, state: to },
          }, nowMs);
        }
        return moved;
      });
      return moved === undefined ? undefined : { incident: (await getIncident(conn, incidentId))!, moved };
    }));
    if (result?.moved) this.emit(result.incident);
    return result?.incident;
  }

  private emit(incident: Incident): void {
    for (const l of this.listeners) {
      try {
        l(incident);
      } catch (err) {
        this.options.onError?.(err);
      }
    }
  }
}
