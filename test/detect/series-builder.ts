import { emptySeries, type TelemetrySeries } from '../../src/domain/telemetry-series.ts';

interface Sample {
  tsMs: number;
  speedKph: number;
  powerKw: number;
  state: string;
  lat: number;
  lon: number;
  codes: string[] | null;
  batteryTempC: number;
  socPct: number;
  odometerKm: number;
}

const KM_PER_DEG_LON_AT_48 = 111.32 * Math.cos((48 * Math.PI) / 180);

/**
 * Hand-made drives for the breakdown tests: 1 Hz while moving, one sample a minute while standing,
 * the position advancing east with the distance travelled. Each step appends samples after the
 * current time.
 */
export class SeriesBuilder {
  readonly samples: Sample[] = [];
  tsMs: number;
  speedKph = 0;
  lat = 48.1;
  lon = 11.5;
  batteryTempC = 30;
  /** NaN: no SoC channel. */
  socPct = Number.NaN;
  /** NaN: no odometer channel; else it advances with the wheels (not on a tow truck). */
  odometerKm = Number.NaN;
  powerless = false;

  constructor(startMs = Date.UTC(2026, 2, 2, 8, 0, 0)) {
    this.tsMs = startMs;
  }

  private advance(seconds: number, kph: number, wheels = true) {
    this.tsMs += seconds * 1000;
    this.lon += (kph * seconds) / 3600 / KM_PER_DEG_LON_AT_48;
    if (wheels) this.odometerKm += (kph * seconds) / 3600;
  }

  private push(state: string, powerKw: number, codes: string[] | null = null, speedKph = this.speedKph) {
    this.samples.push({ tsMs: this.tsMs, speedKph, powerKw: this.powerless ? Number.NaN : powerKw, state, lat: this.lat, lon: this.lon, codes, batteryTempC: this.batteryTempC, socPct: this.socPct, odometerKm: this.odometerKm });
  }

  /** Accelerate at 2 m/s² to kph, under power. */
  accelerate(kph: number): this {
    while (this.speedKph < kph) {
      const next = Math.min(kph, this.speedKph + 7.2);
      this.advance(1, (this.speedKph + next) / 2);
      this.speedKph = next;
      this.push('driving', 30);
    }
    return this;
  }

  cruise(seconds: number, powerKw = 15): this {
    for (let s = 0; s < seconds; s++) {
      this.advance(1, this.speedKph);
      this.push('driving', powerKw);
    }
    return this;
  }

  /** Slow down at decelMps2 to `toKph` with the given power (regen < 0, or ≈ 0 when propulsion is lost). */
  decelerate(decelMps2: number, toKph: number, opts: { powerKw?: number; state?: string; codes?: string[] | null; codesOnce?: boolean } = {}): this {
    let first = true;
    while (this.speedKph > toKph) {
      const next = Math.max(toKph, this.speedKph - decelMps2 * 3.6);
      this.advance(1, (this.speedKph + next) / 2);
      this.speedKph = next;
      const codes = opts.codes && (!opts.codesOnce || first) ? opts.codes : null;
      this.push(opts.state ?? 'driving', opts.powerKw ?? -12, codes);
      first = false;
    }
    return this;
  }

  /** Standing still for `minutes`, one sample a minute. */
  stand(minutes: number, state = 'parked', codes: string[] | null = null): this {
    this.speedKph = 0;
    for (let m = 0; m < minutes; m++) {
      this.advance(60, 0);
      this.push(state, state === 'off' ? 0 : 0.3, codes);
    }
    return this;
  }

  /** Standing still at 1 Hz in `state`, drawing `powerKw` (the 12 V system alone: 0.1–0.5 kW). */
  hold(seconds: number, state: string, powerKw: number): this {
    this.speedKph = 0;
    for (let s = 0; s < seconds; s++) {
      this.advance(1, 0);
      this.push(state, powerKw);
    }
    return this;
  }

  /** Standing at a light: 1 Hz, power ≈ auxiliaries. */
  wait(seconds: number): this {
    this.speedKph = 0;
    for (let s = 0; s < seconds; s++) {
      this.advance(1, 0);
      this.push('driving', 0.8);
    }
    return this;
  }

  /** No data for `seconds`; the car keeps moving at the current speed meanwhile (or at `kph`). */
  gap(seconds: number, kph = this.speedKph): this {
    this.advance(seconds, kph);
    return this;
  }

  /** No data for `seconds` while the car is carried `km` east on a truck: the wheels (and the odometer) do not turn. */
  silentTow(seconds: number, km: number): this {
    this.speedKph = 0;
    this.advance(seconds, (km / seconds) * 3600, false);
    return this;
  }

  /** On a tow truck: wheels at 0, off, the GPS moving at kph, a sample every 10 s. */
  tow(minutes: number, kph = 40): this {
    this.speedKph = 0;
    for (let s = 0; s < minutes * 6; s++) {
      this.advance(10, kph, false);
      this.push('off', 0);
    }
    return this;
  }

  /** Crawl at a few kph (a car park): `seconds` at kph. */
  crawl(seconds: number, kph: number): this {
    this.speedKph = kph;
    return this.cruise(seconds, 3);
  }

  build(): TelemetrySeries {
    const s = emptySeries(this.samples.length);
    this.samples.forEach((x, i) => {
      s.tsMs[i] = x.tsMs;
      s.speedKph[i] = x.speedKph;
      s.powerKw[i] = x.powerKw;
      s.state[i] = x.state;
      s.lat[i] = x.lat;
      s.lon[i] = x.lon;
      s.errorCodes[i] = x.codes;
      s.batteryTempC[i] = x.batteryTempC;
      s.socPct[i] = x.socPct;
      s.odometerKm[i] = x.odometerKm;
    });
    return s;
  }
}

/** The samples of `series` from index `from` on (a window as the live detection would read it). */
export function sliceSeries(series: TelemetrySeries, from: number): TelemetrySeries {
  const n = series.length - from;
  const s = emptySeries(n);
  for (const key of ['tsMs', 'speedKph', 'socPct', 'rangeKm', 'batteryTempC', 'outsideTempC', 'cabinSetpointC', 'lat', 'lon', 'altM', 'odometerKm', 'powerKw'] as const) s[key].set(series[key].subarray(from));
  s.state.splice(0, n, ...series.state.slice(from));
  s.errorCodes.splice(0, n, ...series.errorCodes.slice(from));
  return s;
}
