import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.ts';
import { TelemetryStore } from '../../src/store/telemetry-store.ts';
import { runCli } from './run-cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'telltale-keys-'));
const db = join(dir, 'keys.duckdb');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('telltale keys / audit', () => {
  it('creates a scoped key whose token works over HTTP, lists it without its secret, revokes it, and audits both changes', async () => {
    const created = await runCli(['keys', 'create', '--role', 'support', '--fleet', 'north', '--fleet', 'south', '--expires', '2099-01-01T00:00:00Z', '--json', '--db', db]);
    expect(created.code, created.stderr).toBe(0);
    const { token, key } = JSON.parse(created.stdout) as { token: string; key: { keyId: string; role: string; fleets: string[]; expiresAtMs: number } };
    expect(token).toMatch(/^tt_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    // The secret may itself contain '_': it is everything after the id.
    expect(token.slice('tt_'.length + 17)).toHaveLength(43);
    expect(key).toMatchObject({ role: 'support', fleets: ['north', 'south'], expiresAtMs: Date.parse('2099-01-01T00:00:00Z') });

    const listed = await runCli(['keys', 'list', '--db', db]);
    expect(listed.stdout).toContain(key.keyId);
    expect(listed.stdout).not.toContain(token.slice('tt_'.length + 17));

    // The token is checked by the server against the stored hash.
    const store = await TelemetryStore.open(db);
    const app = await buildApp({ store, detectors: [] });
    try {
      expect((await app.inject({ url: '/v1/devices', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(200);
      const raw = await store.db.runAndReadAll('SELECT secret_sha256 FROM api_keys');
      expect(JSON.stringify(raw.getRows())).not.toContain(token.slice('tt_'.length + 17));
    } finally {
      await app.close();
      await store.close();
    }

    expect((await runCli(['keys', 'revoke', key.keyId, '--db', db])).code).toBe(0);
    const again = await runCli(['keys', 'revoke', key.keyId, '--db', db]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/no live key/);
    const bad = await runCli(['keys', 'create', '--role', 'root', '--db', db]);
    expect(bad.code).toBe(1);

    const audit = await runCli(['audit', '--db', db]);
    const lines = audit.stdout.trim().split('\n').map((l) => JSON.parse(l) as { action: string; target: string; detail: Record<string, unknown> });
    expect(lines.filter((l) => l.target === key.keyId).map((l) => Object.keys(l.detail)[0])).toEqual(['revoked', 'created']);

    const store2 = await TelemetryStore.open(db);
    const app2 = await buildApp({ store: store2, detectors: [] });
    try {
      expect((await app2.inject({ url: '/v1/devices', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(401);
    } finally {
      await app2.close();
      await store2.close();
    }
  }, 60_000);
});
