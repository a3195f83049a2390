import { insertAuditEntries, listAuditEntries, type AuditEntry, type AuditQuery } from '../store/audit-repository.ts';
import type { TelemetryStore } from '../store/telemetry-store.ts';

/**
 * The audit trail: entries are queued and written in the background (a read must not wait for
 * a write), `flush()` writes what is queued, and reading the trail flushes first.
 */
export class AuditLog {
  private queue: AuditEntry[] = [];
  private writing: Promise<void> = Promise.resolve();
  private readonly store: TelemetryStore;
  private readonly onError: (err: unknown) => void;
  constructor(store: TelemetryStore, onError: (err: unknown) => void = () => undefined) {
    this.store = store;
    this.onError = onError;
  }

  record(entry: Omit<AuditEntry, 'atMs'> & { atMs?: number }): void {
    this.queue.push({ ...entry, atMs: entry.atMs ?? this.store.now() });
    if (this.queue.length === 1) void this.flush();
  }

  flush(): Promise<void> {
    this.writing = this.writing.then(async () => {
      const batch = this.queue;
      this.queue = [];
      if (batch.length > 0) await this.store.withConnection((conn) => insertAuditEntries(conn, batch));
    }).catch((err: unknown) => this.onError(err));
    return this.writing;
  }

  async list(q: AuditQuery): Promise<Awaited<ReturnType<typeof listAuditEntries>>> {
    await this.flush();
    return this.store.withConnection((conn) => listAuditEntries(conn, q));
  }
}
