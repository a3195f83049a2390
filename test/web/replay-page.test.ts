import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.ts';
import { ingest } from '../../src/ingest/ingest-pipeline.ts';
import { eventId } from '../../src/domain/events/event-id.ts';
import { replaceEvents } from '../../src/store/event-repository.ts';
import { loadModelSDemo, MODEL_S_DEVICE } from '../../src/cli/model-s-demo.ts';
import { FIXTURES_DIR } from '../../src/cli/serve-command.ts';
import { openTempStore } from '../temp-store.ts';
import { adminKeyOf, api, listenWithAdminKey } from '../api-key.ts';

// The callbacks given to page.evaluate/waitForFunction run in the browser; these name its globals
// for the type checker without pulling the DOM library into the server's program.
/* eslint-disable @typescript-eslint/no-explicit-any */
declare const window: any;
declare const document: any;
declare const HTMLInputElement: any;
declare const DOMMatrix: any;
declare const getComputedStyle: any;

const CHROMIUM = '/usr/bin/chromium';
const OUT = join(import.meta.dirname, '../../test-output');
/**
 * Small PNGs of the page as a support engineer sees it at 1366×768: into test-output/ on every run;
 * `npm run screenshots` writes the README's copies in docs/screenshots/ (committed) instead.
 */
const SHOTS = process.env.TELLTALE_SCREENSHOTS_DIR ?? join(OUT, 'screenshots');
// The Model S breakdown as the detectors find it in `npm start` (test/cli/serve-demo.test.ts runs
// them for real): power cut on the Branford exit ramp at 17:09:29, towed until 19:39:59.
const BREAKDOWN_MS = Date.parse('2013-01-24T17:09:29Z');
const TOW_END_MS = Date.parse('2013-01-24T19:39:59Z');
const BREAKDOWN_ID = eventId(MODEL_S_DEVICE, 'breakdown', 'loss_of_propulsion', BREAKDOWN_MS);
const SHORTFALL_MS = Date.parse('2013-01-24T16:00:00Z');
const SHORTFALL_ID = eventId(MODEL_S_DEVICE, 'charge_shortfall', 'predicted_shortfall', SHORTFALL_MS);
const DIR = join(import.meta.dirname, '../../fixtures/twizy-rsk');
// CI installs Debian's chromium (.ci/run); elsewhere the browser test runs when it is there.
const run = existsSync(CHROMIUM) || process.env.CI ? describe : describe.skip;

let store: Awaited<ReturnType<typeof openTempStore>>;
let app: FastifyInstance;
let base: string;
let browser: Browser;
let key: string;
/** Each page opens in a fresh context signed in with the key (the cookie the login form sets). */
let signedIn: BrowserContext;
const violations: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM) && !process.env.CI) return;
  mkdirSync(SHOTS, { recursive: true });
  store = await openTempStore();
  app = await buildApp({ store });
  for (const file of ['T3_04_22_2021_1.csv', 'T3_04_22_2021_2.csv']) {
    await ingest(store, { input: { path: join(DIR, file) }, format: 'csv', source: file, deviceId: 'twizy', profile: 'twizy-rsk', onCommitted: (t) => app.sessions.schedule(t) });
  }
  // The imperial Model S (its region is US-CT) with its day-2 moments, for the moment replay.
  await loadModelSDemo(store, FIXTURES_DIR, () => undefined, (t) => app.sessions.schedule(t));
  await app.sessions.idle();
  await store.withConnection((conn) => replaceEvents(conn, { deviceId: MODEL_S_DEVICE }, ['e2e@1'], [
    {
      eventId: SHORTFALL_ID, deviceId: MODEL_S_DEVICE, kind: 'charge_shortfall', subkind: 'predicted_shortfall', severity: 'critical', detector: 'e2e@1',
      startMs: SHORTFALL_MS, endMs: Date.parse('2013-01-24T17:09:41Z'), lat: null, lon: null, score: null,
      summary: 'Predicted to reach Milford CT Supercharger (51.1 km) with -8.5 % SoC', evidence: [{ signal: 'soc_pct', value: 28, atMs: SHORTFALL_MS }],
    },
    {
      eventId: BREAKDOWN_ID, deviceId: MODEL_S_DEVICE, kind: 'breakdown', subkind: 'loss_of_propulsion', severity: 'critical', detector: 'e2e@1',
      startMs: BREAKDOWN_MS, endMs: TOW_END_MS, lat: 41.2795, lon: -72.8151, score: 0.9996, summary: 'Lost propulsion while driving at 37 kph, towed 21.8 km',
      evidence: [
        { signal: 'speed_kph', value: 37.4, threshold: 20, atMs: BREAKDOWN_MS, note: 'speed when propulsion was lost' },
        { signal: 'error_codes', value: 'SHUTTING_DOWN', threshold: null },
        { signal: 'tow', value: 21.85, threshold: 0.3, atMs: Date.parse('2013-01-24T19:17:26Z'), note: 'moved 21.85 km with the wheels at 0' },
      ],
    },
  ], Date.now()));
  base = await listenWithAdminKey(app);
  key = adminKeyOf(base);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  signedIn = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  // Any script, style or socket the content policy blocks shows up here; the last test asserts none did.
  signedIn.on('console', (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text());
  });
  const page = await signedIn.newPage();
  await page.goto(`${base}/`);
  await page.locator('input[name=key]').fill(key);
  await page.locator('button[type=submit]').click();
  await page.locator('a', { hasText: 'replay' }).first().waitFor();
  await page.close();
}, 180_000);

afterAll(async () => {
  await signedIn?.close();
  await browser?.close();
  await app?.close();
  await store?.dispose();
});

const text = (page: Page, id: string) => page.locator(`#${id}`).innerText();
const position = (page: Page) => page.evaluate(() => (window as unknown as { telltale: { positionMs: number } }).telltale.positionMs);
const frameTimes = (page: Page) => page.evaluate(() => (window as unknown as { telltale: { frameTimes: number[] } }).telltale.frameTimes);
/** The page draws on animation frames: wait until what it shows is the position and values it was last sent. */
const settled = (page: Page) => page.waitForFunction(() => window.telltale.displayMs === window.telltale.positionMs && !window.telltale.valuesPending);
const monotonic = (t: number[]) => t.every((v, i) => i === 0 || v > t[i - 1]!);

run('the web player in a real browser', () => {
  it('asks a visitor without a key to sign in, then keeps the key in an HttpOnly, SameSite=Strict cookie', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const first = await page.goto(`${base}/replay/twizy`);
    expect(first?.status()).toBe(401);
    const headers = first!.headers();
    expect(headers['content-security-policy']).toMatch(/script-src 'self'/);
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['x-frame-options']).toBe('SAMEORIGIN');
    await page.locator('input[name=key]').fill('tt_0000000000000000_wrongwrongwrongwrongwrongwrongwrongwrongwro');
    await page.locator('button[type=submit]').click();
    await page.locator('form.login').waitFor();
    expect(await page.locator('form.login p').innerText()).toMatch(/not valid/);
    await page.locator('input[name=key]').fill(key);
    await page.locator('button[type=submit]').click();
    await page.waitForURL(`${base}/replay/twizy`);
    const cookies = await context.cookies();
    expect(cookies).toEqual([expect.objectContaining({ name: 'telltale_key', httpOnly: true, sameSite: 'Strict' })]);
    // The key never reaches page scripts.
    expect(await page.evaluate(() => document.cookie)).toBe('');
    await context.close();
  });

  it('lists devices (the fleet overview), and a device page its drives, each linking to a replay', async () => {
    const page = await signedIn.newPage();
    await page.goto(`${base}/`);
    await page.locator('#fleet [role=row][data-device-id="twizy"]').waitFor();
    expect(await page.locator('#fleet-rows [role=row]').count()).toBe(2);
    await page.locator('#fleet [role=row][data-device-id="twizy"] [role=rowheader] a').click();
    await page.waitForURL(`${base}/devices/twizy`);
    await page.locator('#sessions tr.drive a', { hasText: 'replay' }).first().waitFor();
    expect(await page.locator('#sessions tr.drive').count()).toBe(2);
    await page.close();
  });

  it('opens at a deep-linked time, plays, changes speed, seeks, with read-outs moving and frames in order', async () => {
    const page = await signedIn.newPage();
    const deepLink = '2021-04-22T08:50:00.000Z';
    await page.goto(`${base}/replay/twizy?t=${deepLink}`);
    await page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('paused'));
    expect(await position(page)).toBe(Date.parse(deepLink));
    await settled(page);
    expect(await text(page, 'clock')).toBe('2021-04-22 08:50:00 UTC');
    const socBefore = await text(page, 'r-soc');
    expect(Number(socBefore)).toBeGreaterThan(0);
    await page.locator('#strip rect.band').first().waitFor();
    expect(await page.locator('#track polyline').count()).toBeGreaterThanOrEqual(2); // two drives with a gap between: never one line across it

    await page.selectOption('#speed', '1000');
    await page.waitForFunction(() => document.getElementById('status')?.textContent?.includes('1000×'));
    await page.click('#play');
    await page.waitForFunction(() => (window as unknown as { telltale: { frames: number } }).telltale.frames >= 10);
    const played = await frameTimes(page);
    expect(monotonic(played)).toBe(true);
    expect(played[0]).toBeGreaterThanOrEqual(Date.parse(deepLink));
    await page.waitForFunction(() => document.getElementById('clock')?.textContent !== '2021-04-22 08:50:00 UTC');
    await page.waitForFunction((soc) => document.getElementById('r-soc')?.textContent !== soc, socBefore);

    // Pause; on a loaded machine the 1000× playback can have reached the end of the stream by now,
    // and a click then would start it again, so it is clicked only while it still plays.
    await page.evaluate(() => {
      if ((window as unknown as { telltale: { playing: boolean } }).telltale.playing) (document.getElementById('play') as unknown as { click: () => void }).click();
    });
    await page.waitForFunction(() => {
      const status = document.getElementById('status')?.textContent ?? '';
      return !(window as unknown as { telltale: { playing: boolean } }).telltale.playing && (status.startsWith('paused') || status === 'end of stream');
    });
    await page.evaluate(() => {
      (window as unknown as { telltale: { frameTimes: number[] } }).telltale.frameTimes = [];
      const seek = document.getElementById('seek') as typeof HTMLInputElement;
      seek.value = '100';
      seek.dispatchEvent(new Event('change'));
    });
    await page.waitForFunction(() => {
      const t = (window as unknown as { telltale: { positionMs: number; startMs: number; endMs: number } }).telltale;
      return Math.abs(t.positionMs - (t.startMs + 0.1 * (t.endMs - t.startMs))) < 2000;
    });
    await page.selectOption('#speed', '100');
    await page.click('#play');
    await page.waitForFunction(() => (window as unknown as { telltale: { frameTimes: number[] } }).telltale.frameTimes.length >= 30);
    expect(monotonic(await frameTimes(page))).toBe(true);
    expect(page.url()).toContain('t=2021-04-22T');

    mkdirSync(OUT, { recursive: true });
    const shot = await page.screenshot({ path: join(OUT, 'replay-page.png'), fullPage: true });
    expect(shot.length).toBeGreaterThan(10_000);
    await page.close();
  });
  it('shows a detected event and an annotation as markers on the strip (tooltips: summary, claim verdict) and seeks to the annotation on a click', async () => {
    const atMs = Date.parse('2021-04-22T08:55:00.000Z');
    const res = await api(`${base}/v1/devices/twizy/annotations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ annotationId: 'e2e-note', startMs: atMs, text: 'never above 90 km/h here', author: 'e2e', claim: { kind: 'value_at', channel: 'speed', atMs, op: '<=', value: 90, unit: 'km/h' } }),
    });
    expect(res.status).toBe(201);
    const eventMs = Date.parse('2021-04-22T08:52:00.000Z');
    const id = eventId('twizy', 'breakdown', 'e2e_stop', eventMs);
    await store.withConnection((conn) => replaceEvents(conn, { deviceId: 'twizy' }, ['e2e@1'], [{
      eventId: id, deviceId: 'twizy', kind: 'breakdown', subkind: 'e2e_stop', severity: 'critical', detector: 'e2e@1',
      startMs: eventMs, endMs: eventMs + 60_000, lat: null, lon: null, summary: 'stopped on the ring road', score: null, evidence: [],
    }], Date.now()));
    const page = await signedIn.newPage();
    await page.goto(`${base}/replay/twizy?t=2021-04-22T08:45:00.000Z`);
    const event = page.locator(`#strip rect.marker.event[data-event-id="${id}"]`);
    await event.waitFor();
    expect(await event.locator('title').textContent()).toContain('stopped on the ring road');
    await page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('paused'));
    const marker = page.locator('#strip rect.marker.annotation[data-annotation-id="e2e-note"]');
    await marker.waitFor();
    expect(await marker.getAttribute('class')).toContain('claim supported');
    const tooltip = await marker.locator('title').textContent();
    expect(tooltip).toContain('never above 90 km/h here');
    expect(tooltip).toContain('claim supported: speed <= 90 km/h');
    await marker.click({ force: true });
    await page.waitForFunction((t) => (window as unknown as { telltale: { positionMs: number } }).telltale.positionMs === t, atMs);
    await settled(page);
    expect(await text(page, 'clock')).toBe('2021-04-22 08:55:00 UTC');
    await page.close();
  });
  it("replays a moment with its aftermath (the tow) on four synchronised plots in the device's imperial units, the moment a band on each, the evidence beside them", async () => {
    const page = await signedIn.newPage();
    await page.goto(`${base}/replay/${MODEL_S_DEVICE}?event=${BREAKDOWN_ID}`);
    await page.waitForFunction(() => window.telltale.loaded && document.getElementById('status')?.textContent?.startsWith('paused'));
    const t = await page.evaluate(() => ({ startMs: window.telltale.startMs, endMs: window.telltale.endMs, positionMs: window.telltale.positionMs, focus: window.telltale.focus, units: window.telltale.units }));
    // The drive session ends where the car stopped; the moment's replay runs on through the tow.
    const sessions = (await (await api(`${base}/v1/devices/${MODEL_S_DEVICE}/sessions?from=2013-01-24T16:00:00Z&to=2013-01-24T18:00:00Z&kind=drive`)).json()) as { endMs: number }[];
    const driveEnd = Math.max(...sessions.map((x) => x.endMs));
    expect(driveEnd).toBeLessThan(BREAKDOWN_MS + 60_000);
    expect(t.startMs).toBeLessThan(BREAKDOWN_MS);
    expect(t.endMs).toBeGreaterThan(TOW_END_MS);
    expect(t.positionMs).toBe(t.startMs);
    expect(t.focus).toEqual({ eventId: BREAKDOWN_ID, startMs: BREAKDOWN_MS, endMs: TOW_END_MS });
    expect(await text(page, 'focus-title')).toContain('breakdown');

    // Imperial: read-outs, plot axes and evidence in mph, mi and °F.
    expect(t.units).toBe('imperial');
    expect(await text(page, 'u-speed')).toBe('mph');
    expect(await text(page, 'u-range')).toBe('mi');
    expect(await text(page, 'u-outside')).toBe('°F');
    await settled(page);
    const values = await page.evaluate(() => window.telltale.lastValues);
    expect(Number(await text(page, 'r-speed'))).toBeCloseTo(values.speed_kph / 1.609344, 1);
    expect(Number(await text(page, 'r-outside'))).toBeCloseTo((values.outside_temp_c * 9) / 5 + 32, 1);
    expect(await page.locator('#plot-speed .plot-title').innerText()).toBe('Speed (mph)');
    expect(await page.locator('#plot-temperature .plot-title').innerText()).toBe('Temperatures (°F)');

    // Four plots on one time axis, each with the breakdown (and the shortfall before it) drawn as a band.
    expect(await page.locator('#plots .uplot').count()).toBe(4);
    // uPlot draws on its own schedule after the page has its data: wait for every plot's first draw.
    await page.waitForFunction(() => window.telltale.plots.length === 4 && window.telltale.plots.every((p: any) => p.drawn.bands.length > 0));
    const drawn = await page.evaluate(() => window.telltale.plots.map((p: any) => p.drawn.bands));
    for (const bands of drawn) expect(bands).toEqual(expect.arrayContaining([BREAKDOWN_ID, SHORTFALL_ID]));
    // On the strip the moment is a band as long as the event, not a 3-pixel marker.
    const band = page.locator(`#strip rect.marker.event[data-event-id="${BREAKDOWN_ID}"]`);
    const width = Number(await band.getAttribute('width'));
    expect(width).toBeCloseTo(((TOW_END_MS - BREAKDOWN_MS) / (t.endMs - t.startMs)) * 1000, 0);
    expect((await band.boundingBox())!.width).toBeGreaterThan(300);

    // "Next moment" (the N key) lands on the breakdown; the evidence panel shows it, in mph.
    await page.keyboard.press('n');
    await page.waitForFunction((ms) => window.telltale.positionMs === ms, BREAKDOWN_MS);
    await page.waitForFunction(() => document.querySelector('#evidence h2')?.textContent?.includes('breakdown'));
    const speedRow = await page.locator('#evidence tr', { hasText: /^speed/ }).first().innerText();
    expect(speedRow).toMatch(/23\.24 mph/); // 37.4 km/h
    // The detector's own sentence follows the device's units too (37 kph, 21.8 km).
    expect(await page.locator('#evidence').innerText()).toContain('driving at 23 mph, towed 13.5 mi');
    // The previous moment (the shortfall, which began before this range) is the range's start.
    await page.click('#prev-moment');
    await page.waitForFunction((ms) => window.telltale.positionMs === ms, t.startMs);
    await page.click('#next-moment');
    await page.waitForFunction((ms) => window.telltale.positionMs === ms, BREAKDOWN_MS);

    // Playing moves the playhead of every plot together, and the strip's cursor with them.
    const heads = () => page.evaluate(() => [...document.querySelectorAll('#plots .playhead')].map((h: any) => new DOMMatrix(getComputedStyle(h).transform).m41));
    const before = await heads();
    expect(before).toHaveLength(4);
    await page.selectOption('#speed', '1000');
    await page.waitForFunction(() => document.getElementById('status')?.textContent?.includes('1000×'));
    // Space plays and pauses (a focused button takes Space for itself, as buttons do).
    await page.evaluate(() => document.activeElement?.blur());
    await page.keyboard.press(' ');
    await page.waitForFunction((ms) => window.telltale.positionMs > ms + 30 * 60_000, BREAKDOWN_MS);
    await page.keyboard.press(' ');
    await page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('paused'));
    await page.waitForFunction(() => window.telltale.displayMs === window.telltale.positionMs);
    const after = await heads();
    for (let i = 0; i < 4; i++) {
      expect(after[i]).toBeGreaterThan(before[i]! + 50);
      expect(after[i]).toBeCloseTo(after[0]!, 0); // one time, one x on every plot
    }
    expect(await page.evaluate(() => window.telltale.renders)).toBeGreaterThan(10);
    // Mid-tow: the car is off, moving on the flatbed; the track shows where.
    expect(await page.locator('#track #marker').count()).toBe(1);
    await page.screenshot({ path: join(SHOTS, 'replay-breakdown.png') });
    await page.close();
  });

  it('zooms the plots: drag across a plot, the + − 0 keys and buttons, outlined on the strip, following playback', async () => {
    const page = await signedIn.newPage();
    await page.goto(`${base}/replay/${MODEL_S_DEVICE}?event=${BREAKDOWN_ID}`);
    await page.waitForFunction(() => window.telltale.loaded && window.telltale.plots.length === 4 && document.getElementById('status')?.textContent?.startsWith('paused'));
    const view = () => page.evaluate(() => ({ ...window.telltale.view }));
    const xScale = () => page.evaluate(() => window.telltale.plots.map((p: any) => [p.plot.scales.x.min, p.plot.scales.x.max]));
    const full = await page.evaluate(() => ({ startMs: window.telltale.startMs, endMs: window.telltale.endMs }));
    const whole = await view();
    expect([whole.startMs, whole.endMs]).toEqual([full.startMs, full.endMs]);
    expect(await page.locator('#zoom-reset').isDisabled()).toBe(true);
    expect(await page.locator('#strip rect.strip-window').getAttribute('visibility')).toBe('hidden');

    // A drag across the speed plot, over the drive that ended in the breakdown (1 % to 8 % of its width), zooms every plot there.
    const over = (await page.locator('#plot-speed .u-over').boundingBox())!;
    await page.mouse.move(over.x + over.width * 0.01, over.y + over.height / 2);
    await page.mouse.down();
    await page.mouse.move(over.x + over.width * 0.04, over.y + over.height / 2, { steps: 4 });
    await page.mouse.move(over.x + over.width * 0.08, over.y + over.height / 2, { steps: 4 });
    await page.mouse.up();
    await page.waitForFunction((s) => window.telltale.view.startMs > s, full.startMs);
    const dragged = await view();
    const span = full.endMs - full.startMs;
    const msPerPx = span / over.width; // where the drag began and ended, to within two pixels
    expect(Math.abs(dragged.startMs - (full.startMs + span * 0.01))).toBeLessThan(2 * msPerPx);
    expect(Math.abs(dragged.endMs - (full.startMs + span * 0.08))).toBeLessThan(2 * msPerPx);
    for (const [min, max] of await xScale()) expect([min, max]).toEqual([dragged.startMs, dragged.endMs]);
    // The drag did not seek (a click does).
    expect(await page.evaluate(() => window.telltale.positionMs)).toBe(full.startMs);
    // The strip outlines the window; the rows are read again, finer: more of them in a quarter of the range.
    const outline = page.locator('#strip rect.strip-window');
    expect(await outline.getAttribute('visibility')).toBe('visible');
    expect(Math.abs(Number(await outline.getAttribute('x')) - 10)).toBeLessThan(3);
    expect(Math.abs(Number(await outline.getAttribute('width')) - 70)).toBeLessThan(3);

    // Keys: 0 shows the whole range, + halves the window, − doubles it back.
    await page.evaluate(() => document.activeElement?.blur());
    await page.keyboard.press('0');
    await page.waitForFunction((s) => window.telltale.view.startMs === s, full.startMs);
    expect(await outline.getAttribute('visibility')).toBe('hidden');
    await page.keyboard.press('+');
    const zoomedIn = await view();
    expect(zoomedIn.endMs - zoomedIn.startMs).toBe(span / 2);
    await page.keyboard.press('-');
    expect(await view()).toMatchObject({ startMs: full.startMs, endMs: full.endMs });
    // The buttons do the same, and are labelled.
    await page.getByRole('button', { name: 'Zoom in' }).click();
    await page.getByRole('button', { name: 'Zoom in' }).click();
    const quarter = await view();
    expect(quarter.endMs - quarter.startMs).toBe(span / 4);

    // Playing past the window's end moves the window on with the playhead, same width.
    await page.selectOption('#speed', '1000');
    await page.waitForFunction(() => document.getElementById('status')?.textContent?.includes('1000×'));
    await page.click('#play');
    await page.waitForFunction((end) => window.telltale.positionMs > end + 60_000, quarter.endMs);
    await page.click('#play');
    await page.waitForFunction(() => !window.telltale.playing);
    const followed = await view();
    const at = await page.evaluate(() => window.telltale.positionMs);
    expect(followed.startMs).toBeGreaterThan(quarter.startMs);
    expect(followed.endMs - followed.startMs).toBe(span / 4);
    expect(at).toBeGreaterThanOrEqual(followed.startMs);
    expect(at).toBeLessThanOrEqual(followed.endMs);
    await page.screenshot({ path: join(SHOTS, 'replay-zoomed.png') });
    await page.getByRole('button', { name: 'Show the whole range' }).click();
    expect(await view()).toMatchObject({ startMs: full.startMs, endMs: full.endMs });
    await page.close();
  });

  it('reads finer rows for a zoomed window: a drive in a whole-device replay of days', async () => {
    const page = await signedIn.newPage();
    await page.goto(`${base}/replay/${MODEL_S_DEVICE}`);
    await page.waitForFunction(() => window.telltale.loaded && window.telltale.plots.length === 4);
    // The rows the plots hold for days (reduced to ~1,200 buckets), to compare with the zoomed read.
    const before = await page.evaluate(() => ({ ts: [...window.telltale.plots[0].plot.data[0]] as number[], reads: window.telltale.rowsRead ?? 0 }));
    // Drag across the drive that ended in the breakdown (16:54–17:09 UTC on day 2).
    const from = Date.parse('2013-01-24T16:54:00Z');
    const to = Date.parse('2013-01-24T17:10:00Z');
    const [x0, x1] = await page.evaluate(([a, b]) => [a, b].map((t) => window.telltale.plots[0].plot.valToPos(t, 'x')), [from, to]);
    const over = (await page.locator('#plot-speed .u-over').boundingBox())!;
    await page.mouse.move(over.x + x0!, over.y + over.height / 2);
    await page.mouse.down();
    await page.mouse.move(over.x + (x0! + x1!) / 2, over.y + over.height / 2, { steps: 3 });
    await page.mouse.move(over.x + x1!, over.y + over.height / 2, { steps: 3 });
    await page.mouse.up();
    await page.waitForFunction((n) => (window.telltale.rowsRead ?? 0) > n, before.reads);
    const zoomed = await page.evaluate(() => ({ ...window.telltale.view, rows: window.telltale.rowsInView }));
    expect(zoomed.endMs - zoomed.startMs).toBeLessThan(30 * 60_000);
    const coarse = before.ts.filter((t) => t >= zoomed.startMs && t <= zoomed.endMs).length;
    expect(zoomed.rows).toBeGreaterThan(2 * coarse);
    await page.close();
  });

  it('annotates at the playhead: the note is stored at that time and drawn at once; feedback is a mark with its text on focus', async () => {
    const feedback = await api(`${base}/v1/feedback`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson' },
      body: `${JSON.stringify({ device_id: MODEL_S_DEVICE, ts: '2013-01-24T19:50:00Z', kind: 'ticket', channel: 'phone', text: 'Car shut down on the exit ramp, waited for a flatbed' })}\n`,
    });
    expect(feedback.status).toBe(200);
    const atMs = Date.parse('2013-01-24T18:30:00Z');
    const page = await signedIn.newPage();
    await page.goto(`${base}/replay/${MODEL_S_DEVICE}?event=${BREAKDOWN_ID}&t=2013-01-24T18:30:00.000Z`);
    await page.waitForFunction(() => window.telltale.loaded && document.getElementById('status')?.textContent?.startsWith('paused'));
    expect(await position(page)).toBe(atMs);

    const mark = page.locator('#strip path.feedback.ticket');
    expect(await mark.count()).toBe(1);
    expect(await mark.getAttribute('aria-label')).toContain('Car shut down on the exit ramp');
    await mark.focus();
    await page.locator('#tip').waitFor({ state: 'visible' });
    expect(await text(page, 'tip')).toContain('TICKET via phone');
    expect(await text(page, 'tip')).toContain('waited for a flatbed');

    await page.evaluate(() => document.activeElement?.blur());
    await page.keyboard.press('a');
    await page.locator('#annotate-form').waitFor({ state: 'visible' });
    expect(await text(page, 'annotate-at')).toBe('2013-01-24 18:30:00 UTC');
    await page.locator('#annotate-text').fill('flatbed arrives');
    await page.locator('#annotate-form button[type=submit]').click();
    await page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('annotation saved'));
    const notes = (await (await api(`${base}/v1/devices/${MODEL_S_DEVICE}/annotations?from=2013-01-24T18:00:00Z&to=2013-01-24T19:00:00Z`)).json()) as { annotationId: string; startMs: number; text: string }[];
    const note = notes.find((n) => n.text === 'flatbed arrives')!;
    expect(note.startMs).toBe(atMs);
    const drawnNote = page.locator(`#strip rect.marker.annotation[data-annotation-id="${note.annotationId}"]`);
    expect(await drawnNote.count()).toBe(1);
    await page.waitForFunction((id) => window.telltale.plots.every((p: any) => p.drawn.bands.includes(id)), note.annotationId);
    // Back to the breakdown, so the note is not under the playhead, with the ticket's text showing.
    await page.click('#prev-moment');
    await page.waitForFunction((ms) => window.telltale.positionMs === ms, BREAKDOWN_MS);
    await mark.focus();
    await page.locator('#tip').waitFor({ state: 'visible' });
    await page.screenshot({ path: join(SHOTS, 'replay-annotate.png') });
    await page.close();
  });

  it('breaks the GPS track at every gap of a whole-device replay instead of bridging it, in metric for a device without a region', async () => {
    const sessions = (await (await api(`${base}/v1/devices/twizy/sessions`)).json()) as { kind: string; startMs: number; endMs: number }[];
    const gap = sessions.find((x) => x.kind === 'gap' && sessions.some((d) => d.kind === 'drive' && d.endMs === x.startMs))!;
    expect(gap).toBeDefined();
    const page = await signedIn.newPage();
    await page.goto(`${base}/replay/twizy`);
    await page.waitForFunction(() => window.telltale.loaded);
    const lines = await page.evaluate(() => window.telltale.track as { fromMs: number; toMs: number; points: number }[]);
    expect(lines.length).toBeGreaterThanOrEqual(2);
    // No line runs across the gap between the two drives.
    expect(lines.some((l) => l.fromMs < gap.startMs && l.toMs > gap.endMs)).toBe(false);
    expect(lines.some((l) => l.toMs <= gap.startMs)).toBe(true);
    expect(lines.some((l) => l.fromMs >= gap.endMs)).toBe(true);
    expect(await page.locator('#track polyline').count()).toBe(lines.filter((l) => l.points > 1).length);
    expect(await text(page, 'u-speed')).toBe('km/h');
    await page.screenshot({ path: join(SHOTS, 'replay-twizy.png') });
    await page.close();
  });

  it('the API docs render under their own policy, and no page broke the content policy', async () => {
    const page = await signedIn.newPage();
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text());
    });
    await page.goto(`${base}/docs`);
    await page.locator('.swagger-ui .title', { hasText: 'Telltale' }).waitFor();
    await page.close();
    expect(violations).toEqual([]);
  });
});
