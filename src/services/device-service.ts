import type { DeviceFacts } from '../domain/devices/device-facts.ts';
import { MESSAGES } from '../domain/errors/error-catalogue.ts';
import { TelltaleError } from '../domain/errors/telltale-error.ts';
import { listDeviceFacets } from '../store/device-overview-repository.ts';
import { getDevice, listDevices, upsertDeviceMetadata, type DeviceSummary } from '../store/telemetry-repository.ts';
import type { TelemetryStore } from '../store/telemetry-store.ts';

/** What PUT /v1/devices/:id may set: the facts detection uses (model, battery, reserve, cut-off…) and the region cohorts group by. */
export type DeviceMetadata = DeviceFacts & { region?: string | undefined };

/** The devices of the store, and the one check that a device exists (every per-device route and command goes through it). */
export class DeviceService {
  private readonly store: TelemetryStore;

  constructor(store: TelemetryStore) {
    this.store = store;
  }

  list(): Promise<DeviceSummary[]> {
    return this.store.withConnection(listDevices);
  }

  /** The filter choices of the fleet overview; a fleet-scoped caller sees only its fleets' values. */
  facets(fleets: readonly string[] | null | undefined): Promise<{ fleets: string[]; models: string[]; firmwares: string[] }> {
    return this.store.withConnection((conn) => listDeviceFacets(conn, fleets ?? undefined));
  }

  find(deviceId: string): Promise<DeviceSummary | undefined> {
    return this.store.withConnection((conn) => getDevice(conn, deviceId));
  }

  /** The device, or NOT_FOUND "no device 'ID'" (HTTP 404, CLI exit 1). */
  async require(deviceId: string): Promise<DeviceSummary> {
    const device = await this.find(deviceId);
    if (!device) throw new TelltaleError('NOT_FOUND', MESSAGES.noDevice(deviceId));
    return device;
  }

  /** Sets the given fields, creating the device if it has no data yet. */
  async setMetadata(deviceId: string, meta: DeviceMetadata): Promise<DeviceSummary> {
    return this.store.withConnection(async (conn) => {
      await this.store.writeLock.run(() => upsertDeviceMetadata(conn, deviceId, meta));
      return (await getDevice(conn, deviceId))!;
    });
  }
}
