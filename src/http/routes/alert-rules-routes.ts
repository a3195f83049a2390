import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { alertRuleErrors } from '../../alerts/alert-config.ts';
import { AlertRuleSchema, type AlertRule } from '../../domain/alerts/alert-rule.ts';
import { pageAlertRules } from '../../services/list-pages.ts';
import { announceNextPage, DEFAULT_PAGE_LIMIT, pagingQuery } from '../paging.ts';
import { ErrorSchema } from '../schemas/error-schema.ts';

const Params = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const ApplyQuery = Type.Object({
  applyToExisting: Type.Optional(Type.Boolean({ default: false, description: 'Also apply the rule to events already stored (off by default); the count is in x-applied-events' })),
});

/** Receivers' secrets are write-only: responses show that one is set, never what it is. */
const masked = (rule: AlertRule): AlertRule => ({ ...rule, receivers: rule.receivers.map((r) => ({ ...r, secret: '********' })) });

function badRequest(problems: string[]): Error {
  return Object.assign(new Error(`invalid alert rule: ${problems.join('; ')}`), { statusCode: 400, code: 'INVALID_ALERT_RULE' });
}

export async function alertRulesRoutes(fastify: FastifyInstance): Promise<void> {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  // Bodies are checked by alertRuleErrors (schema + cross-field checks) so every problem is named at once.
  app.get('/v1/alert-rules', { schema: { summary: 'Alert rules by id (secrets masked); paged (x-next-cursor, link rel=next)', querystring: Type.Object(pagingQuery()), response: { 200: Type.Array(AlertRuleSchema) } } }, async (request, reply) => {
    const page = await pageAlertRules(app.store, { limit: request.query.limit ?? DEFAULT_PAGE_LIMIT, cursor: request.query.cursor });
    announceNextPage(request, reply, page.nextCursor);
    return page.items.map(masked);
  });
  app.get('/v1/alert-rules/:id', { schema: { summary: 'One alert rule', params: Params, response: { 200: AlertRuleSchema, 404: ErrorSchema } } }, async (request, reply) => {
    const rule = await app.services.alertRules.find(request.params.id);
    return rule ? masked(rule) : reply.notFound(`no alert rule '${request.params.id}'`);
  });
  app.post('/v1/alert-rules', { schema: { summary: 'Create an alert rule', querystring: ApplyQuery, body: Type.Unknown(), response: { 201: AlertRuleSchema, 400: ErrorSchema, 409: ErrorSchema } } }, async (request, reply) => {
    const problems = alertRuleErrors(request.body);
    if (problems.length > 0) throw badRequest(problems);
    const rule = request.body as AlertRule;
    const { created, applied } = await app.services.alertRules.create(rule, request.query);
    if (!created) return reply.conflict(`alert rule '${rule.ruleId}' exists; PUT /v1/alert-rules/${rule.ruleId} replaces it`);
    return reply.status(201).header('x-applied-events', String(applied)).send(masked(rule));
  });
  app.put('/v1/alert-rules/:id', { schema: { summary: 'Create or replace an alert rule', params: Params, querystring: ApplyQuery, body: Type.Unknown(), response: { 200: AlertRuleSchema, 400: ErrorSchema } } }, async (request, reply) => {
    const problems = alertRuleErrors(request.body);
    const rule = request.body as AlertRule;
    if (problems.length === 0 && rule.ruleId !== request.params.id) problems.push(`/ruleId: '${rule.ruleId}' does not match the path ('${request.params.id}')`);
    if (problems.length > 0) throw badRequest(problems);
    const { applied } = await app.services.alertRules.put(rule, request.query);
    reply.header('x-applied-events', String(applied));
    return masked(rule);
  });
  app.delete('/v1/alert-rules/:id', { schema: { summary: 'Delete an alert rule (its incidents and queued notices stay)', params: Params, response: { 204: Type.Null(), 404: ErrorSchema } } }, async (request, reply) => {
    const deleted = await app.services.alertRules.remove(request.params.id);
    return deleted ? reply.status(204).send(null) : reply.notFound(`no alert rule '${request.params.id}'`);
  });
}
