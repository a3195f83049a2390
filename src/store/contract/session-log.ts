import type { Period } from '../../domain/segmentation/period-stats.ts';
import type { SessionQuery, StoredSession } from '../session-repository.ts';

/** Drive, charge, park and gap periods per device, recomputed from a point in time on. */
export interface SessionLog {
  /** Makes the device's periods starting at or after `fromMs` (all when undefined) exactly `periods`. */
  replace(deviceId: string, fromMs: number | undefined, periods: readonly Period[]): Promise<void>;
  /** Periods overlapping [fromMs, toMs), oldest first (ties by id). */
  list(q: SessionQuery): Promise<StoredSession[]>;
  get(deviceId: string, sessionId: string): Promise<StoredSession | undefined>;
}
