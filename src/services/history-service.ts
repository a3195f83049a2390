import type { EventKind, Severity } from '../domain/events/detected-event.ts';
import type { PeriodKind } from '../domain/segmentation/period-stats.ts';
import { listEvents } from '../store/event-repository.ts';
import { listSessions, type StoredSession } from '../store/session-repository.ts';
import type { TelemetryStore } from '../store/telemetry-store.ts';
import type { DeviceService } from './device-service.ts';

type StoredEvents = Awaited<ReturnType<typeof listEvents>>;

/** What the derived pipeline wrote for a known device: its periods (sessions) and its detected events. */
export class HistoryService {
  private readonly store: TelemetryStore;
  private readonly devices: DeviceService;

  constructor(store: TelemetryStore, devices: DeviceService) {
    this.store = store;
    this.devices = devices;
  }

  async sessions(deviceId: string, q: { fromMs?: number | undefined; toMs?: number | undefined; kind?: PeriodKind | undefined } = {}): Promise<StoredSession[]> {
    await this.devices.require(deviceId);
    return this.store.withConnection((conn) => listSessions(conn, { deviceId, ...q }));
  }

  async events(deviceId: string, q: { fromMs?: number | undefined; toMs?: number | undefined; kind?: EventKind | undefined; minSeverity?: Severity | undefined } = {}): Promise<StoredEvents> {
    await this.devices.require(deviceId);
    return this.store.withConnection((conn) => listEvents(conn, { deviceId, ...q }));
  }
}
