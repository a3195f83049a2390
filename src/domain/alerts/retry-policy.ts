import { mulberry32 } from '../seeded-random.ts';
/** How a delivery attempt ended, as far as retrying is concerned. */
export type AttemptOutcome =
  | { kind: 'delivered'; status: number }
  | { kind: 'http'; status: number; retryAfter?: string | null | undefined }
  | { kind: 'network'; message: string }
  | { kind: 'timeout' };

export interface RetryOptions {
  /** Attempts in all, the first included; after the last failure the item is dead-lettered. */
  maxAttempts: number;
  baseBackoffMs: number;
  maxBackoffMs: number;
}

export type RetryDecision =
  | { action: 'delivered' }
  | { action: 'retry'; delayMs: number; reason: string }
  | { action: 'dead'; reason: string };

/** Retry-After as seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfterMs(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/**
 * Exponential backoff with "equal jitter": half the step is fixed, half random, so retries of
 * many items after one outage spread out instead of arriving together.
 */
export function backoffMs(attempt: number, options: RetryOptions, random: () => number): number {
  const step = Math.min(options.maxBackoffMs, options.baseBackoffMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(step / 2 + random() * (step / 2));
}

/**
 * Network errors, timeouts and 5xx are retried with backoff; 429 waits as long as Retry-After asks
 * (capped at maxBackoffMs); any other 4xx is the receiver refusing the notice, so retrying cannot help.
 * `attempt` counts the attempt that just ended, from 1.
 */
export function decideRetry(outcome: AttemptOutcome, attempt: number, options: RetryOptions, random: () => number, nowMs: number): RetryDecision {
  if (outcome.kind === 'delivered') return { action: 'delivered' };
  let reason: string;
  let delayMs = backoffMs(attempt, options, random);
  if (outcome.kind === 'http') {
    reason = `HTTP ${outcome.status}`;
    if (outcome.status === 429) {
      const asked = parseRetryAfterMs(outcome.retryAfter, nowMs);
      if (asked !== undefined) delayMs = Math.min(asked, options.maxBackoffMs);
    } else if (outcome.status < 500) {
      return { action: 'dead', reason: `${reason}: not retried (the receiver refused it)` };
    }
  } else if (outcome.kind === 'network') {
    reason = `network error: ${outcome.message}`;
  } else {
    reason = 'timed out';
  }
  if (attempt >= options.maxAttempts) return { action: 'dead', reason: `${reason}; gave up after ${attempt} attempts` };
  return { action: 'retry', delayMs, reason };
}

