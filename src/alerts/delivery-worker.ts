import { decideRetry, type AttemptOutcome } from '../domain/alerts/retry-policy.ts';
import { mulberry32 } from '../domain/seeded-random.ts';
import { signWebhook } from '../domain/alerts/webhook-signature.ts';
import { dueOutboxHeads, markDead, nextOutboxWakeMs, markDelivered, markRetry, replayOutboxItem, type OutboxDelivery, type OutboxItem } from '../store/outbox-repository.ts';
import type { TelemetryStore } from '../store/telemetry-store.ts';
import type { WriteLock } from '../store/write-lock.ts';
import { DEFAULT_DELIVERY, type DeliveryOptions } from './delivery-options.ts';
import { postWebhook, WebhookTargetRefused } from './post-webhook.ts';
import type { OwnershipView } from '../pipeline/ownership-view.ts';

export interface DeliveryWorkerOptions {
  lock: WriteLock;
  delivery?: Partial<DeliveryOptions>;
  now?: () => number;
  random?: () => number;
  onError?: (err: unknown) => void;
  onAttempt?: (item: OutboxDelivery, outcome: AttemptOutcome) => void;
  /** Inside addresses (loopback, private, link-local, metadata) that may still be posted to: TELLTALE_WEBHOOK_ALLOW. */
  webhookAllow?: readonly string[] | undefined;
  /**
   * Several processes on one store: only owned devices' notices are sent here, and each send is
   * fenced: right before the POST the lease is read again, so a process that lost a device's
   * partition (paused, partitioned away) sends nothing its successor will send too.
   */
  ownership?: OwnershipView;
}

/**
 * Sends queued notices. Each (receiver, device) is a lane: one item at a time, in queue order, so
 * a device's notices arrive in order; lanes run concurrently, up to `perReceiverConcurrency` per
 * receiver, so a receiver that hangs holds up only its own lanes until the timeout.
 * State lives in the outbox: a crash mid-send means the item is sent again after restart, with the
 * same idempotency key (at least once; exactly once at a receiver that de-duplicates).
 */
export class DeliveryWorker {
  private readonly store: TelemetryStore;
  private readonly lock: WriteLock;
  private readonly options: DeliveryOptions;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly hooks: DeliveryWorkerOptions;
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly perReceiver = new Map<string, number>();
  /** Lanes whose last send the lease refused: left alone until ownership changes. */
  private readonly fencedLanes = new Set<string>();
  private readonly stopping = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private started = false;
  private pumping: Promise<void> | undefined;
  private again = false;

  constructor(store: TelemetryStore, options: DeliveryWorkerOptions) {
    this.store = store;
    this.lock = options.lock;
    this.options = { ...DEFAULT_DELIVERY, ...options.delivery };
    this.now = options.now ?? store.now;
    this.random = options.random ?? mulberry32(this.options.seed);
    this.hooks = options;
    options.ownership?.onChange((change) => {
      this.fencedLanes.clear();
      if (change.gained.length > 0 && this.started) void this.nudge();
    });
  }

  /**
   * Looks for due items now and from then on whenever something can have come due: the engine
   * queued notices (nudge), a lane finished, or the earliest future due or retry time passed (one
   * timer, armed only while such an item exists). An idle server runs no timer at all.
   */
  start(): void {
    if (this.started) return;
    this.started = true;
    void this.nudge();
  }

  /** Stops and abandons sends in flight: they stay pending and go again after restart. */
  async stop(): Promise<void> {
    this.started = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.stopping.abort();
    await this.pumping;
    await Promise.allSettled([...this.inFlight.values()]);
  }

  /** Look for due items now; coalesces with a look in progress. */
  nudge(): Promise<void> {
    if (this.stopping.signal.aborted) return Promise.resolve();
    if (this.pumping) {
      this.again = true;
      return this.pumping;
    }
    this.pumping = this.pump();
    return this.pumping;
  }

  /**
   * One look, repeated while nudges arrived during it. A nudge can land while the timer is being
   * armed (its read of the next wake time saw a queue the engine has since added to), so the flag
   * is checked after arming too; and the pump lets go of `pumping` in the same synchronous step as
   * its last check, so no nudge can land on a pump that has already decided to end.
   */
  private async pump(): Promise<void> {
    try {
      do {
        this.again = false;
        try {
          await this.startDue();
        } catch (err) {
          this.hooks.onError?.(err);
        }
        if (this.again) continue;
        await this.armTimer().catch((err: unknown) => this.hooks.onError?.(err));
      } while (this.again && !this.stopping.signal.aborted);
    } finally {
      this.pumping = undefined;
    }
  }

  /** For tests and the CLI: send until nothing is due at the current clock. */
  async drain(): Promise<void> {
    for (;;) {
      await this.nudge();
      if (this.inFlight.size === 0) return;
      await Promise.allSettled([...this.inFlight.values()]);
    }
  }

  /** Puts a dead letter (or a delivered item) back in the queue with a fresh budget and the same key. */
  async replay(outboxId: number): Promise<OutboxItem | undefined> {
    const item = await this.lock.run(() => this.store.withConnection((conn) => replayOutboxItem(conn, outboxId, this.now())));
    if (item) void this.nudge();
    return item;
  }

  /** The one timer: for the earliest pending item that is not due yet (retries, escalation rungs). */
  private async armTimer(): Promise<void> {
    if (!this.started || this.stopping.signal.aborted) return;
    const nowMs = this.now();
    const wakeMs = await this.store.withConnection((conn) => nextOutboxWakeMs(conn, nowMs));
    clearTimeout(this.timer);
    this.timer = undefined;
    if (wakeMs === undefined || !this.started) return;
    // Timers hold at most ~24.8 days; a later item is looked at again then.
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.nudge();
    }, Math.min(Math.max(0, wakeMs - nowMs), 2 ** 31 - 1));
  }

  private async startDue(): Promise<void> {
    // The lanes are read and claimed under the same lock that records outcomes, so a lane that
    // just finished can never be read as still pending and sent twice.
    await this.lock.run(async () => {
      const own = this.hooks.ownership;
      const heads = await this.store.withConnection((conn) => dueOutboxHeads(conn, this.now(), own ? 10_000 : 1000));
      for (const item of heads) {
        if (own && !own.owns(item.deviceId)) continue;
        const lane = `${item.receiverUrl}\u0000${item.deviceId}`;
        if (this.fencedLanes.has(lane)) continue;
        const busy = this.perReceiver.get(item.receiverUrl) ?? 0;
        if (this.inFlight.has(lane) || busy >= this.options.perReceiverConcurrency) continue;
        this.perReceiver.set(item.receiverUrl, busy + 1);
        const done = this.deliver(item, lane);
        this.inFlight.set(lane, done);
      }
    });
  }

  private async deliver(item: OutboxDelivery, lane: string): Promise<void> {
    let outcome: AttemptOutcome | undefined;
    let fenced = false;
    try {
      // Fenced: no attempt is made or recorded without the lease; the item stays pending for the owner.
      const own = this.hooks.ownership;
      if (own) {
        fenced = true;
        fenced = !(await own.confirm(item.deviceId));
        if (fenced) this.fencedLanes.add(lane);
      }
      if (!fenced) outcome = await this.send(item);
      if (this.stopping.signal.aborted && outcome?.kind !== 'delivered') outcome = undefined;
      if (outcome) this.hooks.onAttempt?.(item, outcome);
    } catch (err) {
      this.hooks.onError?.(err);
    }
    await this.lock.run(async () => {
      try {
        if (outcome) await this.record(item, outcome);
      } catch (err) {
        this.hooks.onError?.(err);
      } finally {
        this.inFlight.delete(lane);
        this.perReceiver.set(item.receiverUrl, (this.perReceiver.get(item.receiverUrl) ?? 1) - 1);
      }
    });
    // The lane's next item (same device) can go at once; a fenced lane waits for the ownership round that drops it.
    if (!fenced) void this.nudge();
  }

  private async send(item: OutboxDelivery): Promise<AttemptOutcome> {
    const timestampSec = Math.floor(this.now() / 1000);
    try {
      const response = await postWebhook(item.receiverUrl, {
        headers: {
          'content-type': 'application/json',
          'user-agent': 'telltale-alerts/1',
          'telltale-idempotency-key': item.idempotencyKey,
          'telltale-timestamp': String(timestampSec),
          'telltale-signature': signWebhook(item.receiverSecret, timestampSec, item.payload),
          'telltale-attempt': String(item.attempts + 1),
        },
        body: item.payload,
        signal: AbortSignal.any([AbortSignal.timeout(this.options.timeoutMs), this.stopping.signal]),
        allow: this.hooks.webhookAllow ?? [],
      });
      if (response.status >= 200 && response.status < 300) return { kind: 'delivered', status: response.status };
      return { kind: 'http', status: response.status, retryAfter: response.retryAfter };
    } catch (err) {
      const e = err as Error;
      // node:http reports an aborted request as AbortError with the signal's reason as its cause.
      if (e.name === 'TimeoutError' || (e.name === 'AbortError' && (e.cause as Error | undefined)?.name === 'TimeoutError')) return { kind: 'timeout' };
      if (err instanceof WebhookTargetRefused) return { kind: 'network', message: e.message };
      // Which way a connection failed (refused, reset, unreachable) would tell a closed port
      // from a filtered one: the outbox says only that it failed, the log has the rest.
      this.hooks.onError?.(err);
      return { kind: 'network', message: 'connection failed' };
    }
  }

  private async record(item: OutboxDelivery, outcome: AttemptOutcome): Promise<void> {
    const nowMs = this.now();
    const decision = decideRetry(outcome, item.attempts + 1, this.options, this.random, nowMs);
    await this.store.withConnection(async (conn) => {
      if (decision.action === 'delivered') await markDelivered(conn, item.outboxId, nowMs);
      else if (decision.action === 'retry') await markRetry(conn, item.outboxId, nowMs + decision.delayMs, decision.reason);
      else await markDead(conn, item.outboxId, decision.reason, nowMs);
    });
  }
}
