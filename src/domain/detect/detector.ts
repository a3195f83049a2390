import type { Charger } from '../chargers/charger.ts';
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
}
