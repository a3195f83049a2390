import type { FastifyError, FastifyInstance } from 'fastify';
import { MESSAGES } from '../../domain/errors/error-catalogue.ts';
import { TelltaleError } from '../../domain/errors/telltale-error.ts';

/** Errors from the catalogue (TelltaleError) go out with their code and status; other 4xx as they are; 5xx details stay in the log. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | TelltaleError | Error, request, reply) => {
    // An upload refused part-way leaves unread body bytes on the socket; keeping it alive would
    // stall the next request on that connection behind them.
    if (!request.raw.complete) reply.header('connection', 'close');
    if (error instanceof TelltaleError) {
      return reply.status(error.statusCode).send({ error: error.code, message: error.message });
    }
    const status = 'statusCode' in error && typeof error.statusCode === 'number' ? error.statusCode : 500;
    if (status >= 500) {
      request.log.error({ err: error }, 'request failed');
      return reply.status(status).send({ error: 'INTERNAL', message: MESSAGES.internal() });
    }
    const code = 'code' in error && typeof error.code === 'string' ? error.code : status === 404 ? 'NOT_FOUND' : 'BAD_REQUEST';
    return reply.status(status).send({ error: code, message: error.message });
  });
  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send({ error: 'NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}` });
  });
}
