// Types of units-text.js (plain JavaScript, served to the browser as it is) for the type checker.
import type { DisplayUnits } from './replay-model.js';

export function unitSystemOf(region: string | null | undefined): 'metric' | 'imperial';
export function unitsOfDevice(device: { region?: string | null } | null | undefined, requested?: 'metric' | 'imperial'): DisplayUnits;
export function localiseText(text: string | null | undefined, units: DisplayUnits): string;
