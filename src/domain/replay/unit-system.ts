/** How a page shows a device's values: the schema's metric units, or miles, mph and °F. */
export type UnitSystem = 'metric' | 'imperial';

/** Countries whose roads and weather read in miles, mph and °F (ISO 3166 alpha-2 and alpha-3). */
const IMPERIAL_COUNTRIES = new Set(['US', 'USA', 'LR', 'LBR', 'MM', 'MMR']);

/**
 * The units a device is shown in: what the viewer asked for, else what its region reads (a region
 * starts with a country code, optionally followed by a subdivision: 'US', 'US-CT', 'usa_ca'), else metric.
 */
export function unitSystemFor(device: { region?: string | null | undefined }, requested?: UnitSystem | undefined): UnitSystem {
  if (requested) return requested;
  const country = device.region?.trim().split(/[-_ /]/)[0]?.toUpperCase();
  return country && IMPERIAL_COUNTRIES.has(country) ? 'imperial' : 'metric';
}
