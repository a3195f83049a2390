import type { LegScript } from './leg-runner.ts';
import { LOOKALIKE_SUBKINDS, type LookalikeSubkind } from './moment-label.ts';
import type { SeededRandom } from './seeded-random.ts';

/**
 * Look-alikes: ordinary things that resemble a moment of truth (a stop, a gap, a strange reading)
 * and must not fire a detector. Most are scripted into a leg (the leg runner labels them when
 * they happen); `parked_at_destination` is a long stop away from home that the day plan labels.
 */
export function rollLookalikes(rand: SeededRandom, perDeviceDay: number): LookalikeSubkind[] {
  const n = rand.poisson(perDeviceDay);
  const picked: LookalikeSubkind[] = [];
  for (let i = 0; i < n; i++) picked.push(rand.pick(LOOKALIKE_SUBKINDS));
  return picked;
}

/** Adds a look-alike to a leg of about `distanceKm`, somewhere in its middle. */
export function addToScript(rand: SeededRandom, script: LegScript, subkind: LookalikeSubkind, distanceKm: number): void {
  const at = () => rand.uniform(0.2, 0.7) * distanceKm;
  switch (subkind) {
    case 'connection_drop':
      script.dropout = { atKm: at(), durationS: rand.int(30, 600) };
      break;
    case 'tunnel':
      script.tunnel = { atKm: at(), durationS: rand.int(90, 480) };
      break;
    case 'soc_glitch':
      script.socGlitchAtKm = at();
      break;
    case 'gps_jump':
      script.gpsJumpAtKm = at();
      break;
    case 'stop_and_go':
      script.jam = { atKm: rand.uniform(0.15, 0.4) * distanceKm, durationS: rand.int(300, 1200) };
      break;
    case 'car_park_crawl':
      script.crawlM = rand.uniform(150, 600);
      break;
    case 'parked_at_destination':
      break;
  }
}
