import rateLimit from '@fastify/rate-limit';
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

export interface LimitOptions {
  /** Requests per key per minute (public routes: per client address). */
  requestsPerMinute: number;
  /** Uploads in flight at once per key. */
  uploadsPerKey: number;
  /** Replay WebSockets open at once per key. */
  socketsPerKey: number;
}

export const DEFAULT_LIMITS: LimitOptions = { requestsPerMinute: 1200, uploadsPerKey: 4, socketsPerKey: 16 };

declare module 'fastify' {
  interface FastifyInstance {
    /** Counts a replay socket against its key until `release` is called (when it closes). */
    holdSocket: (request: FastifyRequest) => () => void;
    /** Uploads and replay sockets in flight, over all keys (for metrics and tests). */
    inFlight: () => { uploads: number; sockets: number };
  }
}

const who = (request: FastifyRequest): string => (request.principal ? `key:${request.principal.keyId}` : `ip:${request.ip}`);

/**
 * No one key can crowd out the others: a rate per key (@fastify/rate-limit, after the auth hook
 * so it counts keys, not addresses), and caps on uploads and replay sockets in flight per key,
 * each refused with a 429 saying which limit was hit.
 */
export const limitsPlugin = fp<Partial<LimitOptions>>(
  async (app, options) => {
    const limits = { ...DEFAULT_LIMITS, ...options };
    await app.register(rateLimit, {
      global: true,
      hook: 'preHandler',
      max: limits.requestsPerMinute,
      timeWindow: 60_000,
      keyGenerator: who,
      // The health check answers monitors however busy a key is.
      allowList: (request) => request.routeOptions.url === '/healthz',
      errorResponseBuilder: (_request, context) => ({
        statusCode: 429,
        error: 'RATE_LIMITED',
        message: `more than ${context.max} requests a minute with this key: try again in ${Math.ceil(context.ttl / 1000)} s`,
      }),
    });

    const uploads = new Map<string, number>();
    const sockets = new Map<string, number>();
    const release = (map: Map<string, number>, key: string) => {
      const n = (map.get(key) ?? 1) - 1;
      if (n <= 0) map.delete(key);
      else map.set(key, n);
    };

    app.addHook('preHandler', async (request, reply) => {
      const url = request.routeOptions.url;
      if (url === '/v1/replay' && (sockets.get(who(request)) ?? 0) >= limits.socketsPerKey) {
        return reply.status(429).send({ error: 'TOO_BUSY', message: `at most ${limits.socketsPerKey} replay sockets open at once per key` });
      }
      if (url !== '/v1/telemetry' || request.method !== 'POST') return;
      const key = who(request);
      const inFlight = uploads.get(key) ?? 0;
      if (inFlight >= limits.uploadsPerKey) {
        reply.header('connection', 'close');
        return reply.status(429).send({ error: 'TOO_BUSY', message: `at most ${limits.uploadsPerKey} uploads at once per key: wait for one to finish` });
      }
      uploads.set(key, inFlight + 1);
      // Released when the reply is sent or the client goes away, whichever comes first.
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        release(uploads, key);
      };
      reply.raw.once('finish', finish);
      reply.raw.once('close', finish);
    });

    const total = (map: Map<string, number>) => [...map.values()].reduce((a, b) => a + b, 0);
    app.decorate('inFlight', () => ({ uploads: total(uploads), sockets: total(sockets) }));
    app.decorate('holdSocket', (request: FastifyRequest) => {
      const key = who(request);
      sockets.set(key, (sockets.get(key) ?? 0) + 1);
      let held = true;
      return () => {
        if (!held) return;
        held = false;
        release(sockets, key);
      };
    });
  },
  { name: 'limits', dependencies: ['auth'] },
);
