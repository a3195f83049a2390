import { Value } from 'typebox/value';
import { ChargerSchema, type Charger } from '../domain/chargers/charger.ts';

export interface ChargerRowError {
  /** 1-based line number in the file (the header is line 1). */
  line: number;
  field: string;
  reason: string;
}

const HEADER = ['charger_id', 'name', 'lat', 'lon', 'power_kw'] as const;
const CSV_FIELD: Record<string, string> = { chargerId: 'charger_id', name: 'name', lat: 'lat', lon: 'lon', powerKw: 'power_kw' };

/** Splits one CSV line, honouring double quotes ("" inside quotes is a quote). */
function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') (cur += '"'), i++;
      else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') out.push(cur), (cur = '');
    else cur += ch;
  }
  out.push(cur);
  return out.map((s) => s.trim());
}

/**
 * Reads `charger_id,name,lat,lon,power_kw` rows (power_kw may be empty). Bad rows are reported with
 * their line and field and kept out; good rows are returned whatever their neighbours look like.
 */
export function parseChargersCsv(text: string): { chargers: Charger[]; errors: ChargerRowError[] } {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const header = splitCsvLine(lines[0] ?? '').map((h) => h.toLowerCase());
  const missing = HEADER.filter((h) => h !== 'power_kw' && !header.includes(h));
  if (missing.length > 0) {
    return { chargers: [], errors: [{ line: 1, field: missing.join(','), reason: `missing column(s) ${missing.join(', ')}; expected header ${HEADER.join(',')}` }] };
  }
  const col = Object.fromEntries(HEADER.map((h) => [h, header.indexOf(h)])) as Record<(typeof HEADER)[number], number>;
  const chargers: Charger[] = [];
  const errors: ChargerRowError[] = [];
  const seen = new Map<string, number>();
  for (let i = 1; i < lines.length; i++) {
    if (lines[i]!.trim() === '') continue;
    const cells = splitCsvLine(lines[i]!);
    const line = i + 1;
    const number = (field: 'lat' | 'lon' | 'power_kw'): number | null | undefined => {
      const raw = col[field] < 0 ? '' : (cells[col[field]] ?? '');
      if (raw === '') return field === 'power_kw' ? null : undefined;
      const v = Number(raw);
      if (!Number.isFinite(v)) {
        errors.push({ line, field, reason: `'${raw}' is not a number` });
        return undefined;
      }
      return v;
    };
    const errorsBefore = errors.length;
    const lat = number('lat');
    const lon = number('lon');
    const powerKw = number('power_kw');
    if (errors.length > errorsBefore) continue;
    const candidate = { chargerId: cells[col.charger_id] ?? '', name: cells[col.name] ?? '', lat, lon, powerKw };
    if (!Value.Check(ChargerSchema, candidate)) {
      const first = [...Value.Errors(ChargerSchema, candidate)][0];
      const key = String(first?.instancePath ?? '').replace(/^\//, '');
      errors.push({ line, field: CSV_FIELD[key] ?? 'row', reason: first?.message ?? 'invalid' });
      continue;
    }
    const dup = seen.get(candidate.chargerId);
    if (dup !== undefined) {
      errors.push({ line, field: 'charger_id', reason: `'${candidate.chargerId}' already on line ${dup}` });
      continue;
    }
    seen.set(candidate.chargerId, line);
    chargers.push(candidate as Charger);
  }
  return { chargers, errors };
}
