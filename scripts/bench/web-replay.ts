/**
 * Replay page benchmark, `npm run bench:web:replay` (flags: --seconds --seed --window --speeds
 * 100,1000 --store PATH --quick).
 *
 * One seeded vehicle with 10 h at 1 Hz (36,000 rows; scripts/fixtures/fleet-generator.ts) is
 * bulk-loaded into a DuckDB file and served by `telltale serve` in a child process. Debian's
 * chromium (playwright-core, 1366×768, headless) opens /replay/<device> and, for each speed, plays
 * from the start; after a second of warm-up it counts over --window seconds:
 *   - frames per second of the page: requestAnimationFrame callbacks (counted by a loop the bench
 *     adds) and the page's own renders (window.telltale.renders: playheads, strip cursor,
 *     read-outs, track marker moved), with the p99 and longest interval between animation frames;
 *   - WebSocket frames and rows received per second (what the page had to take in).
 * Baseline, same browser and run: the animation-frame rate of the same page paused (the display's
 * cap with nothing to draw). Target: at least 30 fps at 100× and 1000×. The machine is shared, so
 * figures vary with its load (printed). Prints a table, then ONE line of JSON.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium, type Page } from 'playwright-core';
import { deviceName } from '../fixtures/fleet-generator.ts';
import { authHeaders, benchStore, startServer } from './bench-store.ts';

/* eslint-disable @typescript-eslint/no-explicit-any */
declare const window: any;
declare const document: any;
declare const performance: any;
declare const requestAnimationFrame: any;

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '36000' },
    seed: { type: 'string', default: '5' },
    window: { type: 'string', default: '10' },
    speeds: { type: 'string', default: '100,1000' },
    store: { type: 'string' },
    quick: { type: 'boolean', default: false },
  },
});
const CHROMIUM = '/usr/bin/chromium';
const quick = values.quick;
const seconds = Number(values.seconds);
const windowS = quick ? 3 : Number(values.window);
const speeds = values.speeds.split(',').map(Number);
const device = deviceName(0);

interface Measured {
  fps: number;
  rendersPerS: number;
  p99FrameMs: number;
  maxFrameMs: number;
  wsFramesPerS: number;
  rowsPerS: number;
}

/** Counts animation frames, the page's renders and its WebSocket frames over windowS seconds. */
async function measure(page: Page, windowSeconds: number): Promise<Measured> {
  return page.evaluate(async (ms: number) => {
    const t = window.telltale;
    const intervals: number[] = [];
    const start = { at: performance.now(), renders: t.renders, frames: t.frames, rows: t.frameTimes.length };
    let last = start.at;
    let count = 0;
    await new Promise<void>((resolve) => {
      const tick = (now: number) => {
        intervals.push(now - last);
        last = now;
        count++;
        if (now - start.at >= ms) resolve();
        else requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
    const s = (performance.now() - start.at) / 1000;
    intervals.sort((a, b) => a - b);
    const round = (v: number) => Math.round(v * 10) / 10;
    return {
      fps: round(count / s),
      rendersPerS: round((t.renders - start.renders) / s),
      p99FrameMs: round(intervals[Math.min(intervals.length - 1, Math.floor(0.99 * intervals.length))] ?? 0),
      maxFrameMs: round(intervals.at(-1) ?? 0),
      wsFramesPerS: round((t.frames - start.frames) / s),
      rowsPerS: round((t.frameTimes.length - start.rows) / s),
    };
  }, windowSeconds * 1000);
}

async function main(): Promise<void> {
  if (!existsSync(CHROMIUM)) throw new Error(`needs Debian's chromium at ${CHROMIUM} (apt-get install chromium)`);
  const dir = mkdtempSync(join(tmpdir(), 'telltale-bench-web-replay-'));
  const db = await benchStore(dir, { devices: 1, seconds, seed: Number(values.seed), reuse: values.store });
  const server = await startServer(db);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  try {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    const key = authHeaders().authorization!.replace(/^Bearer /, '');
    await context.addCookies([{ name: 'telltale_key', value: key, url: server.url, httpOnly: true, sameSite: 'Strict' }]);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.url}/replay/${device}`);
    await page.waitForFunction(() => window.telltale?.loaded && document.getElementById('status')?.textContent?.startsWith('paused'), null, { timeout: 60_000 });
    const rows = await page.evaluate(() => window.telltale.endMs - window.telltale.startMs);
    const baseline = await measure(page, Math.min(3, windowS));
    const runs: ({ speed: number } & Measured)[] = [];
    for (const speed of speeds) {
      await page.selectOption('#speed', String(speed));
      await page.waitForFunction((x: number) => document.getElementById('status')?.textContent?.includes(`${x}×`), speed);
      // From the start each time, so even 1000× (36 s for 10 h) plays through the whole window.
      await page.evaluate(() => {
        const seek = document.getElementById('seek');
        seek.value = '0';
        seek.dispatchEvent(new Event('change'));
      });
      await page.waitForFunction((startMs: number) => window.telltale.positionMs === startMs, await page.evaluate(() => window.telltale.startMs));
      await page.click('#play');
      await page.waitForFunction(() => window.telltale.playing && window.telltale.frames > 0);
      await page.waitForTimeout(1000); // warm-up: windows read, the first frames in
      runs.push({ speed, ...(await measure(page, windowS)) });
      await page.click('#play');
      await page.waitForFunction(() => !window.telltale.playing);
    }
    if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
    const load = loadavg().map((l) => Number(l.toFixed(1)));
    console.log(`replay page, ${Math.round(rows / 1000)} s of 1 Hz data, ${windowS} s windows, load ${load.join(' ')}`);
    console.log('speed   fps  renders/s  p99 frame ms  max frame ms  ws frames/s  rows/s');
    console.log(`paused ${String(baseline.fps).padStart(5)}  ${String(baseline.rendersPerS).padStart(9)}  ${String(baseline.p99FrameMs).padStart(12)}  ${String(baseline.maxFrameMs).padStart(12)}   (baseline)`);
    for (const r of runs) {
      console.log(`${`${r.speed}×`.padEnd(6)} ${String(r.fps).padStart(5)}  ${String(r.rendersPerS).padStart(9)}  ${String(r.p99FrameMs).padStart(12)}  ${String(r.maxFrameMs).padStart(12)}  ${String(r.wsFramesPerS).padStart(11)}  ${String(r.rowsPerS).padStart(6)}`);
    }
    const minFps = Math.min(...runs.map((r) => r.fps));
    console.log(JSON.stringify({
      bench: 'web-replay', device, seconds: Math.round(rows / 1000) + 1, windowS, viewport: '1366x768', targetFps: 30,
      baselinePausedFps: baseline.fps, runs, minFps, meetsTarget: minFps >= 30, load,
    }));
  } finally {
    await browser.close();
    await server.stop();
    if (!values.store) rmSync(dir, { recursive: true, force: true });
  }
}

await main();
