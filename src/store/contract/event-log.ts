import type { DetectedEvent, StoredEvent } from '../../domain/events/detected-event.ts';
import type { EventChanges, EventQuery, EventWindow } from '../event-repository.ts';

/** Detected moments of truth per device. */
export interface EventLog {
  /**
   * Makes the stored events of `detectors` starting inside the window exactly `events`: same id →
   * updated (first detection time kept), new → created, gone → removed. Idempotent.
   */
  replace(window: EventWindow, detectors: readonly string[], events: readonly DetectedEvent[], nowMs: number): Promise<EventChanges>;
  /** A device's events overlapping [fromMs, toMs), in time order. */
  list(q: EventQuery): Promise<StoredEvent[]>;
}
