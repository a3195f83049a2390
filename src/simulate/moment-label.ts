import { Type, type Static } from 'typebox';

/**
 * Ground truth written by the simulator: what really happened and when, so detectors and the
 * predictive warning can be scored against it. `startMs`..`endMs` covers the whole incident,
 * including a tow that follows a breakdown or a stranding.
 */
export const MomentLabelKind = Type.Union([Type.Literal('breakdown'), Type.Literal('charge_shortfall'), Type.Literal('lookalike')]);
export type MomentLabelKind = Static<typeof MomentLabelKind>;

export const BREAKDOWN_SUBKINDS = ['loss_of_propulsion', 'ramp_shutdown', 'twelve_volt_failure', 'thermal_fault'] as const;
export const SHORTFALL_SUBKINDS = ['stranded', 'cold_departure', 'cold_soak', 'arrived_below_reserve', 'departure_short'] as const;
export const LOOKALIKE_SUBKINDS = ['connection_drop', 'parked_at_destination', 'soc_glitch', 'gps_jump', 'tunnel', 'stop_and_go', 'car_park_crawl'] as const;
export type BreakdownSubkind = (typeof BREAKDOWN_SUBKINDS)[number];
export type ShortfallSubkind = (typeof SHORTFALL_SUBKINDS)[number];
export type LookalikeSubkind = (typeof LOOKALIKE_SUBKINDS)[number];

export const MomentLabelSchema = Type.Object({
  labelId: Type.String(),
  deviceId: Type.String(),
  kind: MomentLabelKind,
  subkind: Type.String(),
  startMs: Type.Number(),
  endMs: Type.Number(),
  lat: Type.Number(),
  lon: Type.Number(),
  note: Type.String(),
  /**
   * How the moment looks in the telemetry, so results can be split by it. Breakdowns:
   * `coded` | `no_code`; `coast` | `hard_stop` | `telemetry_lost`; `highway` | `ramp` | `city`;
   * what follows: `tow` | `restart` | `silent_tow` | `never_returns`. Strandings: `limp_cutoff`
   * (and `cutoff_above_0_5`). Any label: the device's reporting (`standing_code`,
   * `wording_off`, `wording_gears`, `silent_parked`).
   */
  shapes: Type.Array(Type.String()),
  /** Thermal faults: when the pack shut propulsion down (a warning must come before it). */
  shutdownMs: Type.Optional(Type.Number()),
  /** Departure-short shortfalls: the energy the leg needed and what was on board at the unplug. */
  energyNeededKwh: Type.Optional(Type.Number()),
  energyOnBoardKwh: Type.Optional(Type.Number()),
});
export type MomentLabel = Static<typeof MomentLabelSchema>;

const NullableNumber = Type.Union([Type.Number(), Type.Null()]);

/**
 * One driven leg: it either arrives (`arriveMs`) or strands (`strandedMs`); breakdowns end a leg
 * with neither. Predictive shortfall warnings are scored on these: a warning on a leg that
 * arrives normally is a false alarm.
 */
export const LegLabelSchema = Type.Object({
  legId: Type.String(),
  deviceId: Type.String(),
  departMs: Type.Number(),
  arriveMs: NullableNumber,
  strandedMs: NullableNumber,
  fromLat: Type.Number(),
  fromLon: Type.Number(),
  toLat: Type.Number(),
  toLon: Type.Number(),
  toChargerId: Type.Union([Type.String(), Type.Null()]),
  distanceKm: Type.Number({ description: 'Planned distance of the leg' }),
  departSocPct: Type.Number(),
  arriveSocPct: NullableNumber,
  minOutsideTempC: Type.Number(),
  /**
   * The leg left a charger with less energy than it needs (it strands or only just arrives):
   * the energy needed to arrive at the cut-off and what was on board. Absent on ordinary legs.
   */
  departureShort: Type.Optional(Type.Object({ chargerId: Type.String(), energyNeededKwh: Type.Number(), energyOnBoardKwh: Type.Number() })),
});
export type LegLabel = Static<typeof LegLabelSchema>;

/** Below this the battery is "below reserve" (labels and legs use the SoC figure). */
export const RESERVE_SOC_PCT = 5;
