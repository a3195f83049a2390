import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

// The import graph (npm run lint:layers) keeps DuckDB's API in src/store; this keeps SQL there too.
// Code outside the store may hold a connection and pass it to repository functions, but never hands
// a statement to DuckDB itself: a call like conn.run('…'), runAndReadAll(`…`) or createAppender('…').
const ROOT = join(import.meta.dirname, '../..');
const SRC = join(ROOT, 'src');
const STATEMENT_CALL = /\.(run|runAndReadAll|runAndRead|stream|streamAndReadAll|createAppender|prepare)\(\s*[`'"]/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

function statementLines(file: string): string[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((line, i) => ({ line, n: i + 1 }))
    .filter(({ line }) => STATEMENT_CALL.test(line))
    .map(({ line, n }) => `${relative(ROOT, file)}:${n}: ${line.trim()}`);
}

describe('SQL lives only in src/store', () => {
  const outside = sourceFiles(SRC).filter((f) => !relative(SRC, f).startsWith('store/'));

  it('recognises a statement call (the check can fail)', () => {
    expect(STATEMENT_CALL.test("await conn.run('BEGIN TRANSACTION');")).toBe(true);
    expect(STATEMENT_CALL.test('const r = await conn.runAndReadAll(`SELECT 1`);')).toBe(true);
    expect(STATEMENT_CALL.test('await store.writeLock.run(() => work());')).toBe(false);
  });

  it('no file outside src/store hands SQL to DuckDB', () => {
    const found = outside.flatMap(statementLines);
    expect(found).toEqual([]);
  });
});
