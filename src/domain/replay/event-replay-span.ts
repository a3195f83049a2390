import type { DetectedEvent } from '../events/detected-event.ts';
import type { Period } from '../segmentation/period-stats.ts';

/** Context before a moment: a tenth of its length, within these bounds. */
const MIN_LEAD_MS = 2 * 60_000;
const MAX_LEAD_MS = 15 * 60_000;
/** What follows a moment (standing, towed) is replayed up to the next drive or charge, at most this long. */
const MAX_AFTERMATH_MS = 6 * 3600_000;
/** Sessions closer than this follow on from each other. */
const CONTIGUOUS_MS = 60_000;

export interface EventReplaySpan {
  /** The range to replay (inclusive epoch ms): a little before the moment to a little after its aftermath. */
  startMs: number;
  endMs: number;
  /** The moment itself, as far as its evidence reaches (the band drawn on the page). */
  eventStartMs: number;
  eventEndMs: number;
}

/**
 * The replay of one moment of truth. A breakdown's drive session ends where the car stopped, so
 * replaying that session would never show the tow: the span runs from before the event to the
 * latest of its end and its evidence, then on through the standing and parked sessions that follow
 * (the tow is a park: wheels at 0, position moving) until the car next drives or charges — that
 * next session's start is the end of the aftermath — and a little after, within the device's data.
 */
export function eventReplaySpan(
  event: Pick<DetectedEvent, 'startMs' | 'endMs' | 'evidence'>,
  sessions: readonly Pick<Period, 'kind' | 'startMs' | 'endMs'>[],
  data: { firstMs: number; lastMs: number },
): EventReplaySpan {
  let eventEndMs = event.endMs ?? event.startMs;
  for (const e of event.evidence) if (e.atMs !== undefined && Number.isFinite(e.atMs)) eventEndMs = Math.max(eventEndMs, e.atMs);
  const eventStartMs = Math.min(event.startMs, eventEndMs);
  let aftermathEndMs = eventEndMs;
  const cap = eventEndMs + MAX_AFTERMATH_MS;
  for (const s of [...sessions].sort((a, b) => a.startMs - b.startMs)) {
    if (s.endMs <= aftermathEndMs) continue;
    // Driving on its own power, charging or silent (the moment ended mid-drive, or the car moved on): the aftermath is over.
    if (s.kind !== 'park' || s.startMs > aftermathEndMs + CONTIGUOUS_MS) break;
    aftermathEndMs = Math.min(cap, s.endMs);
    if (aftermathEndMs === cap) break;
  }
  const lead = Math.min(MAX_LEAD_MS, Math.max(MIN_LEAD_MS, (eventEndMs - eventStartMs) / 10));
  return {
    startMs: Math.max(data.firstMs, Math.min(data.lastMs, Math.round(eventStartMs - lead))),
    endMs: Math.min(data.lastMs, Math.max(data.firstMs, Math.round(aftermathEndMs + lead))),
    eventStartMs,
    eventEndMs,
  };
}
