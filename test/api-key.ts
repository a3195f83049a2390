import type { FastifyInstance } from 'fastify';
import type { Role } from '../src/domain/auth/role.ts';

/** Admin keys of the servers a test started, by origin: `api` sends the right one. */
const keysByOrigin = new Map<string, string>();

/** Creates a key through the service (as `telltale keys create` does) and returns its token. */
export async function createKey(app: FastifyInstance, role: Role = 'admin', fleets?: string[]): Promise<string> {
  return (await app.keys.create({ role, fleets, label: 'test' })).token;
}

/** Listens on a free loopback port and creates an admin key that `api` sends to this server. */
export async function listenWithAdminKey(app: FastifyInstance): Promise<string> {
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  keysByOrigin.set(new URL(base).origin, await createKey(app, 'admin'));
  return base;
}

/** The admin key `listenWithAdminKey` made for a server. */
export function adminKeyOf(base: string): string {
  const key = keysByOrigin.get(new URL(base).origin);
  if (!key) throw new Error(`no key for ${base}: start it with listenWithAdminKey`);
  return key;
}

/** fetch with the server's admin key in `Authorization: Bearer` (unless the call sets its own). */
export const api: typeof fetch = (input, init = {}) => {
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  const headers = new Headers(init.headers);
  if (!headers.has('authorization')) headers.set('authorization', `Bearer ${adminKeyOf(url)}`);
  return fetch(input, { ...init, headers });
};
