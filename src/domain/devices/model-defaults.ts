import type { DeviceFacts } from './device-facts.ts';

/** Facts a model brings when a device's registration leaves them out (published usable capacities). */
const MODEL_DEFAULTS: readonly { match: RegExp; facts: DeviceFacts }[] = [
  { match: /twizy/i, facts: { batteryKwh: 6.1 } },
  // Teslas keep driving at 0 % displayed (the buffer is below the gauge): the cut-off is at 0.
  { match: /model\s*s\b.*\b85\b|\bs\s*85\b/i, facts: { batteryKwh: 77.5, cutoffSocPct: 0 } },
  { match: /tesla|model\s*[s3xy]\b/i, facts: { cutoffSocPct: 0 } },
];

/** What detection assumes for any car: the reserve most makers advise (their low-battery warning). */
export const GENERIC_DEFAULTS = { reserveSocPct: 5 } as const;

/**
 * A device's facts with its model's defaults under them: what the registration says wins, then the
 * model's published figures; anything still unknown stays absent (the detectors learn it from data
 * or use their physical defaults).
 */
export function withModelDefaults(facts: DeviceFacts | undefined): DeviceFacts {
  const own = facts ?? {};
  const model = own.model ? MODEL_DEFAULTS.find((m) => m.match.test(own.model!))?.facts : undefined;
  const merged: DeviceFacts = { ...model };
  for (const [k, v] of Object.entries(own) as [keyof DeviceFacts, DeviceFacts[keyof DeviceFacts]][]) if (v !== undefined) (merged as Record<string, unknown>)[k] = v;
  return merged;
}
