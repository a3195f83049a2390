import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.ts';

// What a new user hit (issue 10, item 8): each refusal is one line `telltale: error CODE: message`,
// exit status 1, and nothing half-done left behind.
let dir: string;
let db: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'telltale-refusals-'));
  db = join(dir, 'telltale.duckdb');
  const csv = join(dir, 'car.csv');
  writeFileSync(csv, 'ts,Speed\n2024-01-01T00:00:00Z,10\n2024-01-01T00:00:01Z,11\n');
  const ok = await runCli(['ingest', csv, '--device', 'car-1', '--map', 'speed_kph=Speed', '--db', db]);
  expect(ok.code, ok.stderr).toBe(0);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const errorLine = (stderr: string) => stderr.trim().split('\n').filter((l) => l.startsWith('telltale: error'));

describe('the CLI refuses clearly', () => {
  it('names the unknown unit of a --map', async () => {
    const csv = join(dir, 'furlongs.csv');
    writeFileSync(csv, 'ts,Speed\n2024-01-02T00:00:00Z,10\n');
    const r = await runCli(['ingest', csv, '--device', 'car-2', '--map', 'speed_kph=Speed:furlongs', '--db', db]);
    expect(r.code).toBe(1);
    expect(errorLine(r.stderr)).toEqual([expect.stringMatching(/^telltale: error BAD_MAP: --map speed_kph=Speed:furlongs: unknown unit 'furlongs' \(known: kph, mph, /)]);
  });

  it('still reads a source column whose name has a colon in it', async () => {
    const csv = join(dir, 'colon.csv');
    writeFileSync(csv, 'ts,Speed:raw\n2024-01-03T00:00:00Z,12\n');
    const r = await runCli(['ingest', csv, '--device', 'car-3', '--map', 'speed_kph=Speed:raw', '--db', db, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ accepted: 1, rejected: 0 });
  });

  it('refuses annotate add on an unknown device, like POST /v1/devices/:id/annotations', async () => {
    const r = await runCli(['annotate', 'add', '--device', 'nope', '--at', '2024-01-01T00:00:00Z', '--text', 'hello', '--db', db]);
    expect(r.code).toBe(1);
    expect(errorLine(r.stderr)).toEqual(["telltale: error NOT_FOUND: no device 'nope'"]);
    const list = await runCli(['annotate', 'list', '--device', 'car-1', '--db', db, '--json']);
    expect(JSON.parse(list.stdout)).toEqual([]);
    const known = await runCli(['annotate', 'add', '--device', 'car-1', '--at', '2024-01-01T00:00:00Z', '--text', 'hello', '--db', db, '--json']);
    expect(known.code, known.stderr).toBe(0);
    expect(JSON.parse(known.stdout)).toMatchObject({ deviceId: 'car-1', text: 'hello' });
  });

  it('refuses export of an unknown device and writes no file', async () => {
    const out = join(dir, 'nope.csv');
    const r = await runCli(['export', '--device', 'nope', '--out', out, '--db', db]);
    expect(r.code).toBe(1);
    expect(errorLine(r.stderr)).toEqual(["telltale: error NOT_FOUND: no device 'nope'"]);
    expect(existsSync(out)).toBe(false);
    const ok = await runCli(['export', '--device', 'car-1', '--out', join(dir, 'car-1.csv'), '--db', db]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toContain('2 rows');
  });

  it('refuses a --db in a folder that does not exist instead of creating it', async () => {
    const missing = join(dir, 'no-such-folder', 'sub');
    const r = await runCli(['annotate', 'list', '--device', 'car-1', '--db', join(missing, 'x.duckdb')]);
    expect(r.code).toBe(1);
    expect(errorLine(r.stderr)).toEqual([`telltale: error DB_FOLDER_MISSING: --db ${join(missing, 'x.duckdb')}: the folder ${missing} does not exist (create it first, or use another path)`]);
    expect(existsSync(join(dir, 'no-such-folder'))).toBe(false);
  });

  describe('serve on a port that is taken', () => {
    let blocker: Server;
    let port: number;
    beforeAll(async () => {
      blocker = createServer();
      await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
      port = (blocker.address() as AddressInfo).port;
    });
    afterAll(() => new Promise<void>((resolve) => blocker.close(() => resolve())));

    it('exits with status 1 and says so, instead of hanging', async () => {
      // The test's own timeout is the "hangs" case: runCli resolves only when the process ends.
      const r = await runCli(['serve', '--port', String(port), '--host', '127.0.0.1', '--db', join(dir, 'serve.duckdb')]);
      expect(r.code).toBe(1);
      expect(errorLine(r.stderr)).toEqual([expect.stringMatching(new RegExp(`^telltale: error PORT_IN_USE: port ${port} on 127\\.0\\.0\\.1 is already in use`))]);
    }, 60_000);
  });
});
