/**
 * Unit conversions applied at the import edge (--map column=source:unit and profiles).
 * Each converts a source value into the unit of the schema column it feeds.
 */
export const UNIT_CONVERSIONS = {
  kph: (v: number) => v,
  mph: (v: number) => v * 1.609344,
  'm/s': (v: number) => v * 3.6,
  km: (v: number) => v,
  mi: (v: number) => v * 1.609344,
  m: (v: number) => v,
  ft: (v: number) => v * 0.3048,
  c: (v: number) => v,
  f: (v: number) => ((v - 32) * 5) / 9,
  k: (v: number) => v - 273.15,
  kw: (v: number) => v,
  w: (v: number) => v / 1000,
  pct: (v: number) => v,
  fraction: (v: number) => v * 100,
  /** Epoch timestamps. */
  ms: (v: number) => v,
  s: (v: number) => v * 1000,
  us: (v: number) => v / 1000,
} as const satisfies Record<string, (v: number) => number>;

export type UnitName = keyof typeof UNIT_CONVERSIONS;

export function isUnitName(name: string): name is UnitName {
  return Object.hasOwn(UNIT_CONVERSIONS, name.toLowerCase());
}

export function unitConversion(name: string): ((v: number) => number) | undefined {
  const key = name.toLowerCase();
  return isUnitName(key) ? UNIT_CONVERSIONS[key] : undefined;
}
