import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { RoleSchema } from '../../domain/auth/role.ts';
import { ErrorSchema } from '../schemas/error-schema.ts';
import { parseTimeParam } from '../time-param.ts';

const KeyInfoSchema = Type.Object({
  keyId: Type.String(),
  role: RoleSchema,
  fleets: Type.Union([Type.Array(Type.String()), Type.Null()]),
  label: Type.Union([Type.String(), Type.Null()]),
  createdAtMs: Type.Number(),
  expiresAtMs: Type.Union([Type.Number(), Type.Null()]),
  revokedAtMs: Type.Union([Type.Number(), Type.Null()]),
});
const NewKeyBody = Type.Object(
  {
    role: RoleSchema,
    fleets: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { maxItems: 100 })),
    expires: Type.Optional(Type.String({ maxLength: 64, description: 'ISO 8601 or epoch ms' })),
    label: Type.Optional(Type.String({ maxLength: 128 })),
  },
  { additionalProperties: false },
);

/** API keys (admin): the token is in the creation reply only; afterwards only its id is shown. */
export async function keysRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get('/v1/keys', { schema: { summary: 'API keys (no secrets)', response: { 200: Type.Array(KeyInfoSchema) } } }, async () => app.keys.list());
  app.post(
    '/v1/keys',
    { schema: { summary: 'Create an API key; the reply holds its token, shown only once', body: NewKeyBody, response: { 201: Type.Object({ token: Type.String(), key: KeyInfoSchema }), 400: ErrorSchema } } },
    async (request, reply) => {
      const expiresAtMs = parseTimeParam(request.body.expires, 'expires');
      if (expiresAtMs !== undefined && expiresAtMs <= app.core.now()) return reply.badRequest('expires: the time is already past');
      return reply.status(201).send(await app.keys.create({ role: request.body.role, fleets: request.body.fleets, expiresAtMs, label: request.body.label }));
    },
  );
  app.delete(
    '/v1/keys/:id',
    { schema: { summary: 'Revoke an API key', params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }), response: { 204: Type.Null(), 404: ErrorSchema } } },
    async (request, reply) => ((await app.keys.revoke(request.params.id)) ? reply.status(204).send(null) : reply.notFound(`no live key '${request.params.id}'`)),
  );
}
