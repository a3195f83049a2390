import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingest } from '../../src/ingest/ingest-pipeline.ts';
import { refreshSessions, SessionMaintainer } from '../../src/sessions/session-maintainer.ts';
import { listSessions } from '../../src/store/session-repository.ts';
import { openTempStore } from '../temp-store.ts';

const DIR = join(import.meta.dirname, '../../fixtures/twizy-rsk');
/** All 14 trips of the dataset: six as plain CSV, eight gzipped to keep the repository small. */
const FILES = readdirSync(DIR).filter((f) => /\.csv(\.gz)?$/.test(f)).sort();
const encode = (text: string) => [new TextEncoder().encode(text)];

let whole: Awaited<ReturnType<typeof openTempStore>>;
let pieces: Awaited<ReturnType<typeof openTempStore>>;

beforeAll(async () => {
  whole = await openTempStore();
  pieces = await openTempStore();
  for (const file of FILES) {
    await ingest(whole, { input: { path: join(DIR, file) }, format: 'csv', source: file, deviceId: file, profile: 'twizy-rsk' });
    await ingest(whole, { input: { path: join(DIR, file) }, format: 'csv', source: file, deviceId: 'twizy', profile: 'twizy-rsk' });
  }
  for (const file of FILES) {
    await refreshSessions(whole, file, -8.64e15);
  }
  await refreshSessions(whole, 'twizy', -8.64e15);

  // The same trips arriving as a device would send them after an outage: in parts, late parts
  // first, each upload followed by the incremental update.
  const maintainer = new SessionMaintainer(pieces, (err) => { throw err; });
  const parts: string[] = [];
  for (const file of FILES) {
    const bytes = readFileSync(join(DIR, file));
    const [header, ...lines] = (file.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8').trimEnd().split('\n');
    const third = Math.ceil(lines.length / 3);
    for (let k = 0; k < 3; k++) parts.push([header, ...lines.slice(k * third, (k + 1) * third)].join('\n'));
  }
  const order = parts.map((_, i) => i).sort((a, b) => (b % 3) - (a % 3) || b - a);
  for (const i of order) {
    await ingest(pieces, {
      input: encode(parts[i]!),
      format: 'csv',
      source: `part-${i}`,
      deviceId: 'twizy',
      profile: 'twizy-rsk',
      onCommitted: (touched) => maintainer.schedule(touched),
    });
    await maintainer.idle();
  }
});

afterAll(async () => {
  await whole?.dispose();
  await pieces?.dispose();
});

describe('sessions of the real twizy-rsk trips', () => {
  it('finds exactly one drive in each of the 14 files: each is one trip (T1 ~48 km, T3 ~16 km, the 30 km T3_05_25_2021_04 a double lap) with no stop over 3 minutes', async () => {
    expect(FILES).toHaveLength(14);
    for (const file of FILES) {
      const drives = await listSessions(whole.db, { deviceId: file, kind: 'drive' });
      expect(drives, file).toHaveLength(1);
      const km = drives[0]!.distanceKm!;
      if (file.startsWith('T1')) expect(km, file).toBeGreaterThan(35);
      else expect(km, file).toBeGreaterThan(12);
      // No drive carries a stretch of missing data.
      const all = await listSessions(whole.db, { deviceId: file });
      expect(all.filter((s) => s.kind === 'gap'), file).toHaveLength(0);
    }
  });

  it('keeps trips of one vehicle apart: a drive per file, separated by gaps (the 2.4-minute hole between the two T3 trips of 22 April included)', async () => {
    const all = await listSessions(whole.db, { deviceId: 'twizy' });
    expect(all.filter((s) => s.kind === 'drive')).toHaveLength(FILES.length);
    expect(all.filter((s) => s.kind === 'gap')).toHaveLength(FILES.length - 1);
    for (let k = 1; k < all.length; k++) expect(all[k]!.startMs).toBe(all[k - 1]!.endMs);
  });

  it('gives the same periods when the data arrives in late, out-of-order parts and is updated incrementally', async () => {
    const expected = await listSessions(whole.db, { deviceId: 'twizy' });
    const actual = await listSessions(pieces.db, { deviceId: 'twizy' });
    expect(actual).toEqual(expected);
  });
});
