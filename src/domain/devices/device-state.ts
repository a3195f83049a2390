import { Type, type Static } from 'typebox';

/** What a device is doing, as the fleet overview shows it. */
export const DeviceState = Type.Union([
  Type.Literal('driving'),
  Type.Literal('charging'),
  Type.Literal('parked'),
  Type.Literal('off'),
  Type.Literal('silent'),
]);
export type DeviceState = Static<typeof DeviceState>;

/** The activity a device was last heard in (its state before silence is taken into account). */
export type DeviceActivity = Exclude<DeviceState, 'silent'>;

/**
 * A device not heard from for this long is 'silent', whatever it was doing: a unit that reports
 * while awake sends at least every few minutes, and an hour without a row is worth a look
 * (a recorded file that ended long ago is silent too, which is what it is).
 */
export const SILENT_AFTER_MS = 60 * 60_000;

const SESSION_ACTIVITY: Record<string, DeviceActivity> = { drive: 'driving', charge: 'charging', park: 'parked', gap: 'off' };
// The telemetry `state` column holds either a state word or a gear letter (telemetry-schema.ts).
const ROW_ACTIVITY: Record<string, DeviceActivity> = {
  driving: 'driving', d: 'driving', r: 'driving', ready: 'driving', charging: 'charging', parked: 'parked', p: 'parked', standby: 'parked', off: 'off',
};

export interface DeviceStateInput {
  lastSeenMs: number | null;
  nowMs: number;
  /** Kind of the device's latest session (drive/charge/park/gap), if segmented. */
  lastSessionKind: string | null;
  /** The latest non-null `state` value of its rows. */
  lastRowState: string | null;
}

/**
 * The activity when last heard: an explicit 'off' in the last rows wins (a session cannot say the
 * unit was switched off); otherwise the segmentation's latest period, which is robust to a
 * one-row glitch; otherwise the last row's own state. Null when nothing says.
 */
export function lastActivity(input: Omit<DeviceStateInput, 'nowMs' | 'lastSeenMs'>): DeviceActivity | null {
  const row = input.lastRowState === null ? undefined : ROW_ACTIVITY[input.lastRowState.trim().toLowerCase()];
  if (row === 'off') return 'off';
  return (input.lastSessionKind !== null ? SESSION_ACTIVITY[input.lastSessionKind] : undefined) ?? row ?? null;
}

/** The state now: 'silent' past SILENT_AFTER_MS without a row, else the last activity; null for a device with no data. */
export function deviceState(input: DeviceStateInput): DeviceState | null {
  if (input.lastSeenMs === null) return null;
  if (input.nowMs - input.lastSeenMs > SILENT_AFTER_MS) return 'silent';
  return lastActivity(input);
}
