import { AuditLog } from '../auth/audit-log.ts';
import { KeyService } from '../auth/key-service.ts';
import { DEFAULT_DB_PATH } from '../config.ts';
import { isRole } from '../domain/auth/role.ts';
import { parseTimeParam } from '../http/time-param.ts';
import { TelemetryStore } from '../store/telemetry-store.ts';

async function withStore<T>(db: string, work: (store: TelemetryStore) => Promise<T>): Promise<T> {
  const store = await TelemetryStore.open(db, { createFolder: db === DEFAULT_DB_PATH });
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

/** A change made from the CLI is audited like one over HTTP, with the CLI as its author. */
const cliAudit = (store: TelemetryStore, target: string, detail: Record<string, unknown>) => {
  const audit = new AuditLog(store);
  audit.record({ keyId: null, role: 'cli', action: 'change', method: 'CLI', route: 'keys', deviceId: null, fromMs: null, toMs: null, target, status: null, detail });
  return audit.flush();
};

export async function runKeysCreate(opts: { db: string; role: string; fleet: string[]; expires?: string; label?: string; json?: boolean }): Promise<void> {
  if (!isRole(opts.role)) throw new Error(`--role must be one of ingest, support, analyst, admin, got '${opts.role}'`);
  const role = opts.role;
  await withStore(opts.db, async (store) => {
    const expiresAtMs = parseTimeParam(opts.expires, '--expires');
    if (expiresAtMs !== undefined && expiresAtMs <= store.now()) throw new Error(`--expires ${opts.expires} is already past`);
    const { token, key } = await new KeyService(store).create({ role, fleets: opts.fleet, expiresAtMs, label: opts.label });
    await cliAudit(store, key.keyId, { created: { role, fleets: key.fleets, expiresAtMs: key.expiresAtMs } });
    if (opts.json) process.stdout.write(`${JSON.stringify({ token, key })}\n`);
    else process.stdout.write(`${token}\n(key ${key.keyId}, role ${role}${key.fleets ? `, fleets ${key.fleets.join(', ')}` : ', every fleet'}; the token is shown only now)\n`);
  });
}

export async function runKeysList(opts: { db: string }): Promise<void> {
  const keys = await withStore(opts.db, (store) => new KeyService(store).list());
  process.stdout.write(`${JSON.stringify(keys, null, 2)}\n`);
}

export async function runKeysRevoke(keyId: string, opts: { db: string }): Promise<void> {
  await withStore(opts.db, async (store) => {
    if (!(await new KeyService(store).revoke(keyId))) throw new Error(`no live key '${keyId}'`);
    await cliAudit(store, keyId, { revoked: true });
    process.stdout.write(`revoked ${keyId}\n`);
  });
}

export async function runAuditList(opts: { db: string; device?: string; key?: string; from?: string; to?: string; limit?: number }): Promise<void> {
  const entries = await withStore(opts.db, (store) =>
    new AuditLog(store).list({ deviceId: opts.device, keyId: opts.key, fromMs: parseTimeParam(opts.from, '--from'), toMs: parseTimeParam(opts.to, '--to'), limit: opts.limit }),
  );
  for (const e of entries) process.stdout.write(`${JSON.stringify(e)}\n`);
}
