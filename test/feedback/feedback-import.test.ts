import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateFeedbackRow } from '../../src/domain/feedback/validate-feedback-row.ts';
import { buildApp } from '../../src/http/app.ts';
import { runCli } from '../cli/run-cli.ts';
import { openTempStore } from '../temp-store.ts';
import { api, listenWithAdminKey } from '../api-key.ts';

const SAMPLE = join(import.meta.dirname, '../../fixtures/feedback/feedback-sample.csv');
const NOW = Date.UTC(2026, 10, 30);

describe('a feedback row', () => {
  const ctx = { nowMs: NOW };
  it('takes aliases and checks the score against its kind', () => {
    expect(validateFeedbackRow({ VIN: 'car-1', timestamp: '2024-01-01T00:00:00Z', type: 'NPS', rating: '10', comment: 'great' }, 1, '', ctx)).toMatchObject({ deviceId: 'car-1', kind: 'nps', score: 10, text: 'great' });
    expect(validateFeedbackRow({ device_id: 'c', ts: '2024-01-01T00:00:00Z', kind: 'csat', score: '0' }, 2, '', ctx)).toMatchObject({ row: 2, field: 'score', reason: '0 is outside 1–5 for csat' });
    expect(validateFeedbackRow({ device_id: 'c', ts: '2024-01-01T00:00:00Z', kind: 'nps', score: '7.5' }, 3, '', ctx)).toMatchObject({ field: 'score' });
    expect(validateFeedbackRow({ device_id: 'c', ts: '2024-01-01T00:00:00Z', kind: 'nps' }, 4, '', ctx)).toMatchObject({ field: 'score', reason: expect.stringMatching(/missing/) });
    expect(validateFeedbackRow({ device_id: 'c', ts: '2024-01-01T00:00:00Z', kind: 'ticket' }, 5, '', ctx)).toMatchObject({ kind: 'ticket', score: null });
    expect(validateFeedbackRow({ device_id: 'c', ts: '2024-01-01 10:00', kind: 'ticket' }, 6, '', ctx)).toMatchObject({ field: 'ts', reason: expect.stringMatching(/no time zone/) });
    expect(validateFeedbackRow({ device_id: 'c', ts: '2024-01-01T00:00:00Z', kind: 'complaint' }, 7, '', ctx)).toMatchObject({ field: 'kind' });
  });
});

describe('POST /v1/feedback and telltale feedback import', () => {
  let store: Awaited<ReturnType<typeof openTempStore>>;
  let app: FastifyInstance;
  let base: string;

  beforeAll(async () => {
    store = await openTempStore({ now: () => NOW });
    app = await buildApp({ store, detectors: [] });
    base = await listenWithAdminKey(app);
  });
  afterAll(async () => {
    await app.close();
    await store.dispose();
  });

  it('stores the good rows, quarantines the bad ones with row, field and raw text, and counts a resend as duplicates', async () => {
    const body = readFileSync(SAMPLE, 'utf8');
    const post = () => api(`${base}/v1/feedback?source=sample.csv`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body });
    const first = (await (await post()).json()) as { accepted: number; rejected: number; duplicates: number; errors: { row: number; field: string; reason: string }[] };
    expect(first).toMatchObject({ accepted: 5, duplicates: 0, rejected: 4 });
    expect(first.errors.map((e) => [e.row, e.field])).toEqual([[5, 'score'], [6, 'device_id'], [7, 'ts'], [9, '(row)']]);
    expect(first.errors[0]!.reason).toBe('11 is outside 0–10 for nps');
    const quarantined = await store.withConnection(async (conn) => (await conn.runAndReadAll("SELECT row_number, field, raw_text FROM quarantine WHERE source = 'sample.csv' ORDER BY row_number")).getRows());
    expect(quarantined.map((r) => [Number(r[0]), r[1]])).toEqual([[5, 'score'], [6, 'device_id'], [7, 'ts'], [9, '(row)']]);
    expect(String(quarantined[0]![2])).toContain('s-4,model-s-2013');
    const again = (await (await post()).json()) as { accepted: number; duplicates: number };
    expect(again).toMatchObject({ accepted: 0, duplicates: 5 });

    const list = (await (await api(`${base}/v1/devices/model-s-2013/feedback`)).json()) as { kind: string; score: number; text: string }[];
    expect(list.map((f) => [f.kind, f.score])).toEqual([['nps', 3], ['review', 4.5]]);
    expect(list[1]!.text).toBe('Great car, "supercharger" network thin then');
  });

  it('takes NDJSON with a device from the query; a line that is not JSON is a bad row; a wrong content type is 415', async () => {
    const ndjson = ['{"ts":"2024-05-01T10:00:00Z","kind":"nps","score":10}', 'not json', '{"ts":"2024-05-02T10:00:00Z","kind":"csat","score":2,"text":"slow charger"}'].join('\n');
    const res = await api(`${base}/v1/feedback?device=car-9`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: ndjson });
    expect(await res.json()).toMatchObject({ accepted: 2, rejected: 1, errors: [{ row: 2, field: '(row)' }] });
    expect((await api(`${base}/v1/feedback`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' })).status).toBe(415);
  });

  it('the CLI imports the same file with the same result', async () => {
    const cliStore = await openTempStore();
    const db = cliStore.path;
    await cliStore.close();
    const r = await runCli(['feedback', 'import', SAMPLE, '--db', db, '--json']);
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as { files: { accepted: number; rejected: number }[] };
    expect(out.files[0]).toMatchObject({ accepted: 5, rejected: 4 });
    rmSync(dirname(db), { recursive: true, force: true });
  });
});
