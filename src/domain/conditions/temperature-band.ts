import { Type } from 'typebox';

/**
 * Outside-temperature bands, 10 °C wide and split at 0 °C: below freezing a pack needs heating
 * before it charges or delivers full power and the cabin heater takes a large share of the
 * energy, so 0 °C is the edge that matters most; −10 °C and below is where range loss and charge
 * limits become severe. Bands are [lower, upper): −0.5 °C is in `-10..0`, 0 °C in `0..10`.
 */
export const TEMPERATURE_BANDS = ['<-10', '-10..0', '0..10', '10..20', '20..30', '>=30'] as const;
export const TemperatureBandLiterals = [
  Type.Literal('<-10'),
  Type.Literal('-10..0'),
  Type.Literal('0..10'),
  Type.Literal('10..20'),
  Type.Literal('20..30'),
  Type.Literal('>=30'),
] as const;
export type TemperatureBand = (typeof TEMPERATURE_BANDS)[number];

export function temperatureBand(tempC: number): TemperatureBand {
  if (tempC < -10) return '<-10';
  if (tempC < 0) return '-10..0';
  if (tempC < 10) return '0..10';
  if (tempC < 20) return '10..20';
  if (tempC < 30) return '20..30';
  return '>=30';
}
