/**
 * Web benchmark, `npm run bench:web`: the two browser benchmarks of the console in one run, each
 * in its own process (Debian's chromium through playwright-core):
 *   - bench:web:replay: frames per second of the replay page playing 10 h of 1 Hz data at 100×
 *     and 1000× (target ≥ 30), beside the paused page's frame rate;
 *   - bench:web:fleet: the fleet overview's load time with 1,000 devices (target < 500 ms), beside
 *     the bare GET /v1/devices.
 * Their tables go to stderr as they run; then ONE line of JSON with both results.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const HERE = import.meta.dirname;

function run(script: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(HERE, script)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      process.stderr.write(d);
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      if (code !== 0) return reject(new Error(`${script} exited with ${code}`));
      try {
        resolve(JSON.parse(last) as Record<string, unknown>);
      } catch {
        reject(new Error(`${script} did not end with a JSON line`));
      }
    });
  });
}

const replay = await run('web-replay.ts');
const fleet = await run('web-fleet.ts');
console.log(JSON.stringify({ bench: 'web', meetsTargets: replay.meetsTarget === true && fleet.meetsTarget === true, replay, fleet }));
