import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NODE, ROOT } from '../cli/run-cli.ts';

/** Runs a training script with --check: it rebuilds the model in memory and compares it byte for byte with models/. */
function check(script: string): Promise<{ code: number | null; lastLine: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, [join(ROOT, script), '--check'], { cwd: ROOT, env: { ...process.env, TZ: 'UTC' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, lastLine: out.trim().split('\n').at(-1) ?? '' }));
  });
}

// The energy model has the same check in test/energy/fit-energy-script.test.ts.
describe('the committed breakdown model is what the script in the repo rebuilds from the data in the repo', () => {
  it('models/breakdown.onnx, its card and metrics', async () => {
    const { code, lastLine } = await check('scripts/training/train-breakdown.ts');
    expect(JSON.parse(lastLine)).toMatchObject({ mode: 'check', identical: true, differing: [] });
    expect(code).toBe(0);
  }, 600_000);
});
