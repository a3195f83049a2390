import { mulberry32 } from '../../src/domain/seeded-random.ts';

/**
 * A seeded 1 Hz drive for the chart reduction tests (every run sees the same noise): speed and
 * SoC, a spike to 180 km/h at sample 12,345 and a drop to 0 at `dipAt`, an optional 10-minute hole
 * at `holeAt`, and SoC without a value every `socMissingEvery` samples when given.
 */
export function seededDrive(n: number, options: { holeAt?: number | undefined; dipAt: number; socMissingEvery?: number }) {
  const rand = mulberry32(42);
  const tsMs = new Float64Array(n);
  const speed = new Float64Array(n);
  const soc = new Float64Array(n);
  let t = 0;
  for (let i = 0; i < n; i++) {
    if (i === options.holeAt) t += 600_000;
    tsMs[i] = t;
    t += 1000;
    speed[i] = 60 + 30 * Math.sin(i / 500) + 10 * rand();
    soc[i] = options.socMissingEvery && i % options.socMissingEvery === 0 ? Number.NaN : 90 - i / 2000;
  }
  speed[12_345] = 180; // a spike a chart must still show
  speed[options.dipAt] = 0;
  return { tsMs, channels: [speed, soc] };
}
