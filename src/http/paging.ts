import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';

/** Items per page of a list route when the request names no `limit`. */
export const DEFAULT_PAGE_LIMIT = 1000;
export const MAX_PAGE_LIMIT = 5000;

/** `limit` and `cursor` for a list route's query schema. */
export function pagingQuery(defaults: { limit: number; max: number } = { limit: DEFAULT_PAGE_LIMIT, max: MAX_PAGE_LIMIT }) {
  return {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: defaults.max, default: defaults.limit, description: `Items per page (default ${defaults.limit}, at most ${defaults.max})` })),
    cursor: Type.Optional(Type.String({ maxLength: 400, description: 'Opaque: the `x-next-cursor` (or `nextCursor`) of the previous page; other parameters unchanged' })),
  };
}

export const NEXT_CURSOR_HEADER = 'x-next-cursor';

/**
 * Says where the next page is, for bodies that are bare arrays (and so cannot carry a field):
 * `x-next-cursor` and an RFC 8288 `link: <…>; rel="next"` with the same query and that cursor.
 */
export function announceNextPage(request: FastifyRequest, reply: FastifyReply, nextCursor: string | null | undefined): void {
  if (!nextCursor) return;
  const url = new URL(request.url, 'http://localhost');
  url.searchParams.set('cursor', nextCursor);
  reply.header(NEXT_CURSOR_HEADER, nextCursor);
  reply.header('link', `<${url.pathname}${url.search}>; rel="next"`);
}
