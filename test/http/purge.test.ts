import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.ts';
import { insertIncident } from '../../src/store/incident-repository.ts';
import { api, listenWithAdminKey } from '../api-key.ts';
import { runCli } from '../cli/run-cli.ts';
import { openTempStore } from '../temp-store.ts';

let store: Awaited<ReturnType<typeof openTempStore>>;
let app: FastifyInstance;
let base: string;
const T0 = Date.parse('2024-01-01T00:00:00Z');

beforeAll(async () => {
  store = await openTempStore();
  app = await buildApp({ store, detectors: [] });
  base = await listenWithAdminKey(app);
});
afterAll(async () => {
  await app?.close();
  await store?.dispose();
});

const rowsOf = async (deviceId: string) => {
  const n = async (table: string) => Number((await store.db.runAndReadAll(`SELECT count(*) FROM ${table} WHERE device_id = $1`, [deviceId])).getRows()[0]![0]);
  return { telemetry: await n('telemetry'), annotations: await n('annotations'), incidents: await n('incidents'), outbox: await n('outbox'), devices: await n('devices') };
};

async function seed(deviceId: string): Promise<void> {
  const csv = ['ts,speed_kph', ...Array.from({ length: 10 }, (_, i) => `${new Date(T0 + i * 3_600_000).toISOString()},${i}`)].join('\n');
  expect((await api(`${base}/v1/telemetry?device=${deviceId}`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: csv })).status).toBe(200);
  for (const hour of [1, 8]) {
    const res = await api(`${base}/v1/devices/${deviceId}/annotations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ startMs: T0 + hour * 3_600_000, text: `note ${hour}` }) });
    expect(res.status).toBe(201);
  }
  await store.withConnection(async (conn) => {
    await insertIncident(conn, { incidentId: `inc-${deviceId}`, ruleId: 'r', deviceId, kind: 'breakdown', severity: 'critical', summary: 's', startMs: T0 + 3_600_000, endMs: T0 + 3_700_000, lat: null, lon: null }, T0);
    await conn.run(`INSERT INTO outbox VALUES (nextval('outbox_seq'), $1, $2, 0, 'ops', 'https://example.com/hook', 's', $3, 1, '{}', 'pending', 0, now(), now(), NULL, now(), NULL, NULL)`, [`key-${deviceId}`, `inc-${deviceId}`, deviceId]);
  });
}

describe('purge: a person\'s data removed everywhere, audited', () => {
  it('DELETE /v1/devices/:id?before= removes what lies before; without it, everything and the device; other devices untouched', async () => {
    await seed('gone');
    await seed('kept');
    const partial = await api(`${base}/v1/devices/gone?before=${new Date(T0 + 5 * 3_600_000).toISOString()}`, { method: 'DELETE' });
    expect(partial.status).toBe(200);
    expect(await partial.json()).toMatchObject({ telemetry: 5, annotations: 1, incidents: 1, outbox: 1, device: 0 });
    expect(await rowsOf('gone')).toEqual({ telemetry: 5, annotations: 1, incidents: 0, outbox: 0, devices: 1 });
    const device = (await (await api(`${base}/v1/devices/gone`)).json()) as { rowCount: number; firstTs: string };
    expect(device).toMatchObject({ rowCount: 5, firstTs: new Date(T0 + 5 * 3_600_000).toISOString() });

    const whole = await api(`${base}/v1/devices/gone`, { method: 'DELETE' });
    expect(await whole.json()).toMatchObject({ telemetry: 5, annotations: 1, device: 1 });
    expect(await rowsOf('gone')).toEqual({ telemetry: 0, annotations: 0, incidents: 0, outbox: 0, devices: 0 });
    expect((await api(`${base}/v1/devices/gone`)).status).toBe(404);
    expect((await api(`${base}/v1/devices/gone`, { method: 'DELETE' })).status).toBe(404);
    expect(await rowsOf('kept')).toEqual({ telemetry: 10, annotations: 2, incidents: 1, outbox: 1, devices: 1 });

    const audit = (await (await api(`${base}/v1/audit?device=gone&action=purge`)).json()) as { detail: { telemetry: number }; toMs: number | null }[];
    expect(audit.map((a) => [a.detail.telemetry, a.toMs])).toEqual([[5, null], [5, T0 + 5 * 3_600_000]]);
  });

  it('retention per fleet: devices of the fleet lose what is older than the period; other fleets keep theirs', async () => {
    await seed('old-a');
    await seed('old-b');
    for (const [id, fleet] of [['old-a', 'short'], ['old-b', 'long']]) {
      await api(`${base}/v1/devices/${id}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ fleet }) });
    }
    const days = (Date.now() - (T0 + 4.5 * 3_600_000)) / 86_400_000;
    const done = await app.services.privacy.applyRetention({ short: days });
    expect(done).toEqual([{ deviceId: 'old-a', telemetry: 5 }]);
    expect((await rowsOf('old-a')).telemetry).toBe(5);
    expect((await rowsOf('old-b')).telemetry).toBe(10);
  });
});

describe('purge reaches the quarantine and the feedback', () => {
  const quarantined = async (needle: string) =>
    Number((await store.db.runAndReadAll('SELECT count(*) FROM quarantine WHERE contains(raw_text, $1)', [needle])).getRows()[0]![0]);
  const feedbackOf = async (deviceId: string) => Number((await store.db.runAndReadAll('SELECT count(*) FROM feedback WHERE device_id = $1', [deviceId])).getRows()[0]![0]);

  it("removes the bad rows kept of a person's uploads (named by ?device= or by the row) and their feedback; others keep theirs", async () => {
    for (const deviceId of ['q-gone', 'q-kept']) {
      // A bad row of a batch named by ?device=: its text does not name the device.
      const csv = `ts,speed_kph,lat\n${new Date(T0).toISOString()},1,48.1\nnever,2,48.8566-${deviceId === 'q-gone' ? 'home' : 'work'}\n`;
      expect((await api(`${base}/v1/telemetry?device=${deviceId}`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: csv })).status).toBe(200);
      // A bad row that names its device itself.
      const ndjson = `${JSON.stringify({ device_id: deviceId, ts: 'soon', lat: 1 })}\n`;
      expect((await api(`${base}/v1/telemetry`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: ndjson })).status).toBe(200);
      const feedback = `device_id,ts,kind,score,text\n${deviceId},${new Date(T0).toISOString()},nps,3,"it stopped"\n${deviceId},nope,nps,3,"my address"\n`;
      expect((await api(`${base}/v1/feedback`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: feedback })).status).toBe(200);
    }
    expect([await quarantined('48.8566-home'), await quarantined('"q-gone"'), await quarantined('q-gone,nope'), await feedbackOf('q-gone')]).toEqual([1, 1, 1, 1]);

    const purge = await api(`${base}/v1/devices/q-gone`, { method: 'DELETE' });
    expect(purge.status).toBe(200);
    expect(await purge.json()).toMatchObject({ quarantine: 3, feedback: 1, device: 1 });
    expect([await quarantined('48.8566-home'), await quarantined('"q-gone"'), await quarantined('q-gone,nope'), await feedbackOf('q-gone')]).toEqual([0, 0, 0, 0]);
    expect([await quarantined('48.8566-work'), await quarantined('"q-kept"'), await quarantined('q-kept,nope'), await feedbackOf('q-kept')]).toEqual([1, 1, 1, 1]);
  });
});

describe('telltale purge', () => {
  it('purges from the CLI and says what it removed', async () => {
    const db = store.path;
    await app.close();
    await store.close();
    const res = await runCli(['purge', '--device', 'kept', '--json', '--db', db]);
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ telemetry: 10, annotations: 2, incidents: 1, outbox: 1, device: 1 });
    const missing = await runCli(['purge', '--device', 'kept', '--db', db]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no device 'kept'/);
  }, 60_000);
});
