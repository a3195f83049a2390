import type { Charger } from '../../domain/chargers/charger.ts';

/** Known chargers, by id. */
export interface ChargerDirectory {
  /** Inserts or replaces by charger id. */
  put(chargers: readonly Charger[], source: string, nowMs: number): Promise<{ created: number; updated: number }>;
  list(page?: { afterId?: string | undefined; limit?: number | undefined }): Promise<Charger[]>;
}
