import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * A test hook for the kill tests: with TELLTALE_CRASH_AT=<name> in the environment the process
 * SIGKILLs itself when it reaches the named point, so a test can stop it at an exact place
 * between two transactions instead of racing a timer. Unset (production), a point costs one
 * comparison. The kill waits two turns of the event loop first, so a reply written just before
 * (the ack of the batch that caused the work) has left the process.
 */
const CRASH_AT = process.env.TELLTALE_CRASH_AT;

export type CrashPointName = 'ingest:before-commit' | 'pipeline:before-fast' | 'pipeline:after-fast' | 'pipeline:after-slow' | 'alerts:after-scan';

export async function crashPoint(name: CrashPointName): Promise<void> {
  if (CRASH_AT !== name) return;
  await nextTurn();
  await nextTurn();
  process.kill(process.pid, 'SIGKILL');
  // SIGKILL is not delivered synchronously everywhere; never go past the point.
  await new Promise<never>(() => undefined);
}
