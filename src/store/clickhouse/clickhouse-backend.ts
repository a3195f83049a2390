import type { StoreBackend } from '../contract/store-backend.ts';
import {
  advanceIncidentCh, dueOutboxHeadsCh, enqueueOutboxCh, getIncidentCh, linkEventCh, listIncidentsCh, listOutboxCh, markDeadCh, markDeliveredCh,
  markRetryCh, openIncidentCh, widenIncidentCh,
} from './clickhouse-alert-repository.ts';
import {
  addAnnotationCh, getDeviceCh, listAnnotationsCh, listChargersCh, listDevicesCh, putChargersCh, putDeviceFactsCh, removeAnnotationCh,
} from './clickhouse-catalog-repository.ts';
import { ClickHouseConnection } from './clickhouse-connection.ts';
import { getApiKeyCh, insertApiKeyCh, listApiKeysCh, revokeApiKeyCh, revokeApiKeysByLabelCh } from './clickhouse-key-repository.ts';
import { getSessionCh, listEventsCh, listSessionsCh, replaceEventsCh, replaceSessionsCh } from './clickhouse-derived-repository.ts';
import { migrateClickHouse, schemaVersionCh } from './clickhouse-migrations.ts';
import { exportFromPages } from './clickhouse-telemetry-export.ts';
import { appendTelemetry, readFleetStatsCh, readQuarantineCh, readTelemetryColumnsCh } from './clickhouse-telemetry-repository.ts';

export interface ClickHouseBackendOptions {
  /** Injectable clock (epoch ms) for what the store records (quarantine times); row versions always use the real clock. */
  now?: () => number;
}

/**
 * The storage contract on a ClickHouse cluster (18.16 or later): telemetry, sessions and events
 * sharded by device through Distributed tables; the small tables on shard 1. Opening runs the
 * migrations on every shard.
 */
export class ClickHouseBackend implements StoreBackend {
  readonly kind = 'clickhouse' as const;
  readonly conn: ClickHouseConnection;
  readonly now: () => number;

  private constructor(conn: ClickHouseConnection, now: () => number) {
    this.conn = conn;
    this.now = now;
  }

  /** `urls`: every shard's HTTP URL, the first being where the Distributed tables are queried. */
  static async open(urls: readonly string[], database: string, options: ClickHouseBackendOptions = {}): Promise<ClickHouseBackend> {
    const conn = new ClickHouseConnection(urls, database);
    const now = options.now ?? Date.now;
    try {
      await migrateClickHouse(conn, now());
    } catch (err) {
      await conn.close();
      throw err;
    }
    return new ClickHouseBackend(conn, now);
  }

  readonly telemetry: StoreBackend['telemetry'] = {
    append: (batch, rejections, meta) => appendTelemetry(this.conn, batch, rejections, meta, this.now()),
    readColumns: (q) => readTelemetryColumnsCh(this.conn, q),
    quarantined: (batchId) => readQuarantineCh(this.conn, batchId),
    fleetStats: (fromMs, toMs) => readFleetStatsCh(this.conn, fromMs, toMs),
    exportBytes: (q) => exportFromPages((fromMs, limit) => readTelemetryColumnsCh(this.conn, { deviceId: q.deviceId, fromMs, toMs: q.toMs, limit }), q.fromMs, q.format),
  };

  readonly devices: StoreBackend['devices'] = {
    list: (page) => listDevicesCh(this.conn, page),
    get: (deviceId) => getDeviceCh(this.conn, deviceId),
    putFacts: (deviceId, facts) => putDeviceFactsCh(this.conn, deviceId, facts),
  };

  readonly sessions: StoreBackend['sessions'] = {
    replace: (deviceId, fromMs, periods) => replaceSessionsCh(this.conn, deviceId, fromMs, periods),
    list: (q) => listSessionsCh(this.conn, q),
    get: (deviceId, id) => getSessionCh(this.conn, deviceId, id),
  };

  readonly events: StoreBackend['events'] = {
    replace: (window, detectors, events, nowMs) => replaceEventsCh(this.conn, window, detectors, events, nowMs),
    list: (q) => listEventsCh(this.conn, q),
  };

  readonly incidents: StoreBackend['incidents'] = {
    open: (inc, nowMs) => openIncidentCh(this.conn, inc, nowMs),
    get: (id) => getIncidentCh(this.conn, id),
    list: (q) => listIncidentsCh(this.conn, q),
    widen: (id, e, nowMs) => widenIncidentCh(this.conn, id, e, nowMs),
    linkEvent: (link) => linkEventCh(this.conn, link),
    advance: (id, to, by, note, nowMs) => advanceIncidentCh(this.conn, id, to, by, note, nowMs),
  };

  readonly outbox: StoreBackend['outbox'] = {
    enqueue: (item, nowMs) => enqueueOutboxCh(this.conn, item, nowMs),
    dueHeads: (nowMs, limit) => dueOutboxHeadsCh(this.conn, nowMs, limit),
    markDelivered: (id, nowMs) => markDeliveredCh(this.conn, id, nowMs),
    markRetry: (id, at, error) => markRetryCh(this.conn, id, at, error),
    markDead: (id, error, nowMs) => markDeadCh(this.conn, id, error, nowMs),
    list: (q) => listOutboxCh(this.conn, q),
  };

  readonly annotations: StoreBackend['annotations'] = {
    add: (deviceId, a, nowMs) => addAnnotationCh(this.conn, deviceId, a, nowMs),
    list: (q) => listAnnotationsCh(this.conn, q),
    remove: (deviceId, id) => removeAnnotationCh(this.conn, deviceId, id),
  };

  readonly chargers: StoreBackend['chargers'] = {
    put: (list, source, nowMs) => putChargersCh(this.conn, list, source, nowMs),
    list: (page) => listChargersCh(this.conn, page),
  };

  readonly keys: StoreBackend['keys'] = {
    insert: (key) => insertApiKeyCh(this.conn, key),
    get: (keyId) => getApiKeyCh(this.conn, keyId),
    list: () => listApiKeysCh(this.conn),
    revoke: (keyId, nowMs) => revokeApiKeyCh(this.conn, keyId, nowMs),
    revokeByLabel: (label, nowMs) => revokeApiKeysByLabelCh(this.conn, label, nowMs),
  };

  schemaVersion(): Promise<number> {
    return schemaVersionCh(this.conn);
  }

  async close(): Promise<void> {
    await this.conn.close();
  }
}
