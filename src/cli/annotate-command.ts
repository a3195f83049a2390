import { Value } from 'typebox/value';
import { readAnnotationsFile } from '../annotations/read-annotations-file.ts';
import { AnnotationInputSchema, type AnnotationInput, type AnnotationWithVerdict } from '../domain/annotations/annotation.ts';
import { parseTimeParam } from '../http/time-param.ts';
import { withServices } from './with-services.ts';

const time = (value: string | undefined, name: string): number | undefined => {
  try {
    return parseTimeParam(value, name);
  } catch (err) {
    throw new Error((err as Error).message);
  }
};

export interface AnnotateAddOptions {
  db: string;
  device: string;
  at: string;
  to?: string;
  text: string;
  author?: string;
  tag: string[];
  id?: string;
  claim?: string;
  json?: boolean;
}

/** `telltale annotate add`: one annotation, its claim (JSON) judged against the log at once. */
export async function runAnnotateAdd(o: AnnotateAddOptions): Promise<void> {
  let claim: unknown;
  if (o.claim !== undefined) {
    try {
      claim = JSON.parse(o.claim);
    } catch {
      throw new Error(`--claim: not JSON (e.g. '{"kind":"value_at","channel":"soc","atMs":…,"op":">=","value":100,"unit":"%"}')`);
    }
  }
  const input: Record<string, unknown> = { startMs: time(o.at, '--at'), text: o.text, tags: o.tag };
  if (o.to !== undefined) input.endMs = time(o.to, '--to');
  if (o.author !== undefined) input.author = o.author;
  if (o.id !== undefined) input.annotationId = o.id;
  if (claim !== undefined) input.claim = claim;
  if (!Value.Check(AnnotationInputSchema, input)) {
    const first = [...Value.Errors(AnnotationInputSchema, input)][0];
    throw new Error(`annotation: ${first ? `${first.instancePath} ${first.message}` : 'invalid'}`);
  }
  // The same service as POST /v1/devices/:id/annotations: an unknown device is refused, a claim checked.
  const stored = await withServices(o.db, {}, (services) => services.annotations.add(o.device, input as AnnotationInput));
  process.stdout.write(o.json ? `${JSON.stringify(stored)}\n` : `${describe(stored)}\n`);
}

/** `telltale annotate list`: a device's annotations, claims with their verdicts. */
export async function runAnnotateList(o: { db: string; device: string; from?: string; to?: string; json?: boolean }): Promise<void> {
  const range = { fromMs: time(o.from, '--from'), toMs: time(o.to, '--to') };
  const list = await withServices(o.db, {}, (services) => services.annotations.list(o.device, range));
  if (o.json) process.stdout.write(`${JSON.stringify(list)}\n`);
  else for (const a of list) process.stdout.write(`${describe(a)}\n`);
}

/** `telltale annotate import FILE.json`: an array of annotations (POST bodies), upserted by id. */
export async function runAnnotateImport(file: string, o: { db: string; device: string; json?: boolean }): Promise<void> {
  const notes = readAnnotationsFile(file);
  const result = await withServices(o.db, {}, (services) => services.annotations.import(o.device, notes));
  process.stdout.write(o.json ? `${JSON.stringify(result)}\n` : `${file}: ${result.created} created, ${result.updated} replaced\n`);
}

function describe(a: AnnotationWithVerdict): string {
  const when = new Date(a.startMs).toISOString() + (a.endMs === null ? '' : ` – ${new Date(a.endMs).toISOString()}`);
  const verdict = a.verdict ? `\n    ${a.verdict.verdict}: ${a.verdict.explanation}` : '';
  return `${a.annotationId}  ${when}  ${a.author ? `${a.author}: ` : ''}${a.text}${verdict}`;
}
