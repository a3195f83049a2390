import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replaceEvents } from '../../src/store/event-repository.ts';
import { listIncidents } from '../../src/store/incident-repository.ts';
import { TelemetryStore } from '../../src/store/telemetry-store.ts';
import { runCli } from './run-cli.ts';

let dir: string;
let db: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'telltale-alert-rules-'));
  db = join(dir, 'telltale.duckdb');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const rule = (ruleId: string, receiver = 'driver') => ({
  ruleId, name: `Rule ${ruleId}`, match: { kinds: ['breakdown'] },
  receivers: [{ name: 'driver', url: 'https://hooks.example.com/driver', secret: 'very-secret-1' }],
  escalation: [{ delayMs: 0, receiver, audience: 'driver' }],
});

describe('telltale alert-rules', () => {
  it('adds rules from a file, lists them with secrets masked, removes one, and names the field of a bad rule', async () => {
    const file = join(dir, 'rules.json');
    writeFileSync(file, JSON.stringify({ rules: [rule('a'), rule('b')] }));
    const added = await runCli(['alert-rules', 'add', file, '--db', db]);
    expect(added.code).toBe(0);
    expect(added.stdout).toBe('added a\nadded b\n');
    expect((await runCli(['alert-rules', 'add', file, '--db', db])).stdout).toBe('replaced a\nreplaced b\n');

    const listed = await runCli(['alert-rules', 'list', '--db', db]);
    const rules = JSON.parse(listed.stdout) as Array<{ ruleId: string; receivers: Array<{ secret: string }> }>;
    expect(rules.map((r) => [r.ruleId, r.receivers[0]!.secret])).toEqual([['a', '********'], ['b', '********']]);

    expect((await runCli(['alert-rules', 'remove', 'a', '--db', db])).stdout).toBe('removed a\n');
    const missing = await runCli(['alert-rules', 'remove', 'a', '--db', db]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("no alert rule 'a'");

    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify(rule('c', 'nobody')));
    const refused = await runCli(['alert-rules', 'add', bad, '--db', db]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("/rules/0/escalation/0/receiver: no receiver named 'nobody'");
    expect(JSON.parse((await runCli(['alert-rules', 'list', '--db', db])).stdout).map((r: { ruleId: string }) => r.ruleId)).toEqual(['b']);
  });

  it('applies a new rule to the events already stored only with --apply-to-existing', async () => {
    const store = await TelemetryStore.open(db);
    const startMs = Date.parse('2024-03-01T10:00:00Z');
    await store.withConnection((conn) => replaceEvents(conn, { deviceId: 'van-9' }, ['cli@1'], [{
      eventId: 'ev-cli', deviceId: 'van-9', kind: 'breakdown', subkind: 'stop', severity: 'critical', detector: 'cli@1', startMs, endMs: null, lat: null, lon: null, summary: 'stopped', score: null, evidence: [],
    }], Date.now()));
    await store.close();
    const plain = join(dir, 'plain.json');
    writeFileSync(plain, JSON.stringify(rule('plain')));
    expect((await runCli(['alert-rules', 'add', plain, '--db', db])).stdout).toBe('added plain\n');
    const applied = join(dir, 'applied.json');
    writeFileSync(applied, JSON.stringify(rule('applied')));
    const result = await runCli(['alert-rules', 'add', applied, '--apply-to-existing', '--db', db]);
    expect(result.stdout).toBe('added applied, applied to 1 stored events\n');
    const after = await TelemetryStore.open(db);
    const incidents = await after.withConnection((conn) => listIncidents(conn));
    await after.close();
    expect(incidents.map((i) => [i.ruleId, i.deviceId, i.eventIds])).toEqual([['applied', 'van-9', ['ev-cli']]]);
  });

  it('serve refuses a bad rules file before it opens the store', async () => {
    const bad = join(dir, 'serve-bad.json');
    writeFileSync(bad, JSON.stringify({ rules: [{ ...rule('d'), receivers: [{ name: 'driver', url: 'ftp://x', secret: 'very-secret-1' }] }] }));
    const result = await runCli(['serve', '--db', db, '--port', '0', '--alert-rules', bad]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/invalid alert rules in .*serve-bad\.json: \/rules\/0\/receivers\/0\/url/);
  });
});
