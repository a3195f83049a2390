import { Type, type Static } from 'typebox';
import { ReceiverSchema } from '../alerts/alert-rule.ts';
import { AT_RISK_BELOW, JourneyHealthSchema, type JourneyHealth } from './journey-health.ts';

export const FleetHealthSchema = Type.Object({
  atMs: Type.Number(),
  fleet: Type.Union([Type.String(), Type.Null()]),
  vehicles: Type.Integer(),
  meanScore: Type.Union([Type.Number(), Type.Null()]),
  medianScore: Type.Union([Type.Number(), Type.Null()]),
  /** Vehicles per 10-point bin: [0,10), …, [90,100]. */
  distribution: Type.Array(Type.Object({ from: Type.Number(), to: Type.Number(), vehicles: Type.Integer() })),
  threshold: Type.Number(),
  /** Under the threshold, lowest first, each with its parts. */
  atRisk: Type.Array(JourneyHealthSchema),
});
export type FleetHealth = Static<typeof FleetHealthSchema>;

export function fleetHealth(scores: readonly JourneyHealth[], atMs: number, fleet: string | null, threshold = AT_RISK_BELOW): FleetHealth {
  const values = scores.map((s) => s.score).sort((a, b) => a - b);
  const distribution = Array.from({ length: 10 }, (_, i) => ({ from: i * 10, to: i * 10 + 10, vehicles: 0 }));
  for (const v of values) distribution[Math.min(9, Math.floor(v / 10))]!.vehicles++;
  const mid = values.length >> 1;
  return {
    atMs,
    fleet,
    vehicles: values.length,
    meanScore: values.length ? Math.round((values.reduce((a, b) => a + b, 0) / values.length) * 100) / 100 : null,
    medianScore: values.length ? (values.length % 2 ? values[mid]! : (values[mid - 1]! + values[mid]!) / 2) : null,
    distribution,
    threshold,
    atRisk: scores.filter((s) => s.score < threshold).sort((a, b) => a.score - b.score),
  };
}

/** A webhook when a vehicle's score falls below `threshold` (once per crossing; rising back above re-arms it). */
export const HealthWatchSchema = Type.Object(
  {
    threshold: Type.Number({ minimum: 0, maximum: 100, default: AT_RISK_BELOW }),
    fleet: Type.Optional(Type.String({ maxLength: 128 })),
    receivers: Type.Array(ReceiverSchema, { minItems: 1, maxItems: 8 }),
  },
  { additionalProperties: false },
);
export type HealthWatch = Static<typeof HealthWatchSchema>;

export interface Crossing {
  deviceId: string;
  score: number;
  crossings: number;
}

/** Pure: which vehicles crossed below since their last known state, and every vehicle's next state. */
export function healthCrossings(
  scores: readonly JourneyHealth[],
  threshold: number,
  previous: ReadonlyMap<string, { below: boolean; crossings: number }>,
): { crossed: Crossing[]; next: Map<string, { below: boolean; crossings: number; score: number }> } {
  const crossed: Crossing[] = [];
  const next = new Map<string, { below: boolean; crossings: number; score: number }>();
  for (const s of scores) {
    const before = previous.get(s.deviceId) ?? { below: false, crossings: 0 };
    const below = s.score < threshold;
    const crossings = before.crossings + (below && !before.below ? 1 : 0);
    if (below && !before.below) crossed.push({ deviceId: s.deviceId, score: s.score, crossings });
    next.set(s.deviceId, { below, crossings, score: s.score });
  }
  return { crossed, next };
}
