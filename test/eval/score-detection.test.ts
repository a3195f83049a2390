import { describe, expect, it } from 'vitest';
import type { DetectContext, Detector } from '../../src/domain/detect/detector.ts';
import type { DetectedEvent } from '../../src/domain/events/detected-event.ts';
import { emptySeries } from '../../src/domain/telemetry-series.ts';
import type { LegLabel, MomentLabel } from '../../src/simulate/moment-label.ts';
import { anomaliesOutsideMoments, breakdownStrandingConfusion, firstSeenMs, recallBy, scoreDepartures, strandingsInData } from '../../scripts/eval/score-detection.ts';

const MIN = 60_000;
const label = (over: Partial<MomentLabel>): MomentLabel => ({
  labelId: `l${over.startMs}`, deviceId: 'd', kind: 'breakdown', subkind: 'loss_of_propulsion', startMs: 0, endMs: 10 * MIN, lat: 0, lon: 0, note: '', shapes: [], ...over,
});
const event = (over: Partial<DetectedEvent>): DetectedEvent => ({
  eventId: `e${over.startMs}`, deviceId: 'd', kind: 'breakdown', subkind: 'loss_of_propulsion', severity: 'critical', detector: 'x@1', startMs: 0, endMs: null, lat: null, lon: null, summary: '', score: null, evidence: [], ...over,
});
const leg = (over: Partial<LegLabel>): LegLabel => ({
  legId: `g${over.departMs}`, deviceId: 'd', departMs: 0, arriveMs: 60 * MIN, strandedMs: null, fromLat: 0, fromLon: 0, toLat: 0, toLon: 0, toChargerId: 'c', distanceKm: 50, departSocPct: 50, arriveSocPct: 30, minOutsideTempC: 5, ...over,
});

describe('evaluation scoring', () => {
  it('recall per shape counts a labelled moment under each of its shapes; an event must start inside it (± 2 min)', () => {
    const labels = [label({ startMs: 0, shapes: ['no_code', 'city'] }), label({ startMs: 100 * MIN, endMs: 110 * MIN, shapes: ['coded', 'city'] })];
    const events = [event({ startMs: 101 * MIN }), event({ startMs: 13 * MIN })];
    expect(recallBy(labels, events, 'breakdown', (l) => l.shapes)).toEqual({ no_code: { labels: 1, found: 0 }, city: { labels: 2, found: 1 }, coded: { labels: 1, found: 1 } });
  });

  it('the confusion matrix tells a stranding called a breakdown from one reported as stranded', () => {
    const labels = [
      label({ startMs: 0 }),
      label({ kind: 'charge_shortfall', subkind: 'stranded', startMs: 100 * MIN, endMs: 130 * MIN, shapes: ['limp_cutoff'] }),
      label({ kind: 'charge_shortfall', subkind: 'departure_short', startMs: 200 * MIN, endMs: 230 * MIN, shapes: ['departure_short', 'limp_cutoff'] }),
      label({ kind: 'charge_shortfall', subkind: 'arrived_below_reserve', startMs: 300 * MIN, endMs: 310 * MIN }),
    ];
    const events = [event({ startMs: 1 * MIN }), event({ startMs: 110 * MIN }), event({ kind: 'charge_shortfall', subkind: 'stranded', startMs: 210 * MIN })];
    const legs = [leg({ departMs: 50 * MIN, arriveMs: null, strandedMs: 110 * MIN }), leg({ departMs: 150 * MIN, arriveMs: null, strandedMs: 212 * MIN })];
    expect(breakdownStrandingConfusion(labels, events, legs)).toEqual({
      breakdown: { breakdown: 1, stranded: 0, both: 0, neither: 0 },
      stranding: { breakdown: 1, stranded: 1, both: 0, neither: 0 },
    });
  });

  it('a stranding is scored only when its stranded leg is inside the data (a cold soak clipped at the window end before the drive home is not)', () => {
    const inside = label({ kind: 'charge_shortfall', subkind: 'stranded', startMs: 100 * MIN, endMs: 130 * MIN, shapes: ['limp_cutoff'] });
    const clipped = label({ kind: 'charge_shortfall', subkind: 'cold_soak', startMs: 200 * MIN, endMs: 900 * MIN, shapes: ['limp_cutoff'] });
    const otherDevice = label({ deviceId: 'e', kind: 'charge_shortfall', subkind: 'stranded', startMs: 100 * MIN, endMs: 130 * MIN, shapes: ['limp_cutoff'] });
    const legs = [leg({ departMs: 50 * MIN, arriveMs: null, strandedMs: 110 * MIN }), leg({ departMs: 210 * MIN, arriveMs: 260 * MIN })];
    expect(strandingsInData([inside, clipped, otherDevice], legs)).toEqual([inside]);
    // Both are strandings once the morning leg that strands is in the data.
    expect(strandingsInData([inside, clipped], [...legs, leg({ departMs: 800 * MIN, arriveMs: null, strandedMs: 880 * MIN })])).toEqual([inside, clipped]);
  });

  it('departure-short legs: warned at the unplug and ≥ 10 min ahead; normal legs warned; legs inside a shortfall are not normal', () => {
    const short = { chargerId: 'c', energyNeededKwh: 50, energyOnBoardKwh: 40 };
    const legs = [
      leg({ departMs: 0, arriveMs: null, strandedMs: 60 * MIN, arriveSocPct: null, departureShort: short }),
      leg({ departMs: 1000 * MIN, arriveMs: null, strandedMs: 1060 * MIN, arriveSocPct: null, departureShort: short }),
      leg({ departMs: 2000 * MIN, arriveMs: 2050 * MIN }),
      leg({ departMs: 3000 * MIN, arriveMs: 3050 * MIN }),
      leg({ departMs: 4000 * MIN, arriveMs: 4050 * MIN, arriveSocPct: 3 }),
    ];
    const warn = (ms: number) => event({ kind: 'charge_shortfall', subkind: 'predicted_shortfall', startMs: ms });
    // First leg: warned 2 min after the unplug; second: only 55 min in (5 min before stranding); a normal leg warned once.
    const events = [warn(2 * MIN), warn(1055 * MIN), warn(3010 * MIN), warn(4010 * MIN)];
    const s = scoreDepartures(legs, [], events);
    expect(s).toMatchObject({ departureShortLegs: 2, warned10MinAhead: 1, warnedWithin5MinOfDeparture: 1, normalLegs: 2, normalLegsWarned: 1 });
  });

  it('anomalies inside a labelled breakdown or shortfall do not count as outside; inside a look-alike they do', () => {
    const labels = [label({ startMs: 0 }), label({ kind: 'lookalike', subkind: 'tunnel', startMs: 100 * MIN, endMs: 105 * MIN })];
    const events = [event({ kind: 'anomaly', subkind: 'consumption', startMs: 5 * MIN }), event({ kind: 'anomaly', subkind: 'consumption', startMs: 101 * MIN }), event({ kind: 'anomaly', subkind: 'soc_drop', startMs: 500 * MIN })];
    expect(anomaliesOutsideMoments(labels, events)).toEqual({ consumption: 1, soc_drop: 1 });
  });

  it('a silence-based event is first seen when the detector would wake, not at the last row before the gap', async () => {
    // Rows every second to t = 100 s while moving, then nothing until t = 3,600 s.
    const s = emptySeries(102);
    for (let i = 0; i < 101; i++) {
      s.tsMs[i] = i * 1000;
      s.speedKph[i] = 90;
    }
    s.tsMs[101] = 3_600_000;
    s.speedKph[101] = 0;
    const silenceMs = 240_000;
    const silent: Detector & { wakeAtMs(series: typeof s, ctx: DetectContext): number | undefined } = {
      name: 'silence@1',
      lookbackMs: 0,
      // A gap of silenceMs after a moving row, or a moving last row silent that long by now.
      async detect(series, ctx) {
        const now = (ctx as DetectContext & { nowMs?: number }).nowMs ?? series.tsMs[series.length - 1]!;
        for (let i = 0; i < series.length; i++) {
          const next = i + 1 < series.length ? series.tsMs[i + 1]! : now;
          if (series.speedKph[i]! > 0 && next - series.tsMs[i]! >= silenceMs) return [event({ eventId: 'gap', startMs: series.tsMs[i]! })];
        }
        return [];
      },
      wakeAtMs: (series) => series.tsMs[series.length - 1]! + silenceMs,
    };
    const seen = await firstSeenMs(silent, s, event({ eventId: 'gap', startMs: 100_000 }), [], { windowEndMs: 7_200_000 });
    expect(seen).toBe(100_000 + silenceMs);
  });
});
