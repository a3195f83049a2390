import type { AuditLog } from '../auth/audit-log.ts';
import { MESSAGES } from '../domain/errors/error-catalogue.ts';
import { TelltaleError } from '../domain/errors/telltale-error.ts';
import { inTransaction } from '../store/in-transaction.ts';
import { devicesOfFleet, purgeDeviceRows, type PurgeCounts } from '../store/purge-repository.ts';
import type { TelemetryStore } from '../store/telemetry-store.ts';
import type { DeviceService } from './device-service.ts';

export interface PurgeRequest {
  deviceId: string;
  /** Only what lies before this time (epoch ms); absent: everything, the device included. */
  beforeMs?: number | undefined;
  /** Who asked, for the audit trail. */
  by: { keyId: string | null; role: string };
}

/**
 * A person's data removed everywhere it is stored, in one transaction under the store's write
 * lock (an ingest cannot interleave), and audited. Retention per fleet runs the same purge.
 */
export class PrivacyService {
  private readonly store: TelemetryStore;
  private readonly devices: DeviceService;
  private readonly audit: AuditLog;

  constructor(store: TelemetryStore, devices: DeviceService, audit: AuditLog) {
    this.store = store;
    this.devices = devices;
    this.audit = audit;
  }

  async purge(request: PurgeRequest): Promise<PurgeCounts> {
    if (!(await this.devices.find(request.deviceId))) throw new TelltaleError('NOT_FOUND', MESSAGES.noDevice(request.deviceId));
    const counts = await this.store.writeLock.run(() =>
      this.store.withConnection((conn) => inTransaction(conn, () => purgeDeviceRows(conn, request.deviceId, request.beforeMs ?? null))),
    );
    this.audit.record({
      keyId: request.by.keyId, role: request.by.role, action: 'purge', method: null, route: null, deviceId: request.deviceId,
      fromMs: null, toMs: request.beforeMs ?? null, target: null, status: null, detail: { ...counts },
    });
    await this.audit.flush();
    return counts;
  }

  /** Applies retention periods (fleet → days): each device of a fleet loses what is older than its period. */
  async applyRetention(retentionDays: Readonly<Record<string, number>>): Promise<{ deviceId: string; telemetry: number }[]> {
    const done: { deviceId: string; telemetry: number }[] = [];
    for (const [fleet, days] of Object.entries(retentionDays)) {
      const beforeMs = this.store.now() - days * 86_400_000;
      for (const deviceId of await this.store.withConnection((conn) => devicesOfFleet(conn, fleet))) {
        const counts = await this.purge({ deviceId, beforeMs, by: { keyId: null, role: `retention:${fleet}` } });
        done.push({ deviceId, telemetry: counts.telemetry });
      }
    }
    return done;
  }
}
