import { Type, type Static } from 'typebox';
import { DeviceState } from './device-state.ts';

const NullableNumber = Type.Union([Type.Number(), Type.Null()]);

/**
 * What the fleet overview adds to a device's summary (GET /v1/devices): when it was last heard,
 * what it is doing, its charge, its open incidents and its recent moments of truth. Windows are
 * counted back from the service's clock (`store.now()`), by event start.
 */
export const DeviceOverviewFields = {
  lastSeenMs: NullableNumber,
  lastSeenTs: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  state: Type.Union([DeviceState, Type.Null()], { description: "Now: 'silent' when not heard from for an hour, else the last activity" }),
  lastActivity: Type.Union([Type.Union([Type.Literal('driving'), Type.Literal('charging'), Type.Literal('parked'), Type.Literal('off')]), Type.Null()], {
    description: 'What it was doing when last heard: the latest session, or an explicit off in its last rows',
  }),
  socPct: Type.Union([Type.Number(), Type.Null()], { description: 'Latest logged state of charge (last 15 min of data), else the end SoC of its latest session' }),
  socAtMs: NullableNumber,
  openIncidents: Type.Integer({ description: 'Incidents not resolved (open or acknowledged)' }),
  breakdowns24h: Type.Integer(),
  breakdowns7d: Type.Integer(),
  chargeShortfalls24h: Type.Integer(),
  chargeShortfalls7d: Type.Integer(),
};
const DeviceOverviewFieldsSchema = Type.Object(DeviceOverviewFields);
export type DeviceOverviewFields = Static<typeof DeviceOverviewFieldsSchema>;

export const DAY_MS = 24 * 3_600_000;
export const WEEK_MS = 7 * DAY_MS;
