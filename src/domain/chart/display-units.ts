import type { DisplayUnits } from './chart-input.ts';

const KM_PER_MI = 1.609344;

/** Schema units → display units, applied only when a value is put into the picture. */
export function speedIn(units: DisplayUnits): { label: string; convert: (kph: number) => number } {
  return units.speed === 'mph' ? { label: 'mph', convert: (v) => v / KM_PER_MI } : { label: 'km/h', convert: (v) => v };
}

export function temperatureIn(units: DisplayUnits): { label: string; convert: (c: number) => number } {
  return units.temperature === 'f' ? { label: '°F', convert: (v) => (v * 9) / 5 + 32 } : { label: '°C', convert: (v) => v };
}

export function distanceIn(units: DisplayUnits): { label: string; convert: (km: number) => number } {
  return units.distance === 'mi' ? { label: 'mi', convert: (v) => v / KM_PER_MI } : { label: 'km', convert: (v) => v };
}
