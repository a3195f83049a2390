import { buffer } from 'node:stream/consumers';
import type { TelemetryBatch } from '../domain/telemetry-batch.ts';
import type { RowRejection } from '../domain/validate-chunk.ts';
import { deleteAnnotation, insertAnnotation, listAnnotations } from './annotation-repository.ts';
import { getApiKey, insertApiKey, listApiKeys, revokeApiKey, revokeApiKeysByLabel } from './api-key-repository.ts';
import { listChargers, upsertChargers } from './charger-repository.ts';
import type { StoreBackend } from './contract/store-backend.ts';
import type { AppendResult } from './contract/telemetry-log.ts';
import { listEvents, replaceEvents } from './event-repository.ts';
import { readFleetStats } from './fleet-stats-repository.ts';
import { advanceIncident, getIncident, insertIncident, linkEvent, listIncidents, updateIncidentSpan } from './incident-repository.ts';
import { dueOutboxHeads, enqueueOutbox, listOutbox, markDead, markDelivered, markRetry } from './outbox-repository.ts';
import { readQuarantine } from './quarantine-repository.ts';
import { getSession, listSessions, replaceSessions } from './session-repository.ts';
import type { BatchMeta } from './contract/ingest-batch.ts';
import { StagedIngest } from './staged-ingest.ts';
import { exportTelemetryStream } from './telemetry-export.ts';
import { getDevice, listDevices, readTelemetryColumns, upsertDeviceMetadata } from './telemetry-repository.ts';
import { TelemetryStore, type StoreConnection, type StoreOptions } from './telemetry-store.ts';

/**
 * The storage contract over the embedded DuckDB file: every method delegates to the repository
 * functions the services already use, each on a connection of its own.
 */
export class DuckDbBackend implements StoreBackend {
  readonly kind = 'duckdb' as const;
  readonly store: TelemetryStore;
  private readonly ownsStore: boolean;

  constructor(store: TelemetryStore, ownsStore = false) {
    this.store = store;
    this.ownsStore = ownsStore;
  }

  static async open(path: string, options: StoreOptions = {}): Promise<DuckDbBackend> {
    return new DuckDbBackend(await TelemetryStore.open(path, options), true);
  }

  private with<T>(work: (conn: StoreConnection) => Promise<T>): Promise<T> {
    return this.store.withConnection(work);
  }

  readonly telemetry: StoreBackend['telemetry'] = {
    append: async (batch: TelemetryBatch, rejections: readonly RowRejection[], meta: BatchMeta): Promise<AppendResult> => {
      const staged = await StagedIngest.begin(this.store, meta);
      try {
        await staged.append(batch);
        await staged.reject(rejections);
      } catch (err) {
        await staged.abort((err as Error).message);
        throw err;
      }
      const c = await staged.commit();
      return { batchId: c.batchId, accepted: c.accepted, duplicates: c.duplicates, rejected: c.rejected, touched: c.touched };
    },
    readColumns: (q) => this.with((conn) => readTelemetryColumns(conn, q)),
    quarantined: (batchId) => this.with((conn) => readQuarantine(conn, batchId)),
    fleetStats: (fromMs, toMs) => this.with((conn) => readFleetStats(conn, fromMs, toMs)),
    exportBytes: async (q) => {
      const format = q.format === 'arrow' ? 'arrows' : q.format;
      return new Uint8Array(await buffer(exportTelemetryStream(this.store, { deviceId: q.deviceId, fromMs: q.fromMs, toMs: q.toMs, format })));
    },
  };

  readonly devices: StoreBackend['devices'] = {
    list: (page) => this.with((conn) => listDevices(conn, page)),
    get: (deviceId) => this.with((conn) => getDevice(conn, deviceId)),
    putFacts: (deviceId, facts) => this.with((conn) => upsertDeviceMetadata(conn, deviceId, facts)),
  };

  readonly sessions: StoreBackend['sessions'] = {
    replace: (deviceId, fromMs, periods) => this.store.writeLock.run(() => this.with((conn) => replaceSessions(conn, deviceId, fromMs, periods))),
    list: (q) => this.with((conn) => listSessions(conn, q)),
    get: (deviceId, id) => this.with((conn) => getSession(conn, deviceId, id)),
  };

  readonly events: StoreBackend['events'] = {
    replace: (window, detectors, events, nowMs) => this.store.writeLock.run(() => this.with((conn) => replaceEvents(conn, window, detectors, events, nowMs))),
    list: (q) => this.with((conn) => listEvents(conn, q)),
  };

  readonly incidents: StoreBackend['incidents'] = {
    open: (inc, nowMs) => this.with((conn) => insertIncident(conn, inc, nowMs)),
    get: (id) => this.with((conn) => getIncident(conn, id)),
    list: (q) => this.with((conn) => listIncidents(conn, q)),
    widen: (id, e, nowMs) => this.with((conn) => updateIncidentSpan(conn, id, e, nowMs)),
    linkEvent: (link) => this.with((conn) => linkEvent(conn, link)),
    advance: (id, to, by, note, nowMs) => this.with((conn) => advanceIncident(conn, id, to, by, note, nowMs)),
  };

  readonly outbox: StoreBackend['outbox'] = {
    enqueue: (item, nowMs) => this.with((conn) => enqueueOutbox(conn, item, nowMs)),
    dueHeads: (nowMs, limit) => this.with((conn) => dueOutboxHeads(conn, nowMs, limit)),
    markDelivered: (id, nowMs) => this.with((conn) => markDelivered(conn, id, nowMs)),
    markRetry: (id, at, error) => this.with((conn) => markRetry(conn, id, at, error)),
    markDead: (id, error, nowMs) => this.with((conn) => markDead(conn, id, error, nowMs)),
    list: (q) => this.with((conn) => listOutbox(conn, q)),
  };

  readonly annotations: StoreBackend['annotations'] = {
    add: (deviceId, a, nowMs) => this.with((conn) => insertAnnotation(conn, deviceId, a, nowMs)),
    list: (q) => this.with((conn) => listAnnotations(conn, q)),
    remove: (deviceId, id) => this.with((conn) => deleteAnnotation(conn, deviceId, id)),
  };

  readonly chargers: StoreBackend['chargers'] = {
    put: (list, source, nowMs) => this.with((conn) => upsertChargers(conn, list, source, nowMs)),
    list: (page) => this.with((conn) => listChargers(conn, page)),
  };

  readonly keys: StoreBackend['keys'] = {
    insert: (key) => this.with((conn) => insertApiKey(conn, key)),
    get: (keyId) => this.with((conn) => getApiKey(conn, keyId)),
    list: () => this.with(listApiKeys),
    revoke: (keyId, nowMs) => this.with((conn) => revokeApiKey(conn, keyId, nowMs)),
    revokeByLabel: (label, nowMs) => this.with((conn) => revokeApiKeysByLabel(conn, label, nowMs)),
  };

  schemaVersion(): Promise<number> {
    return this.store.schemaVersion();
  }

  async close(): Promise<void> {
    if (this.ownsStore) await this.store.close();
  }
}
