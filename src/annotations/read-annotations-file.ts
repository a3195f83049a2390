import { readFileSync } from 'node:fs';
import { Value } from 'typebox/value';
import { AnnotationInputSchema, annotationProblems, type AnnotationInput } from '../domain/annotations/annotation.ts';

/**
 * Annotations from a JSON file (an array of POST bodies, e.g. fixtures/model-s-2013/annotations.json).
 * The whole file is refused when one entry is wrong, naming the entry and the field: a half-loaded
 * set of call-outs would mislead more than none.
 */
export function readAnnotationsFile(path: string): AnnotationInput[] {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`${path}: not readable as JSON (${(err as Error).message})`);
  }
  if (!Array.isArray(data)) throw new Error(`${path}: expected an array of annotations`);
  const problems: string[] = [];
  data.forEach((entry: unknown, i) => {
    if (!Value.Check(AnnotationInputSchema, entry)) {
      const first = [...Value.Errors(AnnotationInputSchema, entry)][0];
      problems.push(`entry ${i + 1}: ${first ? `${first.instancePath || '(entry)'} ${first.message}` : 'is not an annotation'}`);
      return;
    }
    problems.push(...annotationProblems(entry).map((p) => `entry ${i + 1}: ${p}`));
  });
  if (problems.length) throw new Error(`${path}: ${problems.slice(0, 10).join('; ')}`);
  return data as AnnotationInput[];
}
