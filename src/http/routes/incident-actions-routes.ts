import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { IncidentDetailSchema } from '../../domain/alerts/incident-detail.ts';
import { IncidentSchema } from '../../domain/alerts/incident.ts';
import { ErrorSchema } from '../schemas/error-schema.ts';

const Params = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });
const ActionBody = Type.Object({
  by: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Who acts' })),
  note: Type.Optional(Type.String({ minLength: 1, maxLength: 4000, description: "Becomes an annotation on the device's timeline" })),
});

/** The live stream, the detail page's data and acknowledge/resolve: the DuckDB store's AlertEngine. */
export async function incidentActionsRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  // Server-sent events: one `incident` event per committed change (opened, updated, acknowledged, resolved).
  const streams = new Set<() => void>();
  app.addHook('onClose', async () => {
    for (const end of streams) end();
  });
  app.get('/v1/incidents/stream', { schema: { summary: 'Live incident changes (text/event-stream)' } }, (request, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.write(': telltale incidents\n\n');
    const unsubscribe = app.services.alerts.engine.onIncidentChange((incident) => res.write(`event: incident\nid: ${incident.updatedAtMs}\ndata: ${JSON.stringify(incident)}\n\n`));
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    const end = () => {
      clearInterval(heartbeat);
      unsubscribe();
      streams.delete(end);
      res.end();
    };
    streams.add(end);
    request.raw.on('close', end);
  });

  app.get(
    '/v1/incidents/:id/detail',
    { schema: { summary: 'One incident with its evidence (events), escalation steps and their webhook deliveries, and its history with the notes', params: Params, response: { 200: IncidentDetailSchema, 404: ErrorSchema } } },
    async (request, reply) => (await app.services.incidents.detail(request.params.id)) ?? reply.notFound(`no incident '${request.params.id}'`),
  );

  for (const [action, state] of [['ack', 'acknowledged'], ['resolve', 'resolved']] as const) {
    app.post(
      `/v1/incidents/:id/${action}`,
      { schema: { summary: `${action === 'ack' ? 'Acknowledge' : 'Resolve'} an incident: unsent escalation steps are cancelled`, params: Params, body: Type.Optional(ActionBody), response: { 200: IncidentSchema, 404: ErrorSchema } } },
      async (request, reply) =>
        (await app.services.alerts.engine.advance(request.params.id, state, request.body?.by ?? null, request.body?.note ?? null)) ??
        reply.notFound(`no incident '${request.params.id}'`),
    );
  }
}
