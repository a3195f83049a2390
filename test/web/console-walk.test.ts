import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IncidentDetail } from '../../src/domain/alerts/incident-detail.ts';
import type { Incident } from '../../src/domain/alerts/incident.ts';
import { buildApp } from '../../src/http/app.ts';
import { loadDemoAlertRules, loadModelSDemoData, FIXTURES_DIR, MODEL_S_DEVICE } from '../../src/services/demo-data.ts';
import { adminKeyOf, api, listenWithAdminKey } from '../api-key.ts';
import { openTempStore } from '../temp-store.ts';

// Browser globals for the callbacks that run in the page (the server's program has no DOM library).
/* eslint-disable @typescript-eslint/no-explicit-any */
declare const window: any;
declare const document: any;

const CHROMIUM = '/usr/bin/chromium';
/**
 * Viewport-sized PNGs (1366×768), not full pages, to stay small. Into test-output/ on every run;
 * `npm run screenshots` writes the README's copies in docs/screenshots/ (committed) instead.
 */
const SHOTS = process.env.TELLTALE_SCREENSHOTS_DIR ?? join(import.meta.dirname, '../../test-output/screenshots');
// CI installs Debian's chromium (.ci/run); elsewhere the browser test runs when it is there.
const run = existsSync(CHROMIUM) || process.env.CI ? describe : describe.skip;

let store: Awaited<ReturnType<typeof openTempStore>>;
let app: FastifyInstance;
let base: string;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const problems: string[] = [];
let signedIn = false;

/** Re-reads until the server has reached a state on its own (detection, the alert scan). */
async function until<T>(read: () => Promise<T>, holds: (value: T) => boolean): Promise<T> {
  for (;;) {
    const value = await read();
    if (holds(value)) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM) && !process.env.CI) return;
  store = await openTempStore();
  app = await buildApp({ store });
  base = await listenWithAdminKey(app);
  // What `npm start` loads for the Model S, through the same functions: its rule, then its data.
  await loadDemoAlertRules(app.services, () => undefined);
  await loadModelSDemoData(app.services, FIXTURES_DIR, () => undefined);
  await app.services.pipeline.idle();
  await until(async () => (await (await api(`${base}/v1/incidents?deviceId=${MODEL_S_DEVICE}`)).json()) as Incident[], (list) => list.some((i) => i.kind === 'breakdown'));
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  context = await browser.newContext({ viewport: { width: 1366, height: 768 }, timezoneId: 'America/New_York', locale: 'en-US' });
  page = await context.newPage();
  // After sign-in, no request of the pages may fail (the browser's own favicon probe aside), no script may throw, no policy may block.
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) problems.push(m.text());
  });
  page.on('response', (res) => {
    if (signedIn && res.status() >= 400 && !res.url().endsWith('/favicon.ico')) problems.push(`${res.status()} ${res.url()}`);
  });
  page.on('pageerror', (err) => problems.push(String(err)));
  mkdirSync(SHOTS, { recursive: true });
}, 240_000);

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await app?.close();
  await store?.dispose();
});

const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`) });

run('the support engineer’s path in a real browser, at 1366×768', () => {
  it('signs in, finds the device with the breakdown, opens its incident, replays it, acknowledges it with a note', async () => {
    await page.goto(`${base}/`);
    await page.locator('input[name=key]').fill(adminKeyOf(base));
    await page.locator('button[type=submit]').click();
    await page.waitForURL(`${base}/`);
    signedIn = true;

    // The fleet: the Model S has open incidents; the time is in the viewer's zone with UTC on hover.
    const row = page.locator(`#fleet [role=row][data-device-id="${MODEL_S_DEVICE}"]`);
    await row.waitFor();
    const lastSeen = row.locator('time');
    expect(await lastSeen.getAttribute('title')).toMatch(/^2013-01-2\d \d\d:\d\d:\d\d UTC$/);
    expect(await lastSeen.innerText()).toMatch(/EST/);
    expect(await row.locator('.badge').innerText()).toBe('silent');
    expect(Number(await row.locator('.open-incidents a.hot').innerText())).toBeGreaterThanOrEqual(1);
    // A table to assistive technology: its rows and cells by their ARIA roles.
    expect(await page.getByRole('table', { name: /^Devices/ }).getByRole('row').count()).toBe(2);
    expect(await row.getByRole('rowheader').innerText()).toBe(MODEL_S_DEVICE);
    // Usable at 1366×768: the table fits the width, no sideways scrolling.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1366);
    expect(await page.evaluate(() => { const w = document.querySelector('.table-wrap'); return w.scrollWidth <= w.clientWidth; })).toBe(true);
    await shot('fleet');
    // The demo's facts are registered, so the fleet filter has the Model S's fleet to choose.
    expect(await row.innerText()).toContain('Tesla Model S 85');
    await page.locator('#f-fleet option', { hasText: 'Press cars' }).waitFor({ state: 'attached' });
    await page.getByLabel('Fleet').selectOption('Press cars');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/fleet=Press\+cars/);
    await row.waitFor();

    // Keyboard: the filters are labelled and reachable; searching narrows the table.
    await page.getByLabel('Device id').fill('model-s');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelectorAll('#fleet-rows [role=row]').length === 1);

    await row.locator('.open-incidents a.hot').click();
    await page.waitForURL(/\/incidents\?device=model-s-2013/);
    const incidentLink = page.locator('#incidents tbody tr', { hasText: 'breakdown' }).locator('a').first();
    await incidentLink.waitFor();
    await page.locator('#events tbody tr').first().waitFor();
    expect(await page.evaluate(() => [...document.querySelectorAll('.table-wrap')].every((w) => w.scrollWidth <= w.clientWidth))).toBe(true);
    await shot('incidents');
    await incidentLink.click();

    // The incident: its evidence, its ladder and what became of each notice.
    await page.waitForURL(/\/incidents\/inc_/);
    const incidentUrl = page.url();
    const incidentId = incidentUrl.split('/').pop()!;
    await page.locator('#evidence section[data-event-id]').first().waitFor();
    expect(await page.locator('#state').innerText()).toBe('open');
    expect(await page.locator('#escalation tbody tr').count()).toBe(2);
    expect(await page.locator('#evidence table tbody tr').count()).toBeGreaterThan(0);
    // Units follow the device, in the detector's own sentence too: the Model S is driven in Connecticut.
    const summary = await page.locator('#evidence .summary').first().innerText();
    expect(summary).toMatch(/\d mph/);
    expect(summary).not.toMatch(/kph|km\/h|\d km\b/);
    await shot('incident');

    // The replay of the breakdown: playback advances.
    const replay = page.locator('#replay-moment');
    expect(await replay.getAttribute('href')).toMatch(new RegExp(`^/replay/${MODEL_S_DEVICE}\\?event=`));
    await replay.click();
    await page.waitForURL(/\/replay\/model-s-2013\?event=/);
    await page.waitForFunction(() => typeof window.telltale?.positionMs === 'number');
    await page.waitForFunction(() => /^paused|^playing/.test(document.getElementById('status')?.textContent ?? ''));
    const startedAt = await page.evaluate(() => window.telltale.positionMs);
    if (!(await page.evaluate(() => /^playing/.test(document.getElementById('status')?.textContent ?? '')))) await page.click('#play');
    await page.waitForFunction((t0) => window.telltale.positionMs > t0, startedAt);
    await shot('replay');

    // Back to the incident: acknowledge with a note, by keyboard.
    await page.goBack();
    await page.waitForURL(incidentUrl);
    await page.locator('#evidence section[data-event-id]').first().waitFor();
    await page.getByLabel('Your name').fill('sam (support)');
    await page.getByLabel(/^Note/).fill('Driver called; tow booked to the Milford service centre');
    await page.locator('#ack').focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.body.dataset.state === 'acknowledged');
    expect(await page.locator('#history').innerText()).toContain('Driver called; tow booked');
    await shot('incident-acknowledged');

    // Stored: the API says so, with the note in the incident's history.
    const detail = (await (await api(`${base}/v1/incidents/${incidentId}/detail`)).json()) as IncidentDetail;
    expect(detail.incident.state).toBe('acknowledged');
    expect(detail.history.find((h) => h.action === 'acknowledged')).toMatchObject({ by: 'sam (support)', note: 'Driver called; tow booked to the Milford service centre' });
    expect(detail.escalation.find((s) => s.step === 1)?.delivery?.status).toBe('cancelled');
  });

  it('tells the device’s story: sessions and moments on a timeline, marks operable by keyboard, claims listed with replay links', async () => {
    await page.goto(`${base}/devices/${MODEL_S_DEVICE}`);
    await page.waitForFunction(() => document.body.dataset.loaded === 'true');
    await shot('device');
    expect(await page.locator('#timeline rect.drive').count()).toBeGreaterThan(0);
    const mark = page.locator('#timeline path.mark.critical').first();
    const eventIdOfMark = await mark.getAttribute('data-event-id');
    await mark.focus();
    await page.keyboard.press('Enter');
    const selected = page.locator('#events tr.selected');
    expect(await selected.getAttribute('data-event-id')).toBe(eventIdOfMark);
    expect(await selected.locator('a').getAttribute('href')).toBe(`/replay/${MODEL_S_DEVICE}?event=${encodeURIComponent(eventIdOfMark!)}`);
    expect(await page.locator('#annotations tbody', { hasText: 'contradicted' }).count()).toBe(1);
    expect(await page.locator('#annotations tbody tr').count()).toBeGreaterThan(5);
    expect(problems).toEqual([]);
  });
});
