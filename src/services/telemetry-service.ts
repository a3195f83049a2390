import { exportTelemetry, exportTelemetryStream, type ExportQuery } from '../store/telemetry-export.ts';
import { readTelemetryColumns, type TelemetryColumns, type TelemetryQuery } from '../store/telemetry-repository.ts';
import type { TelemetryStore } from '../store/telemetry-store.ts';
import type { Readable } from 'node:stream';
import type { DeviceService } from './device-service.ts';

/** Stored telemetry of a known device, read back as columns or exported as a file. */
export class TelemetryService {
  private readonly store: TelemetryStore;
  private readonly devices: DeviceService;

  constructor(store: TelemetryStore, devices: DeviceService) {
    this.store = store;
    this.devices = devices;
  }

  /** NOT_FOUND for an unknown device. */
  async readColumns(q: TelemetryQuery): Promise<TelemetryColumns> {
    await this.devices.require(q.deviceId);
    return this.store.withConnection((conn) => readTelemetryColumns(conn, q));
  }

  /** Writes the range to a file; NOT_FOUND for an unknown device (no empty file is left behind). */
  async exportToFile(q: ExportQuery & { outPath: string }): Promise<{ rows: number }> {
    await this.devices.require(q.deviceId);
    return exportTelemetry(this.store, q);
  }

  /** The same export as a byte stream (HTTP downloads); NOT_FOUND for an unknown device. */
  async exportStream(q: ExportQuery): Promise<Readable> {
    await this.devices.require(q.deviceId);
    return exportTelemetryStream(this.store, q);
  }
}
