import { describe, expect, it } from 'vitest';
import { parseIso8601 } from '../../src/domain/iso-8601.ts';
import { parseTimeParam } from '../../src/http/time-param.ts';

describe('ISO 8601 by its grammar', () => {
  it('reads zoned date-times, fractions and offsets', () => {
    expect(parseIso8601('2024-03-07T10:11:12Z')).toMatchObject({ ok: true, ms: Date.UTC(2024, 2, 7, 10, 11, 12) });
    expect(parseIso8601('2024-03-07 10:11:12.345+01:00')).toMatchObject({ ok: true, ms: Date.UTC(2024, 2, 7, 9, 11, 12, 345) });
    expect(parseIso8601('2024-03-07T10:11-0530')).toMatchObject({ ok: true, ms: Date.UTC(2024, 2, 7, 15, 41) });
    expect(parseIso8601('2024-03-07T10:11:12')).toMatchObject({ ok: true, hasZone: false });
  });

  it.each(['1 Z', 'March 7 2024 Z', '2024-03-07T10:11:12\u0000Z', '2024-02-30T00:00:00Z', '2024-13-01T00:00:00Z', '2024-01-01T24:00:00Z', '2024-01-01T00:00:00+25:00', ' 2024-01-01T00:00:00Z', '2024-01-01Z', 'Thu, 07 Mar 2024 10:11:12 GMT'])(
    'refuses %j',
    (text) => {
      expect(parseIso8601(text).ok).toBe(false);
    },
  );

  it('range parameters: out-of-range epoch values, Infinity and prose are a 400 naming the parameter', () => {
    expect(parseTimeParam('1704067200000', 'from')).toBe(1704067200000);
    expect(parseTimeParam('2024-01-01', 'from')).toBe(Date.UTC(2024, 0, 1));
    for (const bad of ['9e15', 'Infinity', '99999999999999999', '-8640000000000001', '1 Z', 'yesterday', '2024-01-01T00:00:00']) {
      expect(() => parseTimeParam(bad, 'from'), bad).toThrow(expect.objectContaining({ statusCode: 400, message: expect.stringMatching(/^from: /) }));
    }
  });
});
