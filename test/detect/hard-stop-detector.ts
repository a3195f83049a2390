import type { Detector } from '../../src/domain/detect/detector.ts';
import type { DetectedEvent } from '../../src/domain/events/detected-event.ts';
import { eventId } from '../../src/domain/events/event-id.ts';

/**
 * A deliberately simple stand-in detector for service tests: ≥ 20 km/h to standstill within 10 s,
 * confirmed only once the car has then stood still for a minute (so it needs rows after the
 * moment, like the real breakdown detector).
 */
export function createHardStopDetector(): Detector {
  return {
    name: 'test-hard-stop@1',
    lookbackMs: 120_000,
    async detect(s, ctx) {
      const events: DetectedEvent[] = [];
      let lastFastMs = Number.NEGATIVE_INFINITY;
      for (let i = 0; i < s.length; i++) {
        const t = s.tsMs[i]!;
        if (s.speedKph[i]! >= 20) lastFastMs = t;
        if (s.speedKph[i] !== 0 || t - lastFastMs > 10_000 || t < ctx.fromMs) continue;
        let j = i;
        while (j + 1 < s.length && s.speedKph[j + 1] === 0) j++;
        if (s.tsMs[j]! - t < 60_000) continue;
        events.push({
          eventId: eventId(ctx.deviceId, 'breakdown', 'hard_stop', t), deviceId: ctx.deviceId, kind: 'breakdown', subkind: 'hard_stop',
          severity: 'critical', detector: 'test-hard-stop@1', startMs: t, endMs: s.tsMs[j]!, lat: s.lat[i]!, lon: s.lon[i]!,
          summary: 'Stopped hard and stayed stopped', score: 1, evidence: [{ signal: 'speed_kph', value: 0, atMs: t }],
        });
        i = j;
      }
      return events;
    },
  };
}
