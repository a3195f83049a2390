import { Value } from 'typebox/value';
import { ChargerSchema, type Charger } from '../domain/chargers/charger.ts';

export interface ChargerRowError {
  /** 1-based line number in the file (the header is line 1). */
  line: number;
  field: string;
  reason: string;
}

const HEADER = ['charger_id', 'name', 'lat', 'lon', 'power_kw'] as const;
type ChargerColumn = (typeof HEADER)[number];
/** Other names real charger lists give these columns (OpenChargeMap-style exports call the id `id`). */
const ALIASES: Record<ChargerColumn, readonly string[]> = {
  charger_id: ['id', 'chargerid', 'station_id'],
  name: ['title', 'station_name'],
  lat: ['latitude'],
  lon: ['lng', 'long', 'longitude'],
  power_kw: ['powerkw', 'kw', 'max_power_kw'],
};

export interface ParseChargersOptions {
  /** Column of the file to read each charger column from (`--map charger_id=station_ref`); wins over names and aliases. */
  map?: Partial<Record<string, string>>;
}

/** `charger_id=station_ref` (repeatable, or comma-separated) → a map; an unknown target column is an error. */
export function parseChargerMap(specs: readonly string[]): Record<string, string> {
  const map: Record<string, string> = {};
  for (const spec of specs.flatMap((s) => s.split(','))) {
    const m = /^\s*([a-z_]+)\s*=\s*(.+?)\s*$/i.exec(spec);
    if (!m) throw new RangeError(`--map '${spec}': expected column=source, e.g. charger_id=id`);
    const column = m[1]!.toLowerCase();
    if (!(HEADER as readonly string[]).includes(column)) throw new RangeError(`--map '${spec}': '${column}' is not a charger column (${HEADER.join(', ')})`);
    map[column] = m[2]!;
  }
  return map;
}
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
 * Reads `charger_id,name,lat,lon,power_kw` rows (power_kw may be empty); a column may also go by a
 * common alias (`id`, `latitude`, `longitude`, …) or be named with `options.map`. Bad rows are
 * reported with their line and field and kept out; good rows are returned whatever their
 * neighbours look like.
 */
export function parseChargersCsv(text: string, options: ParseChargersOptions = {}): { chargers: Charger[]; errors: ChargerRowError[] } {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const header = splitCsvLine(lines[0] ?? '').map((h) => h.toLowerCase());
  const col = {} as Record<ChargerColumn, number>;
  const mapErrors: ChargerRowError[] = [];
  for (const h of HEADER) {
    const mapped = options.map?.[h];
    if (mapped !== undefined) {
      col[h] = header.indexOf(mapped.toLowerCase());
      if (col[h] < 0) mapErrors.push({ line: 1, field: h, reason: `--map ${h}=${mapped}: the file has no column '${mapped}' (it has ${header.join(', ')})` });
      continue;
    }
    col[h] = header.indexOf(h);
    for (const alias of ALIASES[h]) if (col[h] < 0) col[h] = header.indexOf(alias);
  }
  if (mapErrors.length > 0) return { chargers: [], errors: mapErrors };
  const missing = HEADER.filter((h) => h !== 'power_kw' && col[h] < 0);
  if (missing.length > 0) {
    return { chargers: [], errors: [{ line: 1, field: missing.join(','), reason: `missing column(s) ${missing.join(', ')}; expected header ${HEADER.join(',')} (or --map column=source)` }] };
  }
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
