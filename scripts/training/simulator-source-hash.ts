import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * SHA-1 of the simulator's source files (src/simulate/*.ts, sorted): recorded with a model fitted on
 * simulated data, so a stale model can be told apart from a non-deterministic fit.
 */
export function simulatorSourceHash(root: string): string {
  const dir = join(root, 'src/simulate');
  const hash = createHash('sha1');
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts')).sort()) {
    hash.update(file).update('\u0000').update(readFileSync(join(dir, file))).update('\u0000');
  }
  return hash.digest('hex');
}
