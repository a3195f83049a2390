import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { AnnotationIdSchema, AnnotationInputSchema, AnnotationWithVerdictSchema } from '../../domain/annotations/annotation.ts';
import { ClaimSchema, ClaimVerdictSchema } from '../../domain/claims/claim.ts';
import { ErrorSchema } from '../schemas/error-schema.ts';
import { parseTimeParam } from '../time-param.ts';

const Params = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });
const OneParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }), annotationId: AnnotationIdSchema });
const Query = Type.Object({
  from: Type.Optional(Type.String({ description: 'ISO 8601 or epoch ms; annotations ending at or after it' })),
  to: Type.Optional(Type.String({ description: 'ISO 8601 or epoch ms; annotations starting before it' })),
});
const ClaimListItem = Type.Object({
  annotationId: Type.String(),
  text: Type.String(),
  author: Type.Union([Type.String(), Type.Null()]),
  startMs: Type.Number(),
  endMs: Type.Union([Type.Number(), Type.Null()]),
  claim: ClaimSchema,
  verdict: ClaimVerdictSchema,
});

export async function annotationsRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const range = (q: { from?: string | undefined; to?: string | undefined }) => ({ fromMs: parseTimeParam(q.from, 'from'), toMs: parseTimeParam(q.to, 'to') });

  app.get(
    '/v1/devices/:id/annotations',
    { schema: { summary: "A device's annotations in time order, each claim with its verdict against the log", params: Params, querystring: Query, response: { 200: Type.Array(AnnotationWithVerdictSchema), 404: ErrorSchema } } },
    async (request) => app.services.annotations.list(request.params.id, range(request.query)),
  );

  app.get(
    '/v1/devices/:id/claims',
    { schema: { summary: "Verdicts on a device's checkable claims: supported, contradicted or not enough data, with the logged figures", params: Params, querystring: Query, response: { 200: Type.Array(ClaimListItem), 404: ErrorSchema } } },
    async (request) => app.services.annotations.claims(request.params.id, range(request.query)),
  );

  app.post(
    '/v1/devices/:id/annotations',
    { schema: { summary: 'Adds an annotation (a moment or a range, text, author, tags, optional claim)', params: Params, body: AnnotationInputSchema, response: { 201: AnnotationWithVerdictSchema, 400: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema } } },
    async (request, reply) => reply.status(201).send(await app.services.annotations.add(request.params.id, request.body)),
  );

  app.delete(
    '/v1/devices/:id/annotations/:annotationId',
    { schema: { summary: 'Removes an annotation', params: OneParams, response: { 204: Type.Null(), 404: ErrorSchema } } },
    async (request, reply) => {
      await app.services.annotations.remove(request.params.id, request.params.annotationId);
      return reply.status(204).send(null);
    },
  );
}
