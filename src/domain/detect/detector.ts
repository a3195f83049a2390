import type { Charger } from '../chargers/charger.ts';
import type { DeviceFacts } from '../devices/device-facts.ts';
import type { DetectedEvent } from '../events/detected-event.ts';
import type { TelemetrySeries } from '../telemetry-series.ts';

/** What a detector may know besides the telemetry itself. */
export interface DetectContext {
  deviceId: string;
  /** Known charger locations (may be empty). */
  chargers: readonly Charger[];
  /**
   * Only events starting at or after this time are reported; the part of the series before it is
   * context (`lookbackMs` of it), so live detection over a window gives the same events as a batch
   * run over the whole history.
   */
  fromMs: number;
  /**
   * The time the judgement is made (the injectable clock: wall time live, the run's clock in
   * batch). A detector may judge silence with it: a series that ends while moving and has been
   * silent for long enough is a provisional breakdown. Absent: silence is not judged.
   */
  nowMs?: number;
  /** What the device's registration says about it (battery, reserve, model); absent fields use model defaults. */
  device?: DeviceFacts;
}

/**
 * A detector is a pure function of a device's series (in time order) and its context. Detectors
 * that need a model (the energy model, the ONNX breakdown classifier) get it from their factory,
 * so the domain code never touches files or onnxruntime itself.
 */
export interface Detector {
  /** name@version, stored on each event it emits (e.g. 'breakdown@1'). */
  readonly name: string;
  /** How much history before `fromMs` it needs to judge a moment the same way a full run would. */
  readonly lookbackMs: number;
  detect(series: TelemetrySeries, ctx: DetectContext): Promise<DetectedEvent[]>;
  /**
   * When a re-run with no new data could change this detector's result (e.g. the last row was
   * moving: lastTsMs + silence threshold), or undefined. Live detection sets a timer for it.
   */
  wakeAtMs?(series: TelemetrySeries, ctx: DetectContext): number | undefined;
}
