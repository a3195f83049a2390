import { describe, expect, it } from 'vitest';
import { backoffMs, decideRetry, parseRetryAfterMs } from '../../../src/domain/alerts/retry-policy.ts';
import { mulberry32 as seededRandom } from '../../../src/domain/seeded-random.ts';

const OPTS = { maxAttempts: 5, baseBackoffMs: 1000, maxBackoffMs: 30_000 };
const NOW = Date.parse('2024-06-01T08:00:00Z');
const half = () => 0.5;

describe('retry policy', () => {
  it('backs off exponentially with jitter inside [step/2, step], capped', () => {
    const random = seededRandom(42);
    for (let attempt = 1; attempt <= 8; attempt++) {
      const step = Math.min(30_000, 1000 * 2 ** (attempt - 1));
      const d = backoffMs(attempt, OPTS, random);
      expect(d).toBeGreaterThanOrEqual(step / 2);
      expect(d).toBeLessThanOrEqual(step);
    }
    expect(backoffMs(3, OPTS, half)).toBe(3000);
  });

  it('is reproducible for a seed', () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    expect([a(), a(), a()]).toEqual([b(), b(), b()]);
  });

  it('retries network errors, timeouts and 5xx; dead-letters after the budget', () => {
    expect(decideRetry({ kind: 'network', message: 'ECONNREFUSED' }, 1, OPTS, half, NOW)).toEqual({ action: 'retry', delayMs: 750, reason: 'network error: ECONNREFUSED' });
    expect(decideRetry({ kind: 'timeout' }, 2, OPTS, half, NOW)).toMatchObject({ action: 'retry', delayMs: 1500 });
    expect(decideRetry({ kind: 'http', status: 503 }, 4, OPTS, half, NOW)).toMatchObject({ action: 'retry' });
    expect(decideRetry({ kind: 'http', status: 503 }, 5, OPTS, half, NOW)).toEqual({ action: 'dead', reason: 'HTTP 503; gave up after 5 attempts' });
  });

  it('never retries other 4xx', () => {
    expect(decideRetry({ kind: 'http', status: 404 }, 1, OPTS, half, NOW)).toMatchObject({ action: 'dead', reason: expect.stringContaining('not retried') });
    expect(decideRetry({ kind: 'http', status: 401 }, 1, OPTS, half, NOW).action).toBe('dead');
  });

  it('honours Retry-After on 429 as seconds or a date, capped at the maximum backoff', () => {
    expect(decideRetry({ kind: 'http', status: 429, retryAfter: '12' }, 1, OPTS, half, NOW)).toMatchObject({ action: 'retry', delayMs: 12_000 });
    expect(decideRetry({ kind: 'http', status: 429, retryAfter: new Date(NOW + 20_000).toUTCString() }, 1, OPTS, half, NOW)).toMatchObject({ delayMs: 20_000 });
    expect(decideRetry({ kind: 'http', status: 429, retryAfter: '3600' }, 1, OPTS, half, NOW)).toMatchObject({ delayMs: 30_000 });
    expect(decideRetry({ kind: 'http', status: 429, retryAfter: 'soon' }, 1, OPTS, half, NOW)).toMatchObject({ delayMs: 750 });
    expect(parseRetryAfterMs(null, NOW)).toBeUndefined();
  });

  it('reports delivery as delivered', () => {
    expect(decideRetry({ kind: 'delivered', status: 204 }, 3, OPTS, half, NOW)).toEqual({ action: 'delivered' });
  });
});
