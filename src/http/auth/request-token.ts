import type { FastifyRequest } from 'fastify';

/** The cookie the web pages keep the key in (HttpOnly, SameSite=Strict: page scripts and other sites never see it). */
export const KEY_COOKIE = 'telltale_key';

/** The key a request carries: `Authorization: Bearer …` first, else the pages' cookie; null when malformed. */
export function requestToken(request: FastifyRequest): string | undefined | null {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer +(\S+)\s*$/i.exec(header);
    return match ? match[1]! : null;
  }
  return request.cookies?.[KEY_COOKIE];
}
