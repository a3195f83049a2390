import { Type, type Static } from 'typebox';
import { ClaimSchema, ClaimVerdictSchema, type Claim } from '../claims/claim.ts';
import { claimUnitProblem } from '../claims/claim-channels.ts';

/**
 * A note on a device's timeline: a moment or a time range, a text, who wrote it, tags, and
 * optionally a checkable claim about the log. The chart's call-outs, the replay page's markers,
 * alert acknowledgements and a reviewer's statements are all annotations.
 */

export const AnnotationIdSchema = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$', description: 'Letters, digits and . _ : -' });

export const AnnotationInputSchema = Type.Object({
  annotationId: Type.Optional(AnnotationIdSchema),
  startMs: Type.Integer({ minimum: -8.64e15, maximum: 8.64e15, description: 'Epoch ms, UTC: the moment, or the start of the range' }),
  endMs: Type.Optional(Type.Integer({ minimum: -8.64e15, maximum: 8.64e15, description: 'Epoch ms, UTC: the end of the range (absent for a moment)' })),
  text: Type.String({ minLength: 1, maxLength: 4000 }),
  author: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  tags: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 32 })),
  claim: Type.Optional(ClaimSchema),
});
export type AnnotationInput = Static<typeof AnnotationInputSchema>;

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const AnnotationSchema = Type.Object({
  annotationId: Type.String(),
  deviceId: Type.String(),
  startMs: Type.Number(),
  endMs: Nullable(Type.Number()),
  text: Type.String(),
  author: Nullable(Type.String()),
  tags: Type.Array(Type.String()),
  claim: Nullable(ClaimSchema),
  /** JSON another part of the service attached that is not a checkable claim (e.g. { incidentId }). */
  context: Nullable(Type.Record(Type.String(), Type.Unknown())),
  createdAtMs: Type.Number(),
});
export type Annotation = Static<typeof AnnotationSchema>;

export const AnnotationWithVerdictSchema = Type.Intersect([
  AnnotationSchema,
  Type.Object({ verdict: Nullable(ClaimVerdictSchema) }),
]);
export type AnnotationWithVerdict = Static<typeof AnnotationWithVerdictSchema>;

/** What a schema cannot say about an annotation: ranges the right way round, units that fit the channel. */
export function annotationProblems(input: AnnotationInput): string[] {
  const problems: string[] = [];
  if (input.endMs !== undefined && input.endMs < input.startMs) problems.push('endMs: is before startMs');
  if (input.claim) problems.push(...claimProblems(input.claim));
  return problems;
}

export function claimProblems(claim: Claim): string[] {
  const problems: string[] = [];
  const unit = claimUnitProblem(claim.channel, claim.unit);
  if (unit) problems.push(`claim.unit: ${unit}`);
  if (claim.kind === 'bound' && claim.toMs < claim.fromMs) problems.push('claim.toMs: is before claim.fromMs');
  return problems;
}
