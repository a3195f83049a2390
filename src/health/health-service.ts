import { Value } from 'typebox/value';
import { fleetHealth, healthCrossings, HealthWatchSchema, type Crossing, type FleetHealth, type HealthWatch } from '../domain/health/fleet-health.ts';
import { journeyHealth, MAX_AGE_DAYS, type JourneyHealth } from '../domain/health/journey-health.ts';
import { enqueueOutbox } from '../store/outbox-repository.ts';
import { listHealthWatches, readHealthInputs, readHealthStates, upsertHealthWatch, writeHealthState } from '../store/health-repository.ts';
import type { TelemetryStore } from '../store/telemetry-store.ts';

const LOOKBACK_MS = MAX_AGE_DAYS * 86_400_000;

/** Journey health per vehicle, over time and per fleet, and watches that call a webhook when a score falls below a line. */
export class HealthService {
  private readonly store: TelemetryStore;

  constructor(store: TelemetryStore) {
    this.store = store;
  }

  private async scores(selection: { deviceIds?: string[]; fleet?: string }, atMs: number): Promise<JourneyHealth[]> {
    const inputs = await this.store.withConnection((conn) => readHealthInputs(conn, { ...selection, atMs, lookbackMs: LOOKBACK_MS }));
    return inputs.map((i) => journeyHealth(i, atMs));
  }

  /** One vehicle's score at `atMs` (default now); undefined for an unknown device. */
  async device(deviceId: string, atMs = this.store.now()): Promise<JourneyHealth | undefined> {
    return (await this.scores({ deviceIds: [deviceId] }, atMs))[0];
  }

  /** The score every `stepDays` over the last `days`, oldest first (the inputs read once). */
  async history(deviceId: string, days: number, stepDays: number, toMs = this.store.now()): Promise<{ atMs: number; score: number; band: string }[] | undefined> {
    const inputs = (await this.store.withConnection((conn) => readHealthInputs(conn, { deviceIds: [deviceId], atMs: toMs, lookbackMs: LOOKBACK_MS + days * 86_400_000 })))[0];
    if (!inputs) return undefined;
    const out: { atMs: number; score: number; band: string }[] = [];
    for (let t = toMs - days * 86_400_000; t <= toMs; t += stepDays * 86_400_000) {
      const h = journeyHealth(inputs, t);
      out.push({ atMs: t, score: h.score, band: h.band });
    }
    return out;
  }

  async fleet(options: { fleet?: string | undefined; threshold?: number | undefined; atMs?: number | undefined }): Promise<FleetHealth> {
    const atMs = options.atMs ?? this.store.now();
    return fleetHealth(await this.scores(options.fleet === undefined ? {} : { fleet: options.fleet }, atMs), atMs, options.fleet ?? null, options.threshold);
  }

  async putWatch(watchId: string, watch: HealthWatch): Promise<void> {
    await this.store.withConnection((conn) => upsertHealthWatch(conn, watchId, JSON.stringify(watch), this.store.now()));
  }

  /**
   * Scores each watch's vehicles now; a vehicle that fell below the threshold since the last
   * check queues a signed webhook per receiver (key: watch, device and crossing number, so a
   * repeated check or a restart sends it once); the new states are stored.
   */
  async checkWatches(nowMs = this.store.now()): Promise<{ watchId: string; crossed: Crossing[] }[]> {
    const watches = await this.store.withConnection(listHealthWatches);
    const out: { watchId: string; crossed: Crossing[] }[] = [];
    for (const { watchId, body } of watches) {
      const watch = Value.Default(HealthWatchSchema, JSON.parse(body)) as HealthWatch;
      const scores = await this.scores(watch.fleet === undefined ? {} : { fleet: watch.fleet }, nowMs);
      const byDevice = new Map(scores.map((s) => [s.deviceId, s]));
      await this.store.withConnection(async (conn) => {
        const { crossed, next } = healthCrossings(scores, watch.threshold, await readHealthStates(conn, watchId));
        for (const c of crossed) {
          const health = byDevice.get(c.deviceId)!;
          const payload = JSON.stringify({ type: 'health.below_threshold', idempotencyKey: `health.${watchId}.${c.deviceId}.${c.crossings}`, watchId, threshold: watch.threshold, health, checkedAtMs: nowMs });
          for (const r of watch.receivers) {
            await enqueueOutbox(conn, {
              idempotencyKey: `health.${watchId}.${c.deviceId}.${c.crossings}.${r.name}`, incidentId: `health:${watchId}`, step: 0,
              receiver: r.name, receiverUrl: r.url, receiverSecret: r.secret, deviceId: c.deviceId, payload, dueAtMs: nowMs,
            }, nowMs);
          }
        }
        for (const [deviceId, state] of next) await writeHealthState(conn, watchId, deviceId, state, nowMs);
        out.push({ watchId, crossed });
      });
    }
    return out;
  }
}
