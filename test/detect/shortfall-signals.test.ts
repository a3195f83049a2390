import { describe, expect, it } from 'vitest';
import type { Charger } from '../../src/domain/chargers/charger.ts';
import { bearingDeg, nextChargerTarget, robustValueAt, usableChargers } from '../../src/domain/detect/shortfall-signals.ts';
import { haversineKm } from '../../src/domain/geo-distance.ts';

const at = (id: string, lat: number, lon: number): Charger => ({ chargerId: id, name: id, lat, lon, powerKw: 50 });
const here = { lat: 50, lon: 0 };
// ~0.09° of latitude ≈ 10 km.
const north20 = at('north-20', 50.18, 0);
const south10 = at('south-10', 49.91, 0);
const north300 = at('north-300', 52.7, 0);

describe('the charger a leg is judged against', () => {
  it('knows no charger when every listed one is in another region (beyond 600 km by road)', () => {
    const connecticut = at('milford-ct', 41.22, -73.06);
    expect(nextChargerTarget([connecticut], { lat: 33.98, lon: -6.75 }, 90, null)).toBeNull();
    expect(nextChargerTarget([connecticut], { lat: 33.98, lon: -6.75 }, null, null)).toBeNull();
    expect(nextChargerTarget([connecticut, north20], here, null, null)!.charger.chargerId).toBe('north-20');
  });

  it('takes the nearest charger ahead, road distance = great circle × 1.25', () => {
    const t = nextChargerTarget([south10, north20], here, 0, null)!;
    expect(t.charger.chargerId).toBe('north-20');
    expect(t.how).toBe('ahead');
    expect(t.roadKm).toBeCloseTo(haversineKm(50, 0, 50.18, 0) * 1.25, 6);
  });

  it('before departure, takes the nearest charger other than the one just left', () => {
    const home = at('home', 50, 0.001);
    const t = nextChargerTarget([home, north20, south10], here, null, { lat: 50, lon: 0.001 })!;
    expect(t.charger.chargerId).toBe('south-10');
    expect(t.how).toBe('nearest_other');
  });

  it('does not count a charger far ahead when one behind is much nearer (the driver can turn back)', () => {
    const t = nextChargerTarget([south10, north300], here, 0, null)!;
    expect(t.charger.chargerId).toBe('south-10');
    expect(t.how).toBe('nearest');
  });

  it('on a journey (left a charger it drove to), the one left and those behind are not the next charger', () => {
    const left = { lat: 50, lon: 0.001 };
    const justLeft = at('left', 50, 0.001);
    const t = nextChargerTarget([justLeft, south10, north300], here, 0, left, { enRoute: true })!;
    expect(t.charger.chargerId).toBe('north-300');
    expect(t.how).toBe('ahead');
    // Off the road: 60° off the heading is outside the ±45° cone.
    const offRoad = at('off-road', 50.09, 0.2);
    expect(nextChargerTarget([offRoad, north300], here, 0, left, { enRoute: true })!.charger.chargerId).toBe('north-300');
  });

  it('usable chargers: fast ones (or of unknown power) and slow ones the car has charged at itself', () => {
    const wallbox = { ...at('wallbox', 50.05, 0), powerKw: 11 };
    const ownWallbox = { ...at('own', 50.2, 0), powerKw: 7 };
    const unknown = { ...at('unknown', 50.3, 0), powerKw: null };
    const ids = usableChargers([north20, wallbox, ownWallbox, unknown], [{ lat: 50.2005, lon: 0 }]).map((c) => c.chargerId);
    expect(ids).toEqual(['north-20', 'own', 'unknown']);
  });

  it('bearing and robust values', () => {
    expect(bearingDeg(50, 0, 51, 0)).toBeCloseTo(0, 6);
    expect(bearingDeg(50, 0, 50, 1)).toBeGreaterThan(89);
    expect(bearingDeg(50, 0, 50, 1)).toBeLessThan(91);
    // One glitched reading among five cannot move the value.
    expect(robustValueAt(new Float64Array([14.7, 14.6, 0.02, 14.5, 14.4]), 4)).toBe(14.5);
    expect(robustValueAt(new Float64Array([Number.NaN, Number.NaN]), 1)).toBeNaN();
  });
});
