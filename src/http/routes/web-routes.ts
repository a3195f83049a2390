import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { devicesQuery } from '../../web/fleet-query.js';

const WEB = new URL('../../web/', import.meta.url);
const ASSET_TYPES: Record<string, string> = { js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8' };
/** The only files served: read once at start-up, so no path from a request ever reaches the disk. */
const FILES = new Map(
  [
    'index.html', 'replay.html', 'fleet-query.js', 'device.html', 'incidents.html', 'incident.html',
    'index.js', 'replay.js', 'replay-model.js', 'replay-plots.js', 'replay-strip.js', 'replay-track.js', 'replay-evidence.js', 'replay-view.js', 'device.js', 'incidents.js', 'incident.js', 'format.js', 'units-text.js', 'device-units.js',
    'telltale.css', 'console.css',
  ].map((name) => [name, readFileSync(new URL(name, WEB))]),
);
// The replay's plotting library, from the installed package (npm ci), never from a CDN.
const resolvePackage = createRequire(import.meta.url).resolve;
for (const [served, file] of [['uplot.esm.js', 'uplot/dist/uPlot.esm.js'], ['uplot.min.css', 'uplot/dist/uPlot.min.css']] as const) FILES.set(served, readFileSync(resolvePackage(file)));

const page = (name: string) => async (_request: unknown, reply: FastifyReply) => reply.type('text/html; charset=utf-8').send(FILES.get(name));

/**
 * The web pages: `/` the fleet, `/devices/:deviceId` a device's story, `/incidents` and
 * `/incidents/:id` the incidents, `/replay/:deviceId` the player (no map tiles: offline).
 */
export async function webRoutes(app: FastifyInstance): Promise<void> {
  // The fleet page names its first API request, so the browser starts it with the page's own files.
  const fleet = FILES.get('index.html')!.toString('utf8');
  app.get<{ Querystring: Record<string, string> }>('/', { schema: { hide: true } as object }, async (request, reply) => {
    const href = `/v1/devices?${devicesQuery(request.query)}`.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
    return reply.type('text/html; charset=utf-8').send(fleet.replace('<!--devices-preload-->', `<link rel="preload" as="fetch" crossorigin="anonymous" href="${href}">`));
  });
  app.get('/devices/:deviceId', { schema: { hide: true } as object }, page('device.html'));
  app.get('/incidents', { schema: { hide: true } as object }, page('incidents.html'));
  app.get('/incidents/:id', { schema: { hide: true } as object }, page('incident.html'));
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
