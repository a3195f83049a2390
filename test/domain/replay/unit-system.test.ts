import { describe, expect, it } from 'vitest';
import { unitSystemFor } from '../../../src/domain/replay/unit-system.ts';

describe('unitSystemFor', () => {
  it('reads a US region (with or without a subdivision) as imperial', () => {
    expect(unitSystemFor({ region: 'US-CT' })).toBe('imperial');
    expect(unitSystemFor({ region: 'usa_ca' })).toBe('imperial');
    expect(unitSystemFor({ region: 'US' })).toBe('imperial');
  });
  it('is metric elsewhere and without a region', () => {
    expect(unitSystemFor({ region: 'FR-IDF' })).toBe('metric');
    expect(unitSystemFor({ region: 'USTICA' })).toBe('metric');
    expect(unitSystemFor({ region: null })).toBe('metric');
    expect(unitSystemFor({})).toBe('metric');
  });
  it('follows what the viewer asked for over the region', () => {
    expect(unitSystemFor({ region: 'US-CT' }, 'metric')).toBe('metric');
    expect(unitSystemFor({ region: 'DE' }, 'imperial')).toBe('imperial');
  });
});
