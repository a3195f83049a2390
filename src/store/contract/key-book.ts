import type { ApiKeyRecord } from '../api-key-repository.ts';

/**
 * API keys in the store, so that every Telltale process on one store accepts the same keys: a key
 * made on one process works on the others, a key revoked on one is refused by the others (once
 * their short cache has let go of it). Only the secret's SHA-256 is stored.
 */
export interface KeyBook {
  insert(key: ApiKeyRecord): Promise<void>;
  get(keyId: string): Promise<ApiKeyRecord | undefined>;
  /** Oldest first (created_at, then key id). */
  list(): Promise<ApiKeyRecord[]>;
  /** Marks a key revoked; true when it existed and was not revoked already. */
  revoke(keyId: string, nowMs: number): Promise<boolean>;
  /** Revokes every live key with this label; the ids revoked. */
  revokeByLabel(label: string, nowMs: number): Promise<string[]>;
}
