import type { AnnotationBook } from './annotation-book.ts';
import type { ChargerDirectory } from './charger-directory.ts';
import type { DeviceRegistry } from './device-registry.ts';
import type { EventLog } from './event-log.ts';
import type { IncidentBook } from './incident-book.ts';
import type { KeyBook } from './key-book.ts';
import type { OutboxQueue } from './outbox-queue.ts';
import type { SessionLog } from './session-log.ts';
import type { TelemetryLog } from './telemetry-log.ts';

/**
 * The storage contract: what the services need of a store, whatever engine is under it (the
 * embedded DuckDB file or a ClickHouse cluster). One contract suite (test/store-contract/) runs
 * against every implementation.
 */
export interface StoreBackend {
  readonly kind: 'duckdb' | 'clickhouse';
  readonly telemetry: TelemetryLog;
  readonly devices: DeviceRegistry;
  readonly sessions: SessionLog;
  readonly events: EventLog;
  readonly incidents: IncidentBook;
  readonly outbox: OutboxQueue;
  readonly annotations: AnnotationBook;
  readonly chargers: ChargerDirectory;
  /** API keys, shared by every process on the store. */
  readonly keys: KeyBook;
  /** The latest migration applied (a health check: answers only when the store answers a query). */
  schemaVersion(): Promise<number>;
  close(): Promise<void>;
}
