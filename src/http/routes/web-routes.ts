import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';

const WEB = new URL('../../web/', import.meta.url);
const ASSET_TYPES: Record<string, string> = { js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8' };
/** The only files served: read once at start-up, so no path from a request ever reaches the disk. */
const FILES = new Map(['index.html', 'replay.html', 'index.js', 'replay.js', 'telltale.css'].map((name) => [name, readFileSync(new URL(name, WEB))]));

/** The web pages: `/` lists devices and sessions, `/replay/:deviceId` plays one (no map tiles: offline). */
export async function webRoutes(app: FastifyInstance): Promise<void> {
  app.get('/', { schema: { hide: true } as object }, async (_request, reply) => reply.type('text/html; charset=utf-8').send(FILES.get('index.html')));
  app.get('/replay/:deviceId', { schema: { hide: true } as object }, async (_request, reply) =>
    reply.type('text/html; charset=utf-8').send(FILES.get('replay.html')),
  );
  app.get<{ Params: { file: string } }>('/assets/:file', { schema: { hide: true } as object }, async (request, reply) => {
    const body = FILES.get(request.params.file);
    const type = ASSET_TYPES[request.params.file.split('.').pop() ?? ''];
    if (!body || !type) return reply.notFound(`no asset '${request.params.file}'`);
    return reply.type(type).send(body);
  });
}
