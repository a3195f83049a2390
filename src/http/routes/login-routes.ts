import type { FastifyInstance } from 'fastify';
import { KEY_COOKIE } from '../auth/request-token.ts';
import { loginPage } from '../plugins/auth-plugin.ts';

const COOKIE = { path: '/', httpOnly: true, sameSite: 'strict', secure: 'auto' } as const;
/** Only a path of this site: a login link cannot send the visitor elsewhere. */
const safeNext = (next: unknown): string => (typeof next === 'string' && /^\/(?![/\\])[^\s]*$/.test(next) ? next : '/');

/** The pages' sign-in: the key is posted once, checked, and kept in an HttpOnly, SameSite=Strict cookie. */
export async function loginRoutes(app: FastifyInstance): Promise<void> {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 4096 }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(body))));
  });
  app.post('/login', { schema: { hide: true } as object }, async (request, reply) => {
    const form = (request.body ?? {}) as Record<string, unknown>;
    const next = safeNext(form.next);
    const principal = typeof form.key === 'string' ? await app.keys.authenticate(form.key.trim()) : undefined;
    if (!principal) return reply.status(401).type('text/html; charset=utf-8').send(loginPage(next, 'That key is not valid.'));
    return reply.setCookie(KEY_COOKIE, String(form.key).trim(), COOKIE).redirect(next, 303);
  });
  app.post('/logout', { schema: { hide: true } as object }, async (_request, reply) => reply.clearCookie(KEY_COOKIE, COOKIE).redirect('/', 303));
}
