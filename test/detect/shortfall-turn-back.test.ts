import { describe, expect, it } from 'vitest';
import type { Charger } from '../../src/domain/chargers/charger.ts';
import { createChargeShortfallDetector } from '../../src/domain/detect/charge-shortfall.ts';
import { ownChargePoints } from '../../src/domain/detect/shortfall-prediction.ts';
import { predictKwhPerKm } from '../../src/domain/energy/energy-model.ts';
import type { DetectedEvent } from '../../src/domain/events/detected-event.ts';
import type { TelemetrySeries } from '../../src/domain/telemetry-series.ts';
import { northKm, scenarioSeries, testEnergyModel, type Part } from './shortfall-series.ts';

const model = testEnergyModel();
const LAT = 52;
const LON = 0.5;
const detector = createChargeShortfallDetector({ energyModel: model });
const kwAt = (speedKph: number) => predictKwhPerKm(model, { avgSpeedKph: speedKph, outsideTempC: -5, batteryTempC: 0, cabinSetpointC: 21 }) * speedKph;
// The only listed charger: a fast one 120 km north (150 km by road), out of reach at 35 % of 60 kWh at −5 °C.
const chargers: Charger[] = [{ chargerId: 'dc-far', name: 'dc-far', lat: northKm(LAT, 120), lon: LON, powerKw: 150 }];
const warnings = async (series: TelemetrySeries): Promise<DetectedEvent[]> =>
  (await detector.detect(series, { deviceId: 'car-1', chargers, fromMs: 0 })).filter((e) => e.subkind === 'predicted_shortfall');

/** Charged at home (a socket no charger list has) to 35 %, or parked there at 35 %, then north at `speedKph` for `km`. */
function dayOut(km: number, speedKph: number, chargedAtHome: boolean): { series: TelemetrySeries; departMs: number } {
  const parts: Part[] = [
    chargedAtHome ? { kind: 'charge', minutes: 60, toSocPct: 35 } : { kind: 'park', minutes: 60 },
    { kind: 'park', minutes: 10 },
    { kind: 'drive', minutes: (km * 60) / speedKph, speedKph, kw: kwAt(speedKph) },
    { kind: 'park', minutes: 40 },
  ];
  const series = scenarioSeries({ lat: LAT, lon: LON, socPct: chargedAtHome ? 20 : 35, batteryKwh: 60, outsideTempC: -5, kmPerPct: 5, parts });
  return { series, departMs: series.tsMs[series.speedKph.findIndex((v) => v > 0)]! };
}

describe('predicted shortfall on a day out: the driver can turn back', () => {
  it('a 15 km errand after charging at an unlisted home socket is not warned about the fast charger 150 km ahead', async () => {
    expect(await warnings(dayOut(15, 50, true).series)).toEqual([]);
  });

  it('the same errand without the charge at home (no place to turn back to) is warned about that charger', async () => {
    const found = await warnings(dayOut(15, 50, false).series);
    expect(found).toHaveLength(1);
    expect(found[0]!.summary).toMatch(/dc-far/);
  });

  it('driving on north past the point of no return: warned once home is out of reach, not at the unplug', async () => {
    const { series, departMs } = dayOut(80, 80, true);
    const found = await warnings(series);
    expect(found).toHaveLength(1);
    expect(found[0]!.startMs - departMs).toBeGreaterThan(10 * 60_000);
    expect(found[0]!.summary).toMatch(/dc-far/);
  });

  it('a place it charged at counts once per cluster, and not where a listed charger is', () => {
    const at = (km: number) => ({ lat: northKm(LAT, km), lon: LON });
    const points = ownChargePoints([at(0), at(0.2), at(30), at(120.3)], chargers);
    expect(points.map((p) => Math.round((p.lat - LAT) * 111.2))).toEqual([0, 30]);
  });
});
