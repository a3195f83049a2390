import { describe, expect, it } from 'vitest';
import { healthCrossings } from '../../src/domain/health/fleet-health.ts';
import { HALF_LIFE_DAYS, journeyHealth, type HealthInputs } from '../../src/domain/health/journey-health.ts';
import { mulberry32 } from '../../src/domain/seeded-random.ts';

const DAY = 86_400_000;
const AT = Date.UTC(2026, 10, 30);
const empty = (over: Partial<HealthInputs> = {}): HealthInputs => ({ deviceId: 'v', events: [], incidents: [], feedback: [], ...over });
const sumOfParts = (h: ReturnType<typeof journeyHealth>) => h.parts.reduce((s, p) => s + Math.round(p.points * 100), 0) / 100;

describe('journey health', () => {
  it('a quiet vehicle is 100, good', () => {
    expect(journeyHealth(empty(), AT)).toMatchObject({ score: 100, band: 'good', parts: [{ part: 'base', points: 100 }] });
  });

  it('a breakdown today costs 30, one a half-life ago 15; events after the moment are not counted', () => {
    const today = journeyHealth(empty({ events: [{ eventId: 'b', kind: 'breakdown', subkind: 'x', severity: 'critical', startMs: AT }] }), AT);
    expect(today.score).toBe(70);
    const old = journeyHealth(empty({ events: [{ eventId: 'b', kind: 'breakdown', subkind: 'x', severity: 'critical', startMs: AT - HALF_LIFE_DAYS * DAY }] }), AT);
    expect(old.score).toBe(85);
    expect(journeyHealth(empty({ events: [{ eventId: 'b', kind: 'breakdown', subkind: 'x', severity: 'critical', startMs: AT + 1 }] }), AT).score).toBe(100);
  });

  it('a predicted shortfall 30 min before stranding gives back half of it', () => {
    const h = journeyHealth(
      empty({
        events: [
          { eventId: 'w', kind: 'charge_shortfall', subkind: 'predicted_shortfall', severity: 'warning', startMs: AT - 30 * 60_000 },
          { eventId: 's', kind: 'charge_shortfall', subkind: 'stranded', severity: 'critical', startMs: AT },
        ],
      }),
      AT,
    );
    expect(h.parts.map((p) => [p.part, p.points])).toEqual([['base', 100], ['moment', -20], ['warned_in_time', 10]]);
    expect(h.score).toBe(90);
  });

  it('slow acknowledgement and resolution cost points; an incident acknowledged in 5 min and resolved in a day costs none', () => {
    const slow = journeyHealth(empty({ incidents: [{ incidentId: 'i', kind: 'breakdown', openedAtMs: AT - 8 * DAY, acknowledgedAtMs: null, resolvedAtMs: null }] }), AT);
    expect(slow.parts.filter((p) => p.part !== 'base').map((p) => p.part)).toEqual(['acknowledgement', 'resolution']);
    const w = 0.5 ** (8 / HALF_LIFE_DAYS);
    expect(slow.score).toBeCloseTo(100 - 10 * w - 5 * w, 1);
    const fast = journeyHealth(empty({ incidents: [{ incidentId: 'i', kind: 'breakdown', openedAtMs: AT - 2 * DAY, acknowledgedAtMs: AT - 2 * DAY + 5 * 60_000, resolvedAtMs: AT - DAY - 3_600_000 }] }), AT);
    expect(fast.score).toBe(100);
  });

  it('feedback moves it both ways, and a floor part keeps it at 0 while the parts still sum', () => {
    const fb = journeyHealth(empty({ feedback: [{ feedbackId: 'n', kind: 'nps', score: 2, tsMs: AT }, { feedbackId: 't', kind: 'ticket', score: null, tsMs: AT }] }), AT);
    expect(fb.score).toBe(88);
    const many = Array.from({ length: 6 }, (_, i) => ({ eventId: `b${i}`, kind: 'breakdown', subkind: 'x', severity: 'critical', startMs: AT - i * 60_000 }));
    const floored = journeyHealth(empty({ events: many }), AT);
    expect(floored.score).toBe(0);
    expect(floored.parts.at(-1)).toMatchObject({ part: 'bounds', detail: 'floor at 0' });
    expect(floored.band).toBe('at_risk');
  });

  it('the parts sum to the score for 500 seeded random vehicles', () => {
    const rnd = mulberry32(14);
    const kinds = ['breakdown', 'charge_shortfall', 'anomaly'];
    const severities = ['info', 'warning', 'critical'];
    for (let v = 0; v < 500; v++) {
      const n = Math.floor(rnd() * 8);
      const inputs = empty({
        events: Array.from({ length: n }, (_, i) => ({ eventId: `e${i}`, kind: kinds[Math.floor(rnd() * 3)]!, subkind: rnd() < 0.3 ? 'predicted_shortfall' : rnd() < 0.5 ? 'stranded' : 'x', severity: severities[Math.floor(rnd() * 3)]!, startMs: AT - rnd() * 400 * DAY })),
        incidents: Array.from({ length: Math.floor(rnd() * 3) }, (_, i) => ({ incidentId: `i${i}`, kind: 'breakdown', openedAtMs: AT - rnd() * 60 * DAY, acknowledgedAtMs: rnd() < 0.5 ? null : AT - rnd() * 30 * DAY, resolvedAtMs: rnd() < 0.5 ? null : AT - rnd() * 10 * DAY })),
        feedback: Array.from({ length: Math.floor(rnd() * 4) }, (_, i) => ({ feedbackId: `f${i}`, kind: ['nps', 'csat', 'ticket', 'review'][Math.floor(rnd() * 4)]!, score: Math.floor(rnd() * 11), tsMs: AT - rnd() * 200 * DAY })),
      });
      const h = journeyHealth(inputs, AT);
      expect(sumOfParts(h)).toBe(h.score);
      expect(h.score).toBeGreaterThanOrEqual(0);
      expect(h.score).toBeLessThanOrEqual(100);
    }
  });

  it('a crossing below the line is reported once, and again only after rising back above', () => {
    const at = (score: number) => [{ deviceId: 'v', atMs: AT, score, band: 'good' as const, parts: [] }];
    const first = healthCrossings(at(50), 60, new Map());
    expect(first.crossed).toEqual([{ deviceId: 'v', score: 50, crossings: 1 }]);
    expect(healthCrossings(at(40), 60, first.next).crossed).toEqual([]);
    const recovered = healthCrossings(at(70), 60, first.next).next;
    expect(healthCrossings(at(55), 60, recovered).crossed).toEqual([{ deviceId: 'v', score: 55, crossings: 2 }]);
  });
});
