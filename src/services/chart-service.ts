import { ChartRenderPool } from '../chart/chart-render-pool.ts';
import { produceChart, type ChartRequest, type ProducedChart } from '../chart/produce-chart.ts';
import type { TelemetryStore } from '../store/telemetry-store.ts';
import type { DeviceService } from './device-service.ts';

/** Charts of a range or a session, the one path shared by the HTTP route and `telltale plot`. */
export class ChartService {
  private readonly store: TelemetryStore;
  private readonly devices: DeviceService;
  /** Created at the first chart: commands that never draw start no threads. */
  private pool: ChartRenderPool | undefined;

  constructor(store: TelemetryStore, devices: DeviceService) {
    this.store = store;
    this.devices = devices;
  }

  /** NOT_FOUND for an unknown device or session, or nothing logged in the range; TOO_MANY_PIXELS past the budget; TOO_BUSY when the pool's queue is full. */
  async produce(request: ChartRequest): Promise<ProducedChart> {
    await this.devices.require(request.deviceId);
    this.pool ??= new ChartRenderPool();
    const pool = this.pool;
    return produceChart(this.store, request, (spec, options) => pool.render(spec, options));
  }

  async close(): Promise<void> {
    await this.pool?.close();
    this.pool = undefined;
  }
}
