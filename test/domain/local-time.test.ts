import { describe, expect, it } from 'vitest';
import { isValidTimeZone, localToUtcConverter } from '../../src/domain/local-time.ts';

const wall = (y: number, mo: number, d: number, h: number, mi = 0) => Date.UTC(y, mo - 1, d, h, mi);
const iso = (ms: number) => new Date(ms).toISOString();

describe('localToUtcConverter', () => {
  it('follows the tz database for Morocco: UTC+1, UTC+0 during Ramadan 2021', () => {
    const casablanca = localToUtcConverter('Africa/Casablanca');
    expect(iso(casablanca(wall(2021, 6, 30, 9, 39)))).toBe('2021-06-30T08:39:00.000Z');
    expect(iso(casablanca(wall(2021, 4, 22, 8, 42)))).toBe('2021-04-22T08:42:00.000Z');
  });

  it('handles daylight-saving changes in Europe/Paris', () => {
    const paris = localToUtcConverter('Europe/Paris');
    expect(iso(paris(wall(2024, 1, 15, 12)))).toBe('2024-01-15T11:00:00.000Z');
    expect(iso(paris(wall(2024, 7, 15, 12)))).toBe('2024-07-15T10:00:00.000Z');
    // The last hour before and the first hour after the spring change (02:00 → 03:00 on 31 March).
    expect(iso(paris(wall(2024, 3, 31, 1, 30)))).toBe('2024-03-31T00:30:00.000Z');
    expect(iso(paris(wall(2024, 3, 31, 3, 30)))).toBe('2024-03-31T01:30:00.000Z');
  });

  it('takes fixed offsets and UTC', () => {
    expect(iso(localToUtcConverter('+01:00')(wall(2024, 1, 1, 1)))).toBe('2024-01-01T00:00:00.000Z');
    expect(iso(localToUtcConverter('-05:30')(wall(2024, 1, 1, 0)))).toBe('2024-01-01T05:30:00.000Z');
    expect(iso(localToUtcConverter('UTC')(wall(2024, 1, 1, 0)))).toBe('2024-01-01T00:00:00.000Z');
  });

  it('tells real zones from made-up ones', () => {
    expect(isValidTimeZone('America/New_York')).toBe(true);
    expect(isValidTimeZone('+01:00')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
  });
});
