import type { FastifyError, FastifyInstance } from 'fastify';
import { ERROR_CATALOGUE, MESSAGES } from '../../domain/errors/error-catalogue.ts';
import { TelltaleError } from '../../domain/errors/telltale-error.ts';

/** Fastify's own codes (FST_ERR_…) are internals: the client gets the catalogue's code for the status. */
function clientCode(error: Error, status: number): string {
  const code = 'code' in error && typeof error.code === 'string' ? error.code : undefined;
  if (code && !code.startsWith('FST_') && code in ERROR_CATALOGUE) return code;
  if (status === 404) return 'NOT_FOUND';
  if (status === 413) return 'TOO_LARGE';
  if (status === 415) return 'UNKNOWN_FORMAT';
  if (status === 401) return 'UNAUTHORIZED';
  if (status === 403) return 'FORBIDDEN';
  if (status === 429) return 'RATE_LIMITED';
  return code && !code.startsWith('FST_') ? code : 'BAD_REQUEST';
}

/** A message echoing bad input is cut short: a 50 MB header is not sent back. */
export const truncated = (message: string, max = 500): string => (message.length > max ? `${message.slice(0, max)}… (${message.length - max} more characters)` : message);

/** Errors from the catalogue (TelltaleError) go out with their code and status; other 4xx as they are; 5xx details stay in the log. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | TelltaleError | Error, request, reply) => {
    // An upload refused part-way leaves unread body bytes on the socket; keeping it alive would
    // stall the next request on that connection behind them.
    if (!request.raw.complete) reply.header('connection', 'close');
    if (error instanceof TelltaleError) {
      return reply.status(error.statusCode).send({ error: error.code, message: truncated(error.message) });
    }
    const status = 'statusCode' in error && typeof error.statusCode === 'number' ? error.statusCode : 500;
    if (status >= 500) {
      request.log.error({ err: error }, 'request failed');
      return reply.status(status).send({ error: 'INTERNAL', message: MESSAGES.internal() });
    }
    return reply.status(status).send({ error: clientCode(error, status), message: truncated(error.message) });
  });
  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send({ error: 'NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}` });
  });
}
