import { produceChart, type ChartRequest, type ProducedChart } from '../chart/produce-chart.ts';
import type { TelemetryStore } from '../store/telemetry-store.ts';

/** Charts of a range or a session, the one path shared by the HTTP route and `telltale plot`. */
export class ChartService {
  private readonly store: TelemetryStore;

  constructor(store: TelemetryStore) {
    this.store = store;
  }

  /** NOT_FOUND for an unknown device or session, or nothing logged in the range. */
  produce(request: ChartRequest): Promise<ProducedChart> {
    return produceChart(this.store, request);
  }
}
