import { Value } from 'typebox/value';
import { loadConfig, DEFAULT_DB_PATH } from '../config.ts';
import { readAnnotationsFile } from '../annotations/read-annotations-file.ts';
import { withVerdicts } from '../annotations/claim-verdicts.ts';
import { AnnotationInputSchema, annotationProblems, type AnnotationInput, type AnnotationWithVerdict } from '../domain/annotations/annotation.ts';
import { parseTimeParam } from '../http/time-param.ts';
import { insertAnnotation, listAnnotations, upsertAnnotations } from '../store/annotation-repository.ts';
import { TelemetryStore } from '../store/telemetry-store.ts';

async function withStore<T>(db: string, work: (store: TelemetryStore) => Promise<T>): Promise<T> {
  const store = await TelemetryStore.open(db, { memoryLimit: loadConfig().memoryLimit, createFolder: db === DEFAULT_DB_PATH });
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

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
  const problems = annotationProblems(input as AnnotationInput);
  if (problems.length) throw new Error(problems.join('; '));
  const stored = await withStore(o.db, (store) =>
    store.withConnection(async (conn) => {
      const a = await insertAnnotation(conn, o.device, input as AnnotationInput, store.now());
      if (!a) throw new Error(`annotation '${o.id}' already exists`);
      return (await withVerdicts(conn, [a]))[0]!;
    }),
  );
  process.stdout.write(o.json ? `${JSON.stringify(stored)}\n` : `${describe(stored)}\n`);
}

/** `telltale annotate list`: a device's annotations, claims with their verdicts. */
export async function runAnnotateList(o: { db: string; device: string; from?: string; to?: string; json?: boolean }): Promise<void> {
  const list = await withStore(o.db, (store) =>
    store.withConnection(async (conn) => withVerdicts(conn, await listAnnotations(conn, { deviceId: o.device, fromMs: time(o.from, '--from'), toMs: time(o.to, '--to') }))),
  );
  if (o.json) process.stdout.write(`${JSON.stringify(list)}\n`);
  else for (const a of list) process.stdout.write(`${describe(a)}\n`);
}

/** `telltale annotate import FILE.json`: an array of annotations (POST bodies), upserted by id. */
export async function runAnnotateImport(file: string, o: { db: string; device: string; json?: boolean }): Promise<void> {
  const notes = readAnnotationsFile(file);
  const result = await withStore(o.db, (store) => store.withConnection((conn) => upsertAnnotations(conn, o.device, notes, store.now())));
  process.stdout.write(o.json ? `${JSON.stringify(result)}\n` : `${file}: ${result.created} created, ${result.updated} replaced\n`);
}

function describe(a: AnnotationWithVerdict): string {
  const when = new Date(a.startMs).toISOString() + (a.endMs === null ? '' : ` – ${new Date(a.endMs).toISOString()}`);
  const verdict = a.verdict ? `\n    ${a.verdict.verdict}: ${a.verdict.explanation}` : '';
  return `${a.annotationId}  ${when}  ${a.author ? `${a.author}: ` : ''}${a.text}${verdict}`;
}
