import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoreBackend } from '../../src/store/contract/store-backend.ts';
import { T0, batchOf, event, period } from './contract-fixtures.ts';

const META = { source: 'contract-test', format: 'ndjson' };

/**
 * The storage contract, as one suite every backend must pass. `makeBackend` returns a fresh,
 * empty backend; `dispose` releases it.
 */
export function describeStoreContract(name: string, makeBackend: () => Promise<{ backend: StoreBackend; dispose: () => Promise<void> }>, skipReason?: string): void {
  describe.skipIf(skipReason !== undefined)(`store contract: ${name}`, () => {
    let backend: StoreBackend;
    let dispose: () => Promise<void>;
    beforeAll(async () => {
      ({ backend, dispose } = await makeBackend());
    }, 120_000);
    afterAll(async () => {
      await dispose?.();
    }, 60_000);

    describe('telemetry', () => {
      it('appends, counts repeats inside the batch and against the store as duplicates, and keeps the first value', async () => {
        const first = await backend.telemetry.append(
          batchOf([
            { deviceId: 'car-a', tsMs: T0, speedKph: 10, socPct: 80, state: 'driving', errorCodes: 'P0A1F|U0100' },
            { deviceId: 'car-a', tsMs: T0 + 1000, speedKph: 11, socPct: 80 },
            { deviceId: 'car-a', tsMs: T0 + 1000, speedKph: 99 },
            { deviceId: 'car-b', tsMs: T0, speedKph: 50 },
          ]),
          [],
          META,
        );
        expect(first).toMatchObject({ accepted: 3, duplicates: 1, rejected: 0 });
        expect(first.touched.map((t) => [t.deviceId, t.fromMs, t.toMs])).toEqual([['car-a', T0, T0 + 1000], ['car-b', T0, T0]]);

        const second = await backend.telemetry.append(
          batchOf([{ deviceId: 'car-a', tsMs: T0 + 1000, speedKph: 77 }, { deviceId: 'car-a', tsMs: T0 + 2000, speedKph: 12, socPct: 79 }]),
          [],
          META,
        );
        expect(second).toMatchObject({ accepted: 1, duplicates: 1 });
        expect(second.touched).toEqual([expect.objectContaining({ deviceId: 'car-a', fromMs: T0 + 2000, toMs: T0 + 2000 })]);

        const cols = await backend.telemetry.readColumns({ deviceId: 'car-a' });
        expect(cols.length).toBe(3);
        expect([...cols.tsMs]).toEqual([T0, T0 + 1000, T0 + 2000]);
        expect([...cols.numbers.speed_kph!]).toEqual([10, 11, 12]);
        expect(cols.state).toEqual(['driving', null, null]);
        expect(cols.lists.error_codes).toEqual([['P0A1F', 'U0100'], null, null]);
        expect(Number.isNaN(cols.numbers.battery_temp_c![0]!)).toBe(true);
      });

      it('reads [from, to) with only the columns asked for', async () => {
        const cols = await backend.telemetry.readColumns({ deviceId: 'car-a', fromMs: T0 + 1000, toMs: T0 + 2000, columns: ['soc_pct'] });
        expect(cols.length).toBe(1);
        expect([...cols.tsMs]).toEqual([T0 + 1000]);
        expect([...cols.numbers.soc_pct!]).toEqual([80]);
        expect(cols.numbers.speed_kph).toBeUndefined();
        const none = await backend.telemetry.readColumns({ deviceId: 'no-such-car' });
        expect(none.length).toBe(0);
      });

      it('keeps every double exactly as it was sent (no decimal round trip on the way in)', async () => {
        const values = [-6.724891, 33.986145, 0.1 + 0.2, 1e-7, 123456.789, -0];
        const b = batchOf(values.map((v, i) => ({ deviceId: 'car-f', tsMs: T0 + i * 1000, speedKph: Math.abs(v) })));
        values.forEach((v, i) => (b.numbers.lon[i] = v));
        await backend.telemetry.append(b, [], META);
        const cols = await backend.telemetry.readColumns({ deviceId: 'car-f', columns: ['lon', 'speed_kph'] });
        expect([...cols.numbers.lon!]).toEqual(values);
        expect([...cols.numbers.speed_kph!]).toEqual(values.map(Math.abs));
      });

      it('quarantines bad rows with their number, field and reason beside the good rows of the batch', async () => {
        const r = await backend.telemetry.append(
          batchOf([{ deviceId: 'car-q', tsMs: T0, speedKph: 5 }]),
          [{ row: 2, field: 'speed_kph', reason: 'above 500', raw: 'car-q,2024-01-01T08:00:01Z,900' }],
          META,
        );
        expect(r).toMatchObject({ accepted: 1, rejected: 1 });
        const q = await backend.telemetry.quarantined(r.batchId);
        expect(q).toEqual([{ batchId: r.batchId, source: 'contract-test', rowNumber: 2, field: 'speed_kph', reason: 'above 500', rawText: 'car-q,2024-01-01T08:00:01Z,900' }]);
      });

      it('aggregates fleet-wide per device over a range', async () => {
        const stats = await backend.telemetry.fleetStats(T0, T0 + 3000);
        expect(stats).toEqual([
          { deviceId: 'car-a', rows: 3, maxSpeedKph: 12, meanSocPct: (80 + 80 + 79) / 3 },
          { deviceId: 'car-b', rows: 1, maxSpeedKph: 50, meanSocPct: null },
          { deviceId: 'car-f', rows: 3, maxSpeedKph: 33.986145, meanSocPct: null },
          { deviceId: 'car-q', rows: 1, maxSpeedKph: 5, meanSocPct: null },
        ].map((s) => (s.meanSocPct === null ? s : { ...s, meanSocPct: expect.closeTo(s.meanSocPct, 9) })));
      });

      it('exports CSV in the ingest format, NDJSON and an Arrow stream', async () => {
        const csv = new TextDecoder().decode(await backend.telemetry.exportBytes({ deviceId: 'car-a', format: 'csv' })).trim().split('\n');
        expect(csv[0]!.split(',').slice(0, 3)).toEqual(['device_id', 'ts', 'speed_kph']);
        expect(csv.length).toBe(4);
        expect(csv[1]).toContain('car-a,2024-01-01T08:00:00.000Z,10');
        expect(csv[1]).toContain('P0A1F|U0100');
        const ndjson = new TextDecoder().decode(await backend.telemetry.exportBytes({ deviceId: 'car-a', format: 'ndjson' })).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
        expect(ndjson.map((r) => [r.ts, r.speed_kph])).toEqual([['2024-01-01T08:00:00.000Z', 10], ['2024-01-01T08:00:01.000Z', 11], ['2024-01-01T08:00:02.000Z', 12]]);
        expect(ndjson[0]!.error_codes).toEqual(['P0A1F', 'U0100']);
        const table = tableFromIPC(await backend.telemetry.exportBytes({ deviceId: 'car-a', format: 'arrow' }));
        expect(table.numRows).toBe(3);
        expect([...table.getChild('speed_kph')!.toArray()]).toEqual([10, 11, 12]);
      });
    });

    describe('devices', () => {
      it('lists devices with their time range and rows, and merges facts set by hand', async () => {
        const a = await backend.devices.get('car-a');
        expect(a).toMatchObject({ deviceId: 'car-a', rowCount: 3, firstTs: new Date(T0).toISOString(), lastTs: new Date(T0 + 2000).toISOString(), model: null });
        await backend.devices.putFacts('car-a', { model: 'Zoe', batteryKwh: 52 });
        await backend.devices.putFacts('car-a', { fleet: 'north' });
        expect(await backend.devices.get('car-a')).toMatchObject({ model: 'Zoe', batteryKwh: 52, fleet: 'north', rowCount: 3 });
        await backend.devices.putFacts('car-new', { model: 'Twizy' });
        expect(await backend.devices.get('car-new')).toMatchObject({ rowCount: 0, model: 'Twizy', firstTs: null });
        const ids = (await backend.devices.list()).map((d) => d.deviceId);
        expect(ids).toEqual(['car-a', 'car-b', 'car-f', 'car-new', 'car-q']);
        expect((await backend.devices.list({ afterId: 'car-f', limit: 1 })).map((d) => d.deviceId)).toEqual(['car-new']);
        expect(await backend.devices.get('nobody')).toBeUndefined();
      });
    });

    describe('sessions', () => {
      it('replaces a device’s periods from a point on and lists those overlapping a range', async () => {
        const h = 3_600_000;
        await backend.sessions.replace('car-s', undefined, [period('drive', T0, T0 + h), period('park', T0 + h, T0 + 2 * h), period('drive', T0 + 2 * h, T0 + 3 * h)]);
        expect((await backend.sessions.list({ deviceId: 'car-s' })).map((s) => [s.kind, s.startMs])).toEqual([['drive', T0], ['park', T0 + h], ['drive', T0 + 2 * h]]);
        await backend.sessions.replace('car-s', T0 + h, [period('charge', T0 + h, T0 + 3 * h, { socEndPct: 100 })]);
        const all = await backend.sessions.list({ deviceId: 'car-s' });
        expect(all.map((s) => [s.kind, s.startMs, s.endMs])).toEqual([['drive', T0, T0 + h], ['charge', T0 + h, T0 + 3 * h]]);
        expect(all[1]!.socEndPct).toBe(100);
        expect((await backend.sessions.list({ deviceId: 'car-s', kind: 'drive' })).length).toBe(1);
        expect((await backend.sessions.list({ deviceId: 'car-s', fromMs: T0 + 2 * h })).map((s) => s.kind)).toEqual(['charge']);
        expect(await backend.sessions.get('car-s', all[1]!.sessionId)).toMatchObject({ kind: 'charge', deviceId: 'car-s' });
        expect(await backend.sessions.get('car-s', 'nope')).toBeUndefined();
      });
    });

    describe('events', () => {
      it('replaces a window’s events: created, unchanged, updated (first detection kept), removed', async () => {
        const w = { deviceId: 'car-e', fromMs: T0, toMs: T0 + 3_600_000 };
        const d = ['breakdown-rules@1'];
        const e1 = event('car-e', 'e1', T0 + 60_000);
        const e2 = event('car-e', 'e2', T0 + 120_000);
        let c = await backend.events.replace(w, d, [e1, e2], 1000);
        expect(c.created.map((e) => e.eventId)).toEqual(['e1', 'e2']);
        c = await backend.events.replace(w, d, [e1, e2], 2000);
        expect(c).toEqual({ created: [], updated: [], removed: [] });
        c = await backend.events.replace(w, d, [{ ...e1, summary: 'stopped, then towed' }], 3000);
        expect(c.updated.map((e) => e.eventId)).toEqual(['e1']);
        expect(c.removed).toEqual(['e2']);
        const stored = await backend.events.list({ deviceId: 'car-e' });
        expect(stored).toEqual([{ ...e1, summary: 'stopped, then towed', detectedAtMs: 1000, updatedAtMs: 3000 }]);
        // Another detector's events in the same window are left alone.
        await backend.events.replace(w, ['other@1'], [event('car-e', 'o1', T0 + 1000, { detector: 'other@1', severity: 'info' })], 4000);
        await backend.events.replace(w, d, [e1], 5000);
        expect((await backend.events.list({ deviceId: 'car-e' })).map((e) => e.eventId)).toEqual(['o1', 'e1']);
        expect((await backend.events.list({ deviceId: 'car-e', minSeverity: 'warning' })).map((e) => e.eventId)).toEqual(['e1']);
      });
    });

    describe('incidents', () => {
      it('opens, widens, links and advances incidents, newest first', async () => {
        const base = { ruleId: 'r1', deviceId: 'car-i', kind: 'breakdown', severity: 'warning' as const, summary: 's', lat: null, lon: null };
        await backend.incidents.open({ ...base, incidentId: 'i1', startMs: T0, endMs: T0 + 1000 }, 10_000);
        await backend.incidents.open({ ...base, incidentId: 'i2', startMs: T0 + 5000, endMs: T0 + 6000 }, 20_000);
        await backend.incidents.widen('i1', { startMs: T0 - 1000, endMs: T0 + 9000, severity: 'critical', summary: 'worse' }, 30_000);
        await backend.incidents.linkEvent({ incidentId: 'i1', ruleId: 'r1', eventId: 'e1', eventUpdatedAtMs: 5 });
        expect(await backend.incidents.get('i1')).toMatchObject({
          state: 'open', startMs: T0 - 1000, endMs: T0 + 9000, severity: 'critical', summary: 'worse', eventIds: ['e1'], openedAtMs: 10_000, updatedAtMs: 30_000,
        });
        expect(await backend.incidents.advance('i1', 'acknowledged', 'ana', 'on it', 40_000)).toBe('open');
        expect(await backend.incidents.advance('i1', 'acknowledged', 'bob', null, 41_000)).toBe('acknowledged');
        expect(await backend.incidents.advance('i1', 'resolved', 'ana', null, 50_000)).toBe('acknowledged');
        expect(await backend.incidents.get('i1')).toMatchObject({ state: 'resolved', acknowledgedBy: 'ana', acknowledgedAtMs: 40_000, resolvedAtMs: 50_000, note: 'on it' });
        expect(await backend.incidents.advance('nope', 'resolved', null, null, 1)).toBeUndefined();
        expect((await backend.incidents.list()).map((i) => i.incidentId)).toEqual(['i2', 'i1']);
        expect((await backend.incidents.list({ state: 'open' })).map((i) => i.incidentId)).toEqual(['i2']);
      });
    });

    describe('outbox', () => {
      it('queues one item per idempotency key, hands out lane heads in order and records the outcome', async () => {
        const item = (key: string, dueAtMs: number) => ({
          idempotencyKey: key, incidentId: 'i1', step: 0, receiver: 'ops', receiverUrl: 'http://127.0.0.1:9/hook', receiverSecret: 's3cret', deviceId: 'car-i', payload: `{"k":"${key}"}`, dueAtMs,
        });
        await backend.outbox.enqueue(item('k1', 100), 100);
        await backend.outbox.enqueue(item('k1', 100), 150);
        await backend.outbox.enqueue(item('k2', 200), 200);
        expect((await backend.outbox.list()).map((i) => i.idempotencyKey)).toEqual(['k1', 'k2']);
        let heads = await backend.outbox.dueHeads(1000, 10);
        expect(heads).toEqual([expect.objectContaining({ idempotencyKey: 'k1', receiverSecret: 's3cret', payload: '{"k":"k1"}', attempts: 0 })]);
        await backend.outbox.markRetry(heads[0]!.outboxId, 2000, 'HTTP 503');
        expect(await backend.outbox.dueHeads(1000, 10)).toEqual([]);
        heads = await backend.outbox.dueHeads(2000, 10);
        expect(heads.map((h) => [h.idempotencyKey, h.attempts])).toEqual([['k1', 1]]);
        await backend.outbox.markDelivered(heads[0]!.outboxId, 2100);
        heads = await backend.outbox.dueHeads(2200, 10);
        expect(heads.map((h) => h.idempotencyKey)).toEqual(['k2']);
        await backend.outbox.markDead(heads[0]!.outboxId, 'HTTP 410', 2300);
        const all = await backend.outbox.list();
        expect(all.map((i) => [i.idempotencyKey, i.status, i.attempts, i.deliveredAtMs, i.lastError])).toEqual([['k1', 'delivered', 2, 2100, null], ['k2', 'dead', 1, null, 'HTTP 410']]);
        expect((await backend.outbox.list({ status: 'dead' })).map((i) => i.idempotencyKey)).toEqual(['k2']);
      });
    });

    describe('annotations', () => {
      it('adds, refuses a taken id, lists by range and removes', async () => {
        const a = await backend.annotations.add('car-n', { annotationId: 'n1', startMs: T0, endMs: T0 + 5000, text: 'stall', author: 'ana', tags: ['x'] }, 7);
        expect(a).toMatchObject({ annotationId: 'n1', deviceId: 'car-n', startMs: T0, endMs: T0 + 5000, text: 'stall', author: 'ana', tags: ['x'], claim: null, createdAtMs: 7 });
        expect(await backend.annotations.add('car-n', { annotationId: 'n1', startMs: T0, text: 'again' }, 8)).toBeUndefined();
        await backend.annotations.add('car-n', { annotationId: 'n2', startMs: T0 + 60_000, text: 'later' }, 9);
        expect((await backend.annotations.list({ deviceId: 'car-n' })).map((x) => x.annotationId)).toEqual(['n1', 'n2']);
        expect((await backend.annotations.list({ deviceId: 'car-n', fromMs: T0 + 10_000 })).map((x) => x.annotationId)).toEqual(['n2']);
        expect(await backend.annotations.remove('car-n', 'n1')).toBe(true);
        expect(await backend.annotations.remove('car-n', 'n1')).toBe(false);
        expect((await backend.annotations.list({ deviceId: 'car-n' })).map((x) => x.annotationId)).toEqual(['n2']);
      });
    });

    describe('chargers', () => {
      it('inserts or replaces chargers by id and lists them by id', async () => {
        expect(await backend.chargers.put([{ chargerId: 'c2', name: 'B', lat: 1, lon: 2, powerKw: 50 }, { chargerId: 'c1', name: 'A', lat: 3, lon: 4, powerKw: null }], 'test', 1)).toEqual({ created: 2, updated: 0 });
        expect(await backend.chargers.put([{ chargerId: 'c1', name: 'A2', lat: 3, lon: 4, powerKw: 22 }], 'test', 2)).toEqual({ created: 0, updated: 1 });
        expect(await backend.chargers.list()).toEqual([{ chargerId: 'c1', name: 'A2', lat: 3, lon: 4, powerKw: 22 }, { chargerId: 'c2', name: 'B', lat: 1, lon: 2, powerKw: 50 }]);
        expect((await backend.chargers.list({ afterId: 'c1' })).map((c) => c.chargerId)).toEqual(['c2']);
      });
    });

    describe('api keys', () => {
      const key = (keyId: string, createdAtMs: number, label: string | null) => ({
        keyId, secretSha256: keyId.repeat(4), role: 'analyst' as const, fleets: label === null ? ['north', 'south'] : null, label, createdAtMs, expiresAtMs: label === null ? 9_000 : null, revokedAtMs: null,
      });
      it('stores keys by id, lists them oldest first and revokes each once', async () => {
        await backend.keys.insert(key('b'.repeat(16), 20, null));
        await backend.keys.insert(key('a'.repeat(16), 10, 'admin'));
        expect(await backend.keys.get('b'.repeat(16))).toEqual(key('b'.repeat(16), 20, null));
        expect(await backend.keys.get('c'.repeat(16))).toBeUndefined();
        expect((await backend.keys.list()).map((k) => k.keyId)).toEqual(['a'.repeat(16), 'b'.repeat(16)]);
        expect(await backend.keys.revoke('b'.repeat(16), 30)).toBe(true);
        expect(await backend.keys.revoke('b'.repeat(16), 40)).toBe(false);
        expect(await backend.keys.revoke('c'.repeat(16), 40)).toBe(false);
        expect((await backend.keys.get('b'.repeat(16)))?.revokedAtMs).toBe(30);
      });

      it('revokes every live key of a label and leaves the others', async () => {
        await backend.keys.insert(key('d'.repeat(16), 50, 'admin'));
        await backend.keys.insert(key('e'.repeat(16), 60, 'ci'));
        expect((await backend.keys.revokeByLabel('admin', 70)).sort()).toEqual(['a'.repeat(16), 'd'.repeat(16)]);
        expect(await backend.keys.revokeByLabel('admin', 80)).toEqual([]);
        const byId = new Map((await backend.keys.list()).map((k) => [k.keyId, k.revokedAtMs]));
        expect(byId).toEqual(new Map([['a'.repeat(16), 70], ['b'.repeat(16), 30], ['d'.repeat(16), 70], ['e'.repeat(16), null]]));
      });
    });
  });
}
