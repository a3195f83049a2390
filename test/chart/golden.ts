import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { expect } from 'vitest';

/**
 * Golden files of the charts' SVG, compared exactly after normalising (numbers rounded to 0.1 px,
 * Vega's generated clip ids renumbered, one element a line so a diff reads). To accept a change on
 * purpose, look at the picture, then run the test again with UPDATE_GOLDEN=1 and commit the files:
 *   UPDATE_GOLDEN=1 npx vitest run test/chart
 */
export function normalizeSvg(svg: string): string {
  const ids = new Map<string, string>();
  return svg
    .replace(/\b(clip|gradient|pattern|mask)(\d+)\b/g, (_m, kind: string, n: string) => {
      const key = `${kind}${n}`;
      if (!ids.has(key)) ids.set(key, `${kind}${ids.size + 1}`);
      return ids.get(key)!;
    })
    .replace(/-?\d+\.\d+/g, (n) => String(Math.round(Number(n) * 10) / 10))
    .replace(/></g, '>\n<');
}

export function expectGolden(actual: string, file: string): void {
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  if (!existsSync(file)) throw new Error(`${file}: no golden file yet; run with UPDATE_GOLDEN=1 to write it, look at it, and commit it`);
  const expected = readFileSync(file, 'utf8');
  // Compared as lines, so a failure shows the first elements that moved rather than a 100 kB string.
  expect(actual.split('\n'), `${file} differs (UPDATE_GOLDEN=1 rewrites it after a change on purpose)`).toEqual(expected.split('\n'));
}
