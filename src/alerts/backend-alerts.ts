import { createHash } from 'node:crypto';
import { DEFAULT_HYSTERESIS_MS, type AlertRule } from '../domain/alerts/alert-rule.ts';
import { placeEvent } from '../domain/alerts/place-event.ts';
import { decideRetry, type AttemptOutcome } from '../domain/alerts/retry-policy.ts';
import { ruleMatches } from '../domain/alerts/rule-matches.ts';
import { signWebhook } from '../domain/alerts/webhook-signature.ts';
import type { StoredEvent } from '../domain/events/detected-event.ts';
import { mulberry32 } from '../domain/seeded-random.ts';
import type { OwnershipView } from '../pipeline/ownership-view.ts';
import type { StoreBackend } from '../store/contract/store-backend.ts';
import { DEFAULT_DELIVERY, type DeliveryOptions } from './delivery-options.ts';
import { buildNotice, idempotencyKey } from './incident-notice.ts';
import { postWebhook } from './post-webhook.ts';

/** The same id the AlertEngine gives: an event found again (after a crash, by another process) opens the same incident. */
const incidentIdFor = (ruleId: string, eventId: string) => `inc_${createHash('sha256').update(`${ruleId}\u0000${eventId}`).digest('hex').slice(0, 20)}`;

/**
 * Alerting over the storage contract (any backend): events → incidents (grouped by rule, device
 * and kind with the rule's hysteresis, as the AlertEngine does) → the escalation ladder queued in
 * the outbox → signed webhooks, recorded per attempt. Every step is keyed (incident id from rule
 * and event, outbox item per incident and rung), so a scan or delivery repeated after a crash or
 * by the process that took over a device queues and sends nothing twice per idempotency key.
 * The DuckDB server keeps its AlertEngine and DeliveryWorker (cursor, timers, transactions).
 */
export class BackendAlerts {
  private readonly backend: StoreBackend;
  private readonly now: () => number;
  private readonly delivery: DeliveryOptions;
  private readonly webhookAllow: readonly string[];
  private readonly random: () => number;

  constructor(backend: StoreBackend, o: { now: () => number; delivery?: Partial<DeliveryOptions>; webhookAllow?: readonly string[] }) {
    this.backend = backend;
    this.now = o.now;
    this.delivery = { ...DEFAULT_DELIVERY, ...o.delivery };
    this.webhookAllow = o.webhookAllow ?? [];
    this.random = mulberry32(this.delivery.seed);
  }

  /**
   * Places each event under each matching rule; returns the incidents opened. Safe to repeat for
   * events already handled (a successor re-scanning a device after a takeover): an incident this
   * event opened gets its ladder queued again, which queues only what a crash left unqueued.
   */
  async scan(rules: readonly AlertRule[], events: readonly StoredEvent[], publicUrl = ''): Promise<string[]> {
    const opened: string[] = [];
    for (const event of events) {
      const device = await this.backend.devices.get(event.deviceId);
      for (const rule of rules) {
        if (!ruleMatches(rule, { ...event, fleet: device?.fleet ?? null })) continue;
        const nowMs = this.now();
        const same = (await this.backend.incidents.list({ deviceId: event.deviceId, limit: 10_000 })).filter((i) => i.ruleId === rule.ruleId && i.kind === event.kind);
        const linked = same.find((i) => i.eventIds.includes(event.eventId));
        const placement = placeEvent(event, linked?.incidentId, same, rule.hysteresisMs ?? DEFAULT_HYSTERESIS_MS);
        const endMs = event.endMs ?? event.startMs;
        const ownId = incidentIdFor(rule.ruleId, event.eventId);
        const incidentId = placement.action === 'open' ? ownId : placement.incidentId;
        if (placement.action === 'open' && !(await this.backend.incidents.get(incidentId))) {
          await this.backend.incidents.open({ incidentId, ruleId: rule.ruleId, deviceId: event.deviceId, kind: event.kind, severity: event.severity, summary: event.summary, startMs: event.startMs, endMs, lat: event.lat, lon: event.lon }, nowMs);
          opened.push(incidentId);
        }
        if (placement.action === 'attach') await this.backend.incidents.widen(incidentId, { startMs: event.startMs, endMs, severity: event.severity, summary: event.summary }, nowMs);
        // The event that opened the incident (now or before a crash) owns its ladder; notices are
        // dated by the incident's opening, so a ladder completed later carries the same times.
        if (incidentId === ownId) {
          const openedAtMs = (await this.backend.incidents.get(incidentId))?.openedAtMs ?? nowMs;
          await this.queueLadder(rule, incidentId, event, openedAtMs, publicUrl);
        }
        await this.backend.incidents.linkEvent({ incidentId, ruleId: rule.ruleId, eventId: event.eventId, eventUpdatedAtMs: event.updatedAtMs });
      }
    }
    return opened;
  }

  private async queueLadder(rule: AlertRule, incidentId: string, event: StoredEvent, nowMs: number, publicUrl: string): Promise<void> {
    for (const [index, step] of rule.escalation.entries()) {
      const receiver = rule.receivers.find((r) => r.name === step.receiver);
      if (!receiver) throw new Error(`rule '${rule.ruleId}': escalation step ${index} names no receiver '${step.receiver}'`);
      const notice = buildNotice(rule, incidentId, event, step, index, nowMs, publicUrl);
      await this.backend.outbox.enqueue({
        idempotencyKey: idempotencyKey(incidentId, index), incidentId, step: index, receiver: receiver.name, receiverUrl: receiver.url,
        receiverSecret: receiver.secret, deviceId: event.deviceId, payload: JSON.stringify(notice), dueAtMs: nowMs + step.delayMs,
      }, nowMs);
    }
  }

  /**
   * Sends every lane head due now, once each, and records the outcome; returns how many were
   * delivered. With `ownership`, only the owned devices' notices, each confirmed against the lease
   * log right before its POST (a process that lost the device sends nothing).
   */
  async deliverDue(ownership?: OwnershipView): Promise<number> {
    let delivered = 0;
    for (const item of await this.backend.outbox.dueHeads(this.now(), 1000)) {
      if (ownership && !(ownership.owns(item.deviceId) && (await ownership.confirm(item.deviceId)))) continue;
      const timestampSec = Math.floor(this.now() / 1000);
      let outcome: AttemptOutcome;
      try {
        const reply = await postWebhook(item.receiverUrl, {
          headers: {
            'content-type': 'application/json', 'user-agent': 'telltale-alerts/1', 'telltale-idempotency-key': item.idempotencyKey,
            'telltale-timestamp': String(timestampSec), 'telltale-signature': signWebhook(item.receiverSecret, timestampSec, item.payload),
            'telltale-attempt': String(item.attempts + 1),
          },
          body: item.payload,
          signal: AbortSignal.timeout(this.delivery.timeoutMs),
          allow: this.webhookAllow,
        });
        outcome = reply.status >= 200 && reply.status < 300 ? { kind: 'delivered', status: reply.status } : { kind: 'http', status: reply.status, retryAfter: reply.retryAfter };
      } catch (err) {
        outcome = (err as Error).name === 'TimeoutError' ? { kind: 'timeout' } : { kind: 'network', message: 'connection failed' };
      }
      const nowMs = this.now();
      const decision = decideRetry(outcome, item.attempts + 1, this.delivery, this.random, nowMs);
      if (decision.action === 'delivered') {
        await this.backend.outbox.markDelivered(item.outboxId, nowMs);
        delivered++;
      } else if (decision.action === 'retry') await this.backend.outbox.markRetry(item.outboxId, nowMs + decision.delayMs, decision.reason);
      else await this.backend.outbox.markDead(item.outboxId, decision.reason, nowMs);
    }
    return delivered;
  }
}
