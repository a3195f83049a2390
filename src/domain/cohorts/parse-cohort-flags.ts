import { Value } from 'typebox/value';
import { CohortQuerySchema, type CohortQuery, type Experience } from './cohort-query.ts';

export interface CohortFlags {
  query?: unknown;
  groupBy?: string;
  fleet: string[];
  model: string[];
  firmware: string[];
  region: string[];
  device: string[];
  experienced: string[];
  split?: boolean;
  kinds?: string;
  from?: string;
  to?: string;
  minHours?: string;
  confidence?: string;
}

const EXPERIENCE_KEYS: Record<string, (e: Record<string, unknown>, v: string) => void> = {
  subkind: (e, v) => (e.subkind = v),
  severity: (e, v) => (e.minSeverity = v),
  road: (e, v) => (e.roadClass = v),
  below: (e, v) => (e.belowTempC = Number(v)),
  above: (e, v) => (e.atOrAboveTempC = Number(v)),
  days: (e, v) => (e.withinDays = Number(v)),
};

/** `breakdown:road=highway,days=90` → { kind: 'breakdown', roadClass: 'highway', withinDays: 90 }. */
export function parseExperienceFlag(text: string): Experience {
  const [kind, rest] = text.split(':', 2) as [string, string | undefined];
  const e: Record<string, unknown> = { kind };
  for (const part of rest ? rest.split(',') : []) {
    const [k, v] = part.split('=', 2);
    const set = EXPERIENCE_KEYS[k ?? ''];
    if (!set || v === undefined) throw new Error(`--experienced ${text}: '${part}' is not one of ${Object.keys(EXPERIENCE_KEYS).map((x) => `${x}=…`).join(', ')}`);
    set(e, v);
  }
  return e as Experience;
}

/** The CLI's flags (and an optional JSON query file, flags winning) as the same query the HTTP API takes. */
export function parseCohortFlags(flags: CohortFlags): CohortQuery {
  const q: Record<string, unknown> = { ...(flags.query as object | undefined) };
  const list = (name: string, values: string[]) => {
    if (values.length > 0) q[name] = values;
  };
  if (flags.groupBy) q.groupBy = flags.groupBy.split(',').map((s) => s.trim()).filter(Boolean);
  list('fleets', flags.fleet);
  list('models', flags.model);
  list('firmwares', flags.firmware);
  list('regions', flags.region);
  list('deviceIds', flags.device);
  if (flags.experienced.length > 0) q.experienced = flags.experienced.map(parseExperienceFlag);
  if (flags.split) q.split = true;
  if (flags.kinds) q.kinds = flags.kinds.split(',');
  if (flags.from) q.from = flags.from;
  if (flags.to) q.to = flags.to;
  if (flags.minHours !== undefined) q.minExposureHours = Number(flags.minHours);
  if (flags.confidence !== undefined) q.confidence = Number(flags.confidence);
  if (!Value.Check(CohortQuerySchema, q)) {
    const problems = [...Value.Errors(CohortQuerySchema, q)].slice(0, 5).map((e) => `${e.instancePath || '/'}: ${e.message}`);
    throw new Error(`invalid cohort query: ${problems.join('; ')}`);
  }
  return q as CohortQuery;
}
