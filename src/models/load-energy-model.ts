import { readFileSync } from 'node:fs';
import { Value } from 'typebox/value';
import { EnergyModelSchema, type EnergyModel } from '../domain/energy/energy-model.ts';

export const DEFAULT_ENERGY_MODEL_PATH = 'models/energy-model.json';

/** Reads and validates the fitted energy model (scripts/training/fit-energy-model.ts writes it). */
export function loadEnergyModel(path: string = DEFAULT_ENERGY_MODEL_PATH): EnergyModel {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`energy model ${path}: cannot read the file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); run 'npm run train:energy' to fit it`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`energy model ${path}: not valid JSON (${(err as Error).message})`);
  }
  if (!Value.Check(EnergyModelSchema, json)) {
    const problems = [...Value.Errors(EnergyModelSchema, json)].slice(0, 5).map((e) => `${e.instancePath || '/'} ${e.message}`);
    throw new Error(`energy model ${path}: malformed: ${problems.join('; ')}`);
  }
  return json;
}
