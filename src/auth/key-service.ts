import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Principal, Role } from '../domain/auth/role.ts';
import type { ApiKeyRecord } from '../store/api-key-repository.ts';
import type { KeyBook } from '../store/contract/key-book.ts';

/** A token is `tt_<key id>_<secret>`: the id finds the row, the secret is compared by its hash. */
const TOKEN = /^tt_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
const sha256 = (text: string): Buffer => createHash('sha256').update(text).digest();

export interface NewKey {
  role: Role;
  /** Empty or absent: every fleet. */
  fleets?: readonly string[] | undefined;
  expiresAtMs?: number | undefined;
  label?: string | undefined;
}

/** What is shown of a key: everything but the secret's hash. */
export type KeyInfo = Omit<ApiKeyRecord, 'secretSha256'>;
const info = ({ secretSha256: _, ...rest }: ApiKeyRecord): KeyInfo => rest;

/** How long a key looked up stays cached: a key revoked by another process on the same store is refused after at most this. */
export const KEY_CACHE_MS = 5_000;

/**
 * Creates, lists, revokes and checks API keys. The token is shown once, at creation; only its hash
 * is stored, in the store's KeyBook, so every process on one store accepts the same keys.
 */
export class KeyService {
  private readonly cache = new Map<string, { record: ApiKeyRecord | null; atMs: number }>();
  private readonly keys: KeyBook;
  private readonly now: () => number;
  private readonly cacheMs: number;
  constructor(keys: KeyBook, now: () => number, cacheMs = KEY_CACHE_MS) {
    this.keys = keys;
    this.now = now;
    this.cacheMs = cacheMs;
  }

  async create(key: NewKey): Promise<{ token: string; key: KeyInfo }> {
    const keyId = randomBytes(8).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    const record: ApiKeyRecord = {
      keyId,
      secretSha256: sha256(secret).toString('hex'),
      role: key.role,
      fleets: key.fleets && key.fleets.length > 0 ? [...new Set(key.fleets)].sort() : null,
      label: key.label ?? null,
      createdAtMs: this.now(),
      expiresAtMs: key.expiresAtMs ?? null,
      revokedAtMs: null,
    };
    await this.keys.insert(record);
    this.cache.delete(keyId);
    return { token: `tt_${keyId}_${secret}`, key: info(record) };
  }

  async list(): Promise<KeyInfo[]> {
    return (await this.keys.list()).map(info);
  }

  async revoke(keyId: string): Promise<boolean> {
    const done = await this.keys.revoke(keyId, this.now());
    this.cache.delete(keyId);
    return done;
  }

  /** Replaces the keys of a label with a new one (the admin key printed at each start). */
  async rotate(label: string, key: Omit<NewKey, 'label'>): Promise<{ token: string; key: KeyInfo }> {
    const revoked = await this.keys.revokeByLabel(label, this.now());
    for (const id of revoked) this.cache.delete(id);
    return this.create({ ...key, label });
  }

  /** The principal of a token, or undefined for a malformed, unknown, wrong, revoked or expired one. */
  async authenticate(token: string): Promise<Principal | undefined> {
    const match = TOKEN.exec(token);
    if (!match) return undefined;
    const [, keyId, secret] = match as unknown as [string, string, string];
    const cached = this.cache.get(keyId);
    let record: ApiKeyRecord | null;
    if (cached !== undefined && this.now() - cached.atMs < this.cacheMs) record = cached.record;
    else {
      record = (await this.keys.get(keyId)) ?? null;
      this.cache.set(keyId, { record, atMs: this.now() });
    }
    // Hash comparison in constant time even when the id is unknown, so timing tells nothing.
    const expected = record ? Buffer.from(record.secretSha256, 'hex') : Buffer.alloc(32);
    const same = timingSafeEqual(sha256(secret), expected);
    if (!record || !same || record.revokedAtMs !== null) return undefined;
    if (record.expiresAtMs !== null && record.expiresAtMs <= this.now()) return undefined;
    return { keyId: record.keyId, role: record.role, fleets: record.fleets };
  }
}
