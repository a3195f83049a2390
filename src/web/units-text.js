// Units that follow the device in text: which system a device reads in (from its region), and a
// detector's sentence ("stopped at 107 kph, towed 12.4 km") rewritten in it ("at 66 mph, towed
// 7.7 mi"). No DOM here: test/web/units-text.test.ts runs it in Node; units-text.d.ts types it.
import { displayUnits } from './replay-model.js';

/**
 * Countries whose roads and weather read in miles, mph and °F: the browser's copy of
 * src/domain/replay/unit-system.ts (the pages load no TypeScript); the test checks both agree.
 */
const IMPERIAL_COUNTRIES = new Set(['US', 'USA', 'LR', 'LBR', 'MM', 'MMR']);

/** 'imperial' | 'metric' for a device's region ('US-CT', 'usa_ca', 'MA'); metric when unknown. */
export function unitSystemOf(region) {
  const country = String(region ?? '').trim().split(/[-_ /]/)[0]?.toUpperCase();
  return country && IMPERIAL_COUNTRIES.has(country) ? 'imperial' : 'metric';
}

/** The display units of a device (its summary from GET /v1/devices/:id), or of `requested` when given. */
export const unitsOfDevice = (device, requested) => displayUnits(requested ?? unitSystemOf(device?.region));

const UNIT_OF = { 'km/h': 'speed', kph: 'speed', km: 'distance', '°C': 'temperature' };
// A number (or "A → B", "A–B" range) right before a metric unit; not "km/kWh" or "kWh/km" (rates stay as they are).
const QUANTITY = /(^|[^\w.])([+±]?)(-?\d+(?:\.\d+)?)(?:(\s*(?:→|–|to)\s*)(-?\d+(?:\.\d+)?))?\s?(km\/h|kph|km|°C)(?![\w/])/g;
/** Words before a temperature that make it a difference (a rise, a bound on one), converted without the +32. */
const DIFFERENCE_BEFORE = /(?:at most|up to|by|rise of|within)\s*$/;

const decimalsOf = (s) => (s.includes('.') ? s.split('.')[1].length : 0);

/**
 * A detector's sentence in the device's units: speeds, distances and temperatures converted (with
 * as many decimals as written), "kph" written "km/h" in metric. A signed "+" or "±" temperature, or
 * one after "at most", "up to", "by", is a difference: °F = °C × 9/5 with no offset.
 */
export function localiseText(text, units) {
  if (text == null) return '';
  return String(text).replace(QUANTITY, (whole, before, sign, a, joiner, b, unit, offset, all) => {
    const kind = UNIT_OF[unit];
    const target = units[kind];
    const difference = kind === 'temperature' && (sign !== '' || DIFFERENCE_BEFORE.test(all.slice(0, offset + before.length)));
    const convert = difference ? (v) => target.convert(v) - target.convert(0) : target.convert;
    const show = (s) => {
      const v = convert(Number(s));
      const out = v.toFixed(decimalsOf(s));
      return out === '-0' || /^-0\.0*$/.test(out) ? out.slice(1) : out;
    };
    return `${before}${sign}${show(a)}${joiner === undefined ? '' : `${joiner}${show(b)}`} ${target.label}`;
  });
}
