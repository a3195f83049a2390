import type { IncidentState } from './incident.ts';

/** What grouping needs to know about an incident of the same rule, device and kind. */
export interface IncidentSpan {
  incidentId: string;
  state: IncidentState;
  startMs: number;
  endMs: number;
}

export interface EventSpan {
  startMs: number;
  endMs: number | null;
}

export type Placement = { action: 'attach'; incidentId: string; reopen: false } | { action: 'open' };

/**
 * Where an event goes, given the incident it is already linked to (if any) and the incidents of
 * the same rule, device and kind.
 *
 * - An event already linked stays with its incident, whatever its state: re-detection or a tow
 *   growing `endMs` updates it, and a resolved incident is never reopened by the same event id.
 * - A new event that overlaps an incident or starts within `hysteresisMs` of its end joins it.
 *   This includes resolved incidents: a flapping signal just after a resolve is the same moment
 *   of truth, not a new one, so it neither reopens nor opens anything.
 * - Otherwise it opens a new incident.
 */
export function placeEvent(event: EventSpan, linkedIncidentId: string | undefined, incidents: readonly IncidentSpan[], hysteresisMs: number): Placement {
  if (linkedIncidentId !== undefined) return { action: 'attach', incidentId: linkedIncidentId, reopen: false };
  const eventEndMs = event.endMs ?? event.startMs;
  let best: IncidentSpan | undefined;
  for (const inc of incidents) {
    const near = event.startMs <= inc.endMs + hysteresisMs && eventEndMs >= inc.startMs - hysteresisMs;
    if (near && (best === undefined || inc.endMs > best.endMs)) best = inc;
  }
  return best ? { action: 'attach', incidentId: best.incidentId, reopen: false } : { action: 'open' };
}
