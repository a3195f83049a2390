import { describe, expect, it } from 'vitest';
import { unitSystemFor } from '../../src/domain/replay/unit-system.ts';
import { displayUnits } from '../../src/web/replay-model.js';
import { localiseText, unitSystemOf, unitsOfDevice } from '../../src/web/units-text.js';

const imperial = displayUnits('imperial');
const metric = displayUnits('metric');

describe('units that follow the device in text', () => {
  it('rewrites a breakdown sentence in mph and miles for an imperial device', () => {
    expect(localiseText('Stalled: 12 V fault codes, then a stop at 107 kph, towed 12.4 km', imperial)).toBe('Stalled: 12 V fault codes, then a stop at 66 mph, towed 7.7 mi');
    expect(localiseText('stopped at 107 km/h', imperial)).toBe('stopped at 66 mph');
  });

  it('writes metric sentences with km/h and leaves their numbers alone', () => {
    expect(localiseText('a stop at 107 kph, towed 12.4 km', metric)).toBe('a stop at 107 km/h, towed 12.4 km');
    expect(localiseText('Parked 30 h at -4 °C', metric)).toBe('Parked 30 h at -4 °C');
  });

  it('converts temperatures, with a rise or a bound on one as a difference', () => {
    expect(localiseText('Parked 30 h at -4 °C: SoC 80 → 70 %', imperial)).toBe('Parked 30 h at 25 °F: SoC 80 → 70 %');
    expect(localiseText('+5.0 °C in 10 min (at most 1.5 °C expected)', imperial)).toBe('+9.0 °F in 10 min (at most 2.7 °F expected)');
    expect(localiseText('(SoC 12 %, 0 °C)', imperial)).toBe('(SoC 12 %, 32 °F)');
  });

  it('converts both ends of a range and leaves percentages, kWh and rates alone', () => {
    expect(localiseText('displayed range 200 → 180 km', imperial)).toBe('displayed range 124 → 112 mi');
    expect(localiseText('used 0.25 kWh/km and 20 kWh, 5 km/kWh', imperial)).toBe('used 0.25 kWh/km and 20 kWh, 5 km/kWh');
    expect(localiseText('Newark DE Supercharger (41 km)', imperial)).toBe('Newark DE Supercharger (25 mi)');
    expect(localiseText(null, imperial)).toBe('');
  });

  it('picks the same unit system as the server for a region', () => {
    for (const region of ['US-CT', 'usa_ca', 'US', 'MA', 'FR-75', 'GB', 'mm', '', null, undefined, ' LR ']) {
      expect(unitSystemOf(region), String(region)).toBe(unitSystemFor({ region }));
    }
    expect(unitsOfDevice({ region: 'US-CT' }).speed.label).toBe('mph');
    expect(unitsOfDevice({ region: 'US-CT' }, 'metric').speed.label).toBe('km/h');
    expect(unitsOfDevice(null).distance.label).toBe('km');
  });
});
