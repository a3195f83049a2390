import { isRole } from '../domain/auth/role.ts';
import { parseTimeParam } from '../http/time-param.ts';
import type { Services } from '../services/compose-services.ts';
import { withServices } from './with-services.ts';

/** A change made from the CLI is audited like one over HTTP, with the CLI as its author. */
const cliAudit = (services: Services, target: string, detail: Record<string, unknown>) => {
  services.audit.record({ keyId: null, role: 'cli', action: 'change', method: 'CLI', route: 'keys', deviceId: null, fromMs: null, toMs: null, target, status: null, detail });
  return services.audit.flush();
};

export async function runKeysCreate(opts: { db: string; role: string; fleet: string[]; expires?: string; label?: string; json?: boolean }): Promise<void> {
  if (!isRole(opts.role)) throw new Error(`--role must be one of ingest, support, analyst, admin, got '${opts.role}'`);
  const role = opts.role;
  await withServices(opts.db, {}, async (services) => {
    const expiresAtMs = parseTimeParam(opts.expires, '--expires');
    if (expiresAtMs !== undefined && expiresAtMs <= services.store.now()) throw new Error(`--expires ${opts.expires} is already past`);
    const { token, key } = await services.keys.create({ role, fleets: opts.fleet, expiresAtMs, label: opts.label });
    await cliAudit(services, key.keyId, { created: { role, fleets: key.fleets, expiresAtMs: key.expiresAtMs } });
    if (opts.json) process.stdout.write(`${JSON.stringify({ token, key })}\n`);
    else process.stdout.write(`${token}\n(key ${key.keyId}, role ${role}${key.fleets ? `, fleets ${key.fleets.join(', ')}` : ', every fleet'}; the token is shown only now)\n`);
  });
}

export async function runKeysList(opts: { db: string }): Promise<void> {
  const keys = await withServices(opts.db, {}, (services) => services.keys.list());
  process.stdout.write(`${JSON.stringify(keys, null, 2)}\n`);
}

export async function runKeysRevoke(keyId: string, opts: { db: string }): Promise<void> {
  await withServices(opts.db, {}, async (services) => {
    if (!(await services.keys.revoke(keyId))) throw new Error(`no live key '${keyId}'`);
    await cliAudit(services, keyId, { revoked: true });
    process.stdout.write(`revoked ${keyId}\n`);
  });
}

export async function runAuditList(opts: { db: string; device?: string; key?: string; from?: string; to?: string; limit?: number }): Promise<void> {
  const entries = await withServices(opts.db, {}, (services) =>
    services.audit.list({ deviceId: opts.device, keyId: opts.key, fromMs: parseTimeParam(opts.from, '--from'), toMs: parseTimeParam(opts.to, '--to'), limit: opts.limit }),
  );
  for (const e of entries) process.stdout.write(`${JSON.stringify(e)}\n`);
}

export async function runPurge(opts: { db: string; device: string; before?: string; json?: boolean }): Promise<void> {
  const counts = await withServices(opts.db, {}, (services) =>
    services.privacy.purge({ deviceId: opts.device, beforeMs: parseTimeParam(opts.before, '--before'), by: { keyId: null, role: 'cli' } }),
  );
  process.stdout.write(opts.json ? `${JSON.stringify(counts)}\n` : `purged ${opts.device}: ${Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', ')}\n`);
}
