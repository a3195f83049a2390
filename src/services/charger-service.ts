import type { Charger } from '../domain/chargers/charger.ts';
import { listChargers, upsertChargers } from '../store/charger-repository.ts';
import type { TelemetryStore } from '../store/telemetry-store.ts';

/** Charger locations used by the detectors: listed, and upserted by charger id. */
export class ChargerService {
  private readonly store: TelemetryStore;

  constructor(store: TelemetryStore) {
    this.store = store;
  }

  list(): Promise<Charger[]> {
    return this.store.withConnection((conn) => listChargers(conn));
  }

  /** `source` says where they came from (a file name, `http:IP`). */
  upsert(chargers: readonly Charger[], source: string): Promise<{ created: number; updated: number }> {
    return this.store.withConnection((conn) => upsertChargers(conn, chargers, source, this.store.now()));
  }
}
