import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.ts';
import { ingest } from '../../src/ingest/ingest-pipeline.ts';
import { eventId } from '../../src/domain/events/event-id.ts';
import { replaceEvents } from '../../src/store/event-repository.ts';
import { openTempStore } from '../temp-store.ts';
import { adminKeyOf, api, listenWithAdminKey } from '../api-key.ts';

// The callbacks given to page.evaluate/waitForFunction run in the browser; these name its globals
// for the type checker without pulling the DOM library into the server's program.
/* eslint-disable @typescript-eslint/no-explicit-any */
declare const window: any;
declare const document: any;
declare const HTMLInputElement: any;

const CHROMIUM = '/usr/bin/chromium';
const OUT = join(import.meta.dirname, '../../test-output');
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
  store = await openTempStore();
  app = await buildApp({ store });
  for (const file of ['T3_04_22_2021_1.csv', 'T3_04_22_2021_2.csv']) {
    await ingest(store, { input: { path: join(DIR, file) }, format: 'csv', source: file, deviceId: 'twizy', profile: 'twizy-rsk', onCommitted: (t) => app.sessions.schedule(t) });
  }
  await app.sessions.idle();
  base = await listenWithAdminKey(app);
  key = adminKeyOf(base);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  signedIn = await browser.newContext({ viewport: { width: 1100, height: 800 } });
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
});

afterAll(async () => {
  await signedIn?.close();
  await browser?.close();
  await app?.close();
  await store?.dispose();
});

const text = (page: Page, id: string) => page.locator(`#${id}`).innerText();
const position = (page: Page) => page.evaluate(() => (window as unknown as { telltale: { positionMs: number } }).telltale.positionMs);
const frameTimes = (page: Page) => page.evaluate(() => (window as unknown as { telltale: { frameTimes: number[] } }).telltale.frameTimes);
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
    await page.locator('#fleet tr[data-device-id="twizy"]').waitFor();
    expect(await page.locator('#fleet tbody tr').count()).toBe(1);
    await page.locator('#fleet tr[data-device-id="twizy"] th a').click();
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
    expect(await text(page, 'clock')).toBe('2021-04-22 08:50:00 UTC');
    const socBefore = await text(page, 'r-soc');
    expect(Number(socBefore)).toBeGreaterThan(0);
    await page.locator('#strip rect.band').first().waitFor();
    expect(await page.locator('#track polyline').count()).toBe(1);

    await page.selectOption('#speed', '1000');
    await page.waitForFunction(() => document.getElementById('status')?.textContent?.includes('1000×'));
    await page.click('#play');
    await page.waitForFunction(() => (window as unknown as { telltale: { frames: number } }).telltale.frames >= 10);
    const played = await frameTimes(page);
    expect(monotonic(played)).toBe(true);
    expect(played[0]).toBeGreaterThanOrEqual(Date.parse(deepLink));
    expect(await text(page, 'clock')).not.toBe('2021-04-22 08:50:00 UTC');
    await page.waitForFunction((soc) => document.getElementById('r-soc')?.textContent !== soc, socBefore);

    await page.click('#play'); // pause
    await page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('paused'));
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
    expect(await text(page, 'clock')).toBe('2021-04-22 08:55:00 UTC');
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
