import { describe, expect, it } from 'vitest';

// The pages' own module, as the browser loads it (plain JS, no build step).
const { duration, utc, ago } = (await import(new URL('../../src/web/format.js', import.meta.url).href)) as {
  duration: (ms: number) => string;
  utc: (ms: number) => string;
  ago: (ms: number, nowMs: number) => string;
};

describe('the console’s formats', () => {
  it('says durations in the two largest units, never "34366 min"', () => {
    expect(duration(34366 * 60_000)).toBe('23 d 20 h');
    expect(duration(3 * 3_600_000 + 5 * 60_000)).toBe('3 h 5 min');
    expect(duration(86_400_000 + 30_000)).toBe('1 d');
    expect(duration(40_000)).toBe('40 s');
    expect(duration(0)).toBe('0 s');
    expect(duration(400 * 86_400_000)).toBe('1 y 35 d');
  });
  it('gives UTC for the hover title and a relative age', () => {
    expect(utc(Date.parse('2013-01-24T23:02:05Z'))).toBe('2013-01-24 23:02:05 UTC');
    expect(ago(0, 90 * 60_000)).toBe('1 h 30 min ago');
  });
});
