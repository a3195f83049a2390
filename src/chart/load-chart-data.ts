import { annotationCallouts } from '../domain/chart/annotation-callouts.ts';
import type { ChartInput } from '../domain/chart/chart-input.ts';
import { placeVisits } from '../domain/chart/place-visits.ts';
import { listChartAnnotations } from '../store/chart-annotations-repository.ts';
import { listChargerPlaces } from '../store/chart-places-repository.ts';
import { listEvents } from '../store/event-repository.ts';
import { listFeedback } from '../store/feedback-repository.ts';
import { readSeries } from '../store/series-repository.ts';
import { getSession, listSessions } from '../store/session-repository.ts';
import { claimVerdict } from './claim-verdicts.ts';
import type { TelemetryStore } from '../store/telemetry-store.ts';
import { MESSAGES } from '../domain/errors/error-catalogue.ts';
import { TelltaleError } from '../domain/errors/telltale-error.ts';

export interface ChartDataQuery {
  deviceId: string;
  /** Inclusive. */
  fromMs?: number | undefined;
  /** Exclusive. */
  toMs?: number | undefined;
  /** A stored session: its bounds replace from/to. */
  sessionId?: string | undefined;
  /** Only annotations with one of these tags become call-outs (all when empty). */
  calloutTags?: readonly string[] | undefined;
}

/** An unknown device or session, or nothing logged in the range: NOT_FOUND (HTTP 404, CLI exit 1). */
export class ChartNotFoundError extends TelltaleError {
  constructor(message: string) {
    super('NOT_FOUND', message);
  }
}

/**
 * Everything a chart shows for a device's range or session, read through the same store functions
 * the APIs use (series, sessions, events, chargers, annotations) in one unit of work.
 * Throws ChartNotFoundError for an unknown session; an unknown device has no rows (ChartService
 * refuses it first, with the one device check).
 */
export async function loadChartData(store: TelemetryStore, q: ChartDataQuery): Promise<ChartInput> {
  return store.withConnection(async (conn) => {
    let { fromMs, toMs } = q;
    if (q.sessionId !== undefined) {
      const session = await getSession(conn, q.deviceId, q.sessionId);
      if (!session) throw new ChartNotFoundError(`session: ${MESSAGES.noSession(q.deviceId, q.sessionId)}`);
      fromMs = session.startMs;
      toMs = session.endMs + 1;
    }
    const series = await readSeries(conn, { deviceId: q.deviceId, fromMs, toMs });
    const periods = await listSessions(conn, { deviceId: q.deviceId, fromMs, toMs });
    const events = await listEvents(conn, { deviceId: q.deviceId, fromMs, toMs });
    const chargers = await listChargerPlaces(conn);
    const feedback = await listFeedback(conn, { deviceId: q.deviceId, fromMs, toMs });
    const annotations = [];
    for (const a of await listChartAnnotations(conn, q.deviceId, fromMs, toMs)) {
      annotations.push({ ...a, verdict: await claimVerdict(a.claim, (from, to) => readSeries(conn, { deviceId: q.deviceId, fromMs: from, toMs: to })) });
    }
    return {
      deviceId: q.deviceId,
      series,
      periods: periods.map((p) => ({ kind: p.kind, startMs: p.startMs, endMs: p.endMs })),
      events: events.map((e) => ({ eventId: e.eventId, kind: e.kind, subkind: e.subkind, severity: e.severity, startMs: e.startMs, summary: e.summary })),
      places: placeVisits(series, chargers),
      callouts: annotationCallouts(annotations, q.calloutTags),
      feedback: feedback.map((f) => ({ tsMs: f.tsMs, kind: f.kind, score: f.score, channel: f.channel, text: f.text })),
    };
  });
}
