import { mulberry32 } from '../../src/domain/seeded-random.ts';
import type { TrainingFleet } from '../../scripts/training/train-breakdown.ts';
import { SeriesBuilder } from './series-builder.ts';

type Label = TrainingFleet['labels'][number];

/**
 * A small seeded fleet of hand-made days for the training tests: each device drives a few legs,
 * each leg ending normally, with a look-alike, or (one in four) with a breakdown.
 */
export function handmadeFleet(seed: number, devices: number): TrainingFleet {
  const rand = mulberry32(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const out: TrainingFleet = { devices: [], labels: [] };
  const labels: Label[] = [];
  for (let d = 0; d < devices; d++) {
    const deviceId = `hm-${d}`;
    const b = new SeriesBuilder(Date.UTC(2026, 0, 5 + d, 7));
    for (let leg = 0; leg < 4; leg++) {
      b.stand(10, 'parked').accelerate(50 + Math.floor(rand() * 60)).cruise(120 + Math.floor(rand() * 300));
      const kind = rand() < 0.3 ? pick(['loss', 'ramp', 'twelve_volt', 'ramp_gap'] as const) : pick(['park', 'drop', 'jam', 'light_stop', 'regen_park_off'] as const);
      const startMs = b.tsMs + 1000;
      if (kind === 'loss') {
        b.decelerate(0.3 + rand() * 0.7, 0, { powerKw: 0.05, codes: rand() < 0.7 ? ['P0A0F'] : null }).stand(30, 'off').tow(15);
        labels.push({ deviceId, kind: 'breakdown', subkind: 'loss_of_propulsion', startMs, endMs: b.tsMs });
        b.stand(120, 'off');
      } else if (kind === 'ramp' || kind === 'ramp_gap') {
        b.decelerate(1.5, 45 + rand() * 20).cruise(1);
        const offMs = b.tsMs + 1000;
        b.decelerate(3 + rand() * 2, 0, { powerKw: 0, state: 'off' });
        if (kind === 'ramp') b.stand(40, 'off');
        else b.gap(3600, 0).stand(10, 'off');
        labels.push({ deviceId, kind: 'breakdown', subkind: 'ramp_shutdown', startMs: offMs, endMs: b.tsMs });
      } else if (kind === 'twelve_volt') {
        for (let s = 0; s < 30; s++) b.cruise(1).samples.at(-1)!.codes = ['U0100', 'B1325'];
        b.gap(7200, 0);
        b.lon += 0.2;
        b.stand(20, 'off');
        labels.push({ deviceId, kind: 'breakdown', subkind: 'twelve_volt_failure', startMs, endMs: b.tsMs });
      } else if (kind === 'park') {
        b.decelerate(1.5 + rand(), 0, { powerKw: -10 }).stand(60, 'parked');
      } else if (kind === 'regen_park_off') {
        // Parked and switched off at once; a stray code now and then.
        b.decelerate(2, 0, { powerKw: -12, codes: rand() < 0.5 ? ['P0420'] : null, codesOnce: true }).stand(90, 'off');
      } else if (kind === 'drop') {
        b.gap(30 + Math.floor(rand() * 570)).cruise(60).decelerate(2, 0).stand(30, 'parked');
      } else if (kind === 'jam') {
        for (let k = 0; k < 8; k++) b.decelerate(1.5, 0, { powerKw: 0.2 }).wait(20 + Math.floor(rand() * 150)).accelerate(25).cruise(10);
        b.decelerate(2, 0).stand(30, 'parked');
      } else {
        b.decelerate(2, 0, { powerKw: 0.1 }).wait(130).accelerate(50).cruise(60).decelerate(2, 0).stand(20, 'parked');
      }
    }
    out.devices = [...out.devices, { deviceId, series: b.build() }];
  }
  out.labels = labels;
  return out;
}
