import { describe, expect, it } from 'vitest';
import { driveConditions, roadClassOf } from '../../src/domain/conditions/drive-conditions.ts';
import { isDaylight, sunAltitudeDeg } from '../../src/domain/conditions/sun-altitude.ts';
import { temperatureBand } from '../../src/domain/conditions/temperature-band.ts';
import { segmentPeriods } from '../../src/domain/segmentation/segment-periods.ts';
import { emptySeries, type TelemetrySeries } from '../../src/domain/telemetry-series.ts';

/** A 1 Hz drive from (seconds, speed) steps, at a place and a temperature. */
function drive(steps: [number, number][], opts: { t0Ms: number; lat?: number; lon?: number; tempC?: number }): TelemetrySeries {
  const n = steps.reduce((sum, [s]) => sum + s, 0);
  const series = emptySeries(n);
  let i = 0;
  let odo = 100;
  for (const [seconds, speedKph] of steps) {
    for (let k = 0; k < seconds; k++, i++) {
      series.tsMs[i] = opts.t0Ms + i * 1000;
      series.speedKph[i] = speedKph;
      series.odometerKm[i] = odo;
      series.outsideTempC[i] = opts.tempC ?? 15;
      if (opts.lat !== undefined) {
        series.lat[i] = opts.lat;
        series.lon[i] = opts.lon!;
      }
      series.state[i] = 'driving';
      odo += speedKph / 3600;
    }
  }
  return series;
}

const NOON_RABAT = Date.UTC(2021, 5, 30, 12, 0, 0);

describe('road classes from the speed profile', () => {
  it('classes by the documented thresholds', () => {
    expect(roadClassOf(49.9)).toBe('city');
    expect(roadClassOf(50)).toBe('arterial');
    expect(roadClassOf(79.9)).toBe('arterial');
    expect(roadClassOf(80)).toBe('highway');
  });

  it('splits a city-then-highway drive by distance and time, the classes summing to the distance', () => {
    const s = drive([[600, 30], [600, 110]], { t0Ms: NOON_RABAT, lat: 34.02, lon: -6.83 });
    const c = driveConditions(s, 0, s.length - 1, s.length - 1, 23.5);
    // 600 s at 30 km/h = 5 km, 600 s at 110 km/h = 18.3 km; the 60 s window blurs 30 s each side of the change.
    expect(c.cityS).toBeGreaterThan(560);
    expect(c.cityS).toBeLessThan(640);
    expect(c.highwayS).toBeGreaterThan(560);
    expect(c.highwayKm! + c.arterialKm! + c.cityKm!).toBeCloseTo(23.5, 2);
    expect(c.highwayShare!).toBeGreaterThan(0.75);
    expect(c.stretches.map((st) => st.roadClass)).toEqual(['city', 'highway']);
  });

  it('keeps a highway a highway through a 10 s slow-down, and a city street a city street through a 10 s burst', () => {
    const highway = drive([[300, 110], [10, 0], [300, 110]], { t0Ms: NOON_RABAT });
    const h = driveConditions(highway, 0, highway.length - 1, highway.length - 1, null);
    expect(h.cityS + h.arterialS).toBe(0);
    const city = drive([[300, 30], [10, 90], [300, 30]], { t0Ms: NOON_RABAT });
    const c = driveConditions(city, 0, city.length - 1, city.length - 1, null);
    expect(c.highwayS).toBe(0);
    expect(c.stretches).toHaveLength(1);
  });
});

describe('temperature band and daylight', () => {
  it('bands are [lower, upper) around 0 °C', () => {
    expect(temperatureBand(-10.01)).toBe('<-10');
    expect(temperatureBand(-10)).toBe('-10..0');
    expect(temperatureBand(-0.5)).toBe('-10..0');
    expect(temperatureBand(0)).toBe('0..10');
    expect(temperatureBand(29.9)).toBe('20..30');
    expect(temperatureBand(30)).toBe('>=30');
  });

  it('finds the sun where the almanac puts it', () => {
    // Greenwich at the June solstice, 12:00 UTC: 90° − 51.48° + 23.44° = 61.96°.
    expect(sunAltitudeDeg(Date.UTC(2024, 5, 21, 12, 0), 51.48, 0)).toBeCloseTo(61.96, 1);
    // London sunrise on 21 June 2024 is 04:43 BST = 03:43 UTC.
    expect(isDaylight(Date.UTC(2024, 5, 21, 3, 30), 51.5, -0.13)).toBe(false);
    expect(isDaylight(Date.UTC(2024, 5, 21, 4, 0), 51.5, -0.13)).toBe(true);
  });

  it('a drive at noon in Rabat is by day, one at 23:00 UTC by night, one without GPS unknown', () => {
    const day = drive([[600, 40]], { t0Ms: NOON_RABAT, lat: 34.02, lon: -6.83, tempC: -3 });
    const d = driveConditions(day, 0, day.length - 1, day.length - 1, null);
    expect(d).toMatchObject({ daylight: 'day', daylightShare: 1, tempBand: '-10..0', meanOutsideTempC: -3 });
    const night = drive([[600, 40]], { t0Ms: Date.UTC(2021, 5, 30, 23, 0), lat: 34.02, lon: -6.83 });
    expect(driveConditions(night, 0, night.length - 1, night.length - 1, null).daylight).toBe('night');
    const blind = drive([[600, 40]], { t0Ms: NOON_RABAT });
    expect(driveConditions(blind, 0, blind.length - 1, blind.length - 1, null)).toMatchObject({ daylight: 'unknown', daylightShare: null });
  });

  it('segmentation attaches the conditions to each drive', () => {
    const s = drive([[120, 0], [900, 100], [120, 0]], { t0Ms: NOON_RABAT, lat: 34.02, lon: -6.83, tempC: 22 });
    const drives = segmentPeriods(s).filter((p) => p.kind === 'drive');
    expect(drives).toHaveLength(1);
    expect(drives[0]!.conditions).toMatchObject({ tempBand: '20..30', daylight: 'day' });
    expect(drives[0]!.conditions!.highwayShare!).toBeGreaterThan(0.95);
  });
});
