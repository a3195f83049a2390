import type { ConfigReport } from './evaluate-config.ts';

/** One row of the targets table: the figure on a configuration and whether the issue's target is met. */
export interface TargetRow {
  measure: string;
  target: string;
  figure: string;
  met: boolean | null;
}

const pct = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(1)} %`);
const frac = (n: number, d: number) => `${n}/${d}${d ? ` (${pct(n / d)})` : ''}`;

function sum(rec: Record<string, { labels: number; found: number }>, keys: readonly string[]): { labels: number; found: number } {
  let labels = 0;
  let found = 0;
  for (const k of keys) {
    labels += rec[k]?.labels ?? 0;
    found += rec[k]?.found ?? 0;
  }
  return { labels, found };
}

/** The targets of issue 11, measured on one configuration (null = nothing to measure there). */
export function targetRows(r: ConfigReport): TargetRow[] {
  const b = r.breakdown;
  const kinds = Object.entries(b.bySubkind).map(([k, v]) => ({ k, v, recall: v.labels ? v.found / v.labels : 1 }));
  const worst = kinds.sort((x, y) => x.recall - y.recall)[0];
  const noCode = sum(b.byShape, ['no_code']);
  const lost = sum(b.byShape, ['never_returns']);
  const lostAll = sum(b.byShape, ['telemetry_lost']);
  const rampCity = sum(b.byShape, ['ramp', 'city']);
  const d = r.departures;
  const t = r.thermal;
  return [
    { measure: 'breakdown recall', target: '≥ 95 %', figure: frac(b.found, b.labels), met: b.recall === null ? null : b.recall >= 0.95 },
    { measure: '… every kind ≥ 85 % (worst kind)', target: '≥ 85 %', figure: worst ? `${worst.k} ${frac(worst.v.found, worst.v.labels)}` : 'n/a', met: worst ? worst.recall >= 0.85 : null },
    { measure: '… breakdowns with no fault code', target: '(in recall)', figure: frac(noCode.found, noCode.labels), met: null },
    { measure: '… telemetry stops at speed, never returns', target: '(in recall)', figure: `${frac(lost.found, lost.labels)}; all lost at speed ${lostAll.found}/${lostAll.labels}`, met: null },
    { measure: '… on ramps and at city speed', target: '(in recall)', figure: frac(rampCity.found, rampCity.labels), met: null },
    { measure: 'breakdown false alarms / 1,000 driving h', target: '≤ 2', figure: `${b.falseAlarmsPer1000DrivingHours.toFixed(2)} (${b.falseAlarms})`, met: b.falseAlarmsPer1000DrivingHours <= 2 },
    { measure: 'strandings reported as `stranded`', target: '≥ 90 %', figure: frac(r.strandings.reportedStranded, r.strandings.labels), met: r.strandings.share === null ? null : r.strandings.share >= 0.9 },
    { measure: 'departure-short legs warned ≥ 10 min ahead', target: '≥ 90 %', figure: frac(d.warned10MinAhead, d.departureShortLegs), met: d.shareWarned10MinAhead === null ? null : d.shareWarned10MinAhead >= 0.9 },
    { measure: '… warned at or within 5 min of departure', target: '≥ 60 %', figure: frac(d.warnedWithin5MinOfDeparture, d.departureShortLegs), met: d.shareWarnedWithin5MinOfDeparture === null ? null : d.shareWarnedWithin5MinOfDeparture >= 0.6 },
    { measure: 'normal legs warned', target: '≤ 2 %', figure: frac(d.normalLegsWarned, d.normalLegs), met: d.shareNormalLegsWarned === null ? null : d.shareNormalLegsWarned <= 0.02 },
    { measure: 'thermal faults flagged ≥ 2 min before shutdown', target: '≥ 80 %', figure: `${frac(t.flagged2MinAhead, t.faults)}; before shutdown at all ${t.flaggedBeforeShutdown}/${t.faults}`, met: t.share2MinAhead === null ? null : t.share2MinAhead >= 0.8 },
    { measure: 'consumption anomalies outside any moment / 1,000 h', target: '≤ 5', figure: `${r.anomalies.consumptionOutsidePer1000h.toFixed(1)} (all anomalies ${r.anomalies.outsideMomentsPer1000h.toFixed(1)})`, met: r.anomalies.consumptionOutsidePer1000h <= 5 },
    { measure: 'look-alikes that fired', target: '0', figure: `${r.lookalikes.fired}/${r.lookalikes.labels}`, met: r.lookalikes.fired === 0 },
  ];
}
