import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { FastifyInstance } from 'fastify';

const WEB = new URL('../../web/', import.meta.url);
const ASSET_TYPES: Record<string, string> = { js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8' };
/** The only files served: read once at start-up, so no path from a request ever reaches the disk. */
const FILES = new Map(['index.html', 'replay.html', 'index.js', 'replay.js', 'replay-model.js', 'replay-plots.js', 'replay-strip.js', 'replay-track.js', 'replay-evidence.js', 'telltale.css'].map((name) => [name, readFileSync(new URL(name, WEB))]));
// The replay's plotting library, from the installed package (npm ci), never from a CDN.
const resolvePackage = createRequire(import.meta.url).resolve;
for (const [served, file] of [['uplot.esm.js', 'uplot/dist/uPlot.esm.js'], ['uplot.min.css', 'uplot/dist/uPlot.min.css']] as const) FILES.set(served, readFileSync(resolvePackage(file)));

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
