import { setImmediate } from 'node:timers/promises';

/**
 * Lets pending I/O run. Parsing a buffered upload is a chain of microtasks that never gives the
 * event loop a turn: 200,000 bad rows held /healthz for 4 s. Sources call this every few
 * hundred rows, so one upload costs other requests milliseconds, not seconds.
 */
export const yieldToEventLoop = (): Promise<void> => setImmediate();

/** Rows a source reads between two yields. */
export const ROWS_PER_YIELD = 512;
