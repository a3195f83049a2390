import { produceChart, type ChartRequest, type ProducedChart } from '../chart/produce-chart.ts';
import type { TelemetryStore } from '../store/telemetry-store.ts';
import type { DeviceService } from './device-service.ts';

/** Charts of a range or a session, the one path shared by the HTTP route and `telltale plot`. */
export class ChartService {
  private readonly store: TelemetryStore;
  private readonly devices: DeviceService;

  constructor(store: TelemetryStore, devices: DeviceService) {
    this.store = store;
    this.devices = devices;
  }

  /** NOT_FOUND for an unknown device or session, or nothing logged in the range. */
  async produce(request: ChartRequest): Promise<ProducedChart> {
    await this.devices.require(request.deviceId);
    return produceChart(this.store, request);
  }
}
