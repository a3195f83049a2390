import type { ImportProfile } from '../import-profile.ts';
import { twizyRskProfile } from './twizy-rsk.ts';

const PROFILES: readonly ImportProfile[] = [twizyRskProfile];

export function findProfile(name: string): ImportProfile | undefined {
  return PROFILES.find((p) => p.name === name);
}

export function profileNames(): string[] {
  return PROFILES.map((p) => p.name);
}
