import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli } from './run-cli.ts';

const FIXTURE = join(ROOT, 'fixtures/model-s-2013');
let dir: string;
let db: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'telltale-annotate-'));
  db = join(dir, 't.duckdb');
  const ingest = await runCli(['ingest', join(FIXTURE, 'telemetry.csv.gz'), '--device', 'model-s-2013', '--db', db, '--json']);
  expect(ingest.code, ingest.stderr).toBe(0);
  expect(JSON.parse(ingest.stdout.trim().split('\n').at(-1)!)).toMatchObject({ accepted: 55348, rejected: 0 });
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('telltale annotate', () => {
  it('imports the fixture annotations and lists them with their verdicts', async () => {
    const imp = await runCli(['annotate', 'import', join(FIXTURE, 'annotations.json'), '--device', 'model-s-2013', '--db', db]);
    expect(imp.code, imp.stderr).toBe(0);
    expect(imp.stdout).toContain('9 created, 0 replaced');
    const list = await runCli(['annotate', 'list', '--device', 'model-s-2013', '--db', db]);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/ms13-cruise-54 .*Cruise control set at 54 mph\n\s+contradicted: speed <= 54 mph/);
    expect(list.stdout).toMatch(/ms13-milford-full .*\n\s+contradicted: .*the log shows 72 %/);
  }, 60_000);

  it('adds a note with a claim and prints its verdict; refuses a claim in the wrong unit', async () => {
    const claim = JSON.stringify({ kind: 'value_at', channel: 'soc', atMs: Date.parse('2013-01-23T18:14:00Z'), op: '>=', value: 90, unit: '%' });
    const add = await runCli(['annotate', 'add', '--device', 'model-s-2013', '--at', '2013-01-23T18:14:00Z', '--text', 'left Newark full enough', '--tag', 'cli', '--claim', claim, '--db', db, '--json']);
    expect(add.code, add.stderr).toBe(0);
    const a = JSON.parse(add.stdout) as { tags: string[]; verdict: { verdict: string } };
    expect(a.tags).toEqual(['cli']);
    expect(a.verdict.verdict).toBe('supported');
    const bad = await runCli(['annotate', 'add', '--device', 'model-s-2013', '--at', '2013-01-23T18:14:00Z', '--text', 'x', '--claim', claim.replace('"%"', '"mph"'), '--db', db]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("claim.unit: unit 'mph' does not measure state of charge");
  }, 60_000);
});
