import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { simulatorSourceHash } from '../../scripts/training/simulator-source-hash.ts';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '../..');
const SCRIPT = join(ROOT, 'scripts/training/fit-energy-model.ts');
const dir = mkdtempSync(join(tmpdir(), 'telltale-fit-'));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const committed = JSON.parse(readFileSync(join(ROOT, 'models/energy-model.json'), 'utf8')) as { training: { simulatorSourceSha1?: string } };
/** After a change to the simulator the committed model is stale: this test then fails until `npm run train:energy` is re-run and committed. */
const simulatorSha1 = simulatorSourceHash(ROOT);

describe('npm run train:energy', () => {
  it('re-fits to byte-identical files: the committed model passes --check and was fitted on the simulator as it is', async () => {
    expect(committed.training.simulatorSourceSha1).toBe(simulatorSha1);
    const { stdout } = await run(process.execPath, [SCRIPT, '--check'], { cwd: ROOT });
    expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toMatchObject({ check: 'ok', stale: [] });
  });

  it('--check exits non-zero and names the file when the model differs', async () => {
    const out = join(dir, 'energy-model.json');
    const card = join(dir, 'energy-model.model-card.md');
    copyFileSync(join(ROOT, 'models/energy-model.model-card.md'), card);
    writeFileSync(out, readFileSync(join(ROOT, 'models/energy-model.json'), 'utf8').replace('"rolling": 0.', '"rolling": 1.'));
    const failure = await run(process.execPath, [SCRIPT, '--check', '--out', out, '--card', card], { cwd: ROOT }).then(
      () => null,
      (err: { code: number; stdout: string }) => err,
    );
    expect(failure?.code).toBe(1);
    const report = JSON.parse(failure!.stdout.trim().split('\n').at(-1)!) as { check: string; stale: string[] };
    expect(report.check).toBe('differs');
    expect(report.stale).toContain(out);
  });
});
