import type { BackendServices } from '../services/backend-services.ts';
import type { OwnershipView } from './ownership-view.ts';

export interface OwnedBackendWorkOptions {
  /** How often the device list is looked at for rows other processes stored (default 1 s). */
  pollMs?: number | undefined;
  onError?: ((err: unknown, deviceId?: string) => void) | undefined;
}

/** What was derived of a device in this process: rows and last timestamp as the registry said before the derivation. */
interface Derived {
  rowCount: number;
  lastTs: string | null;
}

/**
 * The derived work of a serving process on a contract store (ClickHouse), for the devices whose
 * partition lease it holds. Any process stores uploads; only the owner derives. Each pass:
 *   list the devices (rows, last timestamp) → for each owned device whose figures moved since this
 *   process last derived it: sessions and detection (BackendServices.deriveDevice) → alerts for the
 *   changed events → deliver the owned devices' due notices, each confirmed against the lease log.
 * A device this process has not derived yet (at start, or its partition just gained) is derived
 * over its whole history and every stored event scanned again: the previous owner may have died
 * between any two steps, and every step is keyed (incident id from rule and event, outbox item per
 * incident and step), so the repeat opens and queues only what it left undone.
 * Known limit: rows stored later but timestamped before the last derived row are detected only
 * when the device is derived whole again (the next takeover or restart).
 */
export class OwnedBackendWork {
  private readonly services: BackendServices;
  private readonly ownership: OwnershipView;
  private readonly pollMs: number;
  private readonly onError: (err: unknown, deviceId?: string) => void;
  private readonly derived = new Map<string, Derived>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private unsubscribe: (() => void) | undefined;

  constructor(services: BackendServices, ownership: OwnershipView, options: OwnedBackendWorkOptions = {}) {
    this.services = services;
    this.ownership = ownership;
    this.pollMs = options.pollMs ?? 1_000;
    this.onError = options.onError ?? (() => undefined);
  }

  start(): void {
    this.unsubscribe = this.ownership.onChange((change) => {
      // Whatever this process knew of a lost partition's devices is stale once another owner had it.
      const lost = new Set(change.lost);
      for (const deviceId of [...this.derived.keys()]) if (lost.has(this.ownership.partitionOf(deviceId))) this.derived.delete(deviceId);
      if (change.gained.length > 0) this.nudge();
    });
    this.nudge();
  }

  /** A pass soon (after an upload this process took); passes never overlap, a nudge during one runs another after it. */
  nudge(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.running = this.pass()
      .catch((err: unknown) => this.onError(err))
      .finally(() => {
        this.running = undefined;
        if (this.stopped) return;
        if (this.again) {
          this.again = false;
          this.nudge();
        } else {
          this.timer = setTimeout(() => this.nudge(), this.pollMs);
        }
      });
  }

  /** Resolves once no pass is running (tests and shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.unsubscribe?.();
    await this.running;
  }

  private async pass(): Promise<void> {
    const backend = this.services.backend;
    let afterId: string | undefined;
    for (;;) {
      const page = await backend.devices.list({ afterId, limit: 1000 });
      for (const device of page) {
        if (this.stopped) return;
        if (!this.ownership.owns(device.deviceId)) continue;
        const before = this.derived.get(device.deviceId);
        if (before && before.rowCount === device.rowCount && before.lastTs === device.lastTs) continue;
        try {
          const fromMs = before?.lastTs ? Date.parse(before.lastTs) : undefined;
          const run = await this.services.deriveDevice(device.deviceId, fromMs);
          await this.services.scan(before ? run.changed : run.inWindow);
          // Lost meanwhile: the next owner's view counts, not this one.
          if (this.ownership.owns(device.deviceId)) this.derived.set(device.deviceId, { rowCount: device.rowCount, lastTs: device.lastTs });
        } catch (err) {
          this.onError(err, device.deviceId);
        }
      }
      if (page.length < 1000) break;
      afterId = page[page.length - 1]!.deviceId;
    }
    await this.services.alerts.deliverDue(this.ownership);
  }
}
