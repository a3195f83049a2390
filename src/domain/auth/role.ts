import { Type, type Static } from 'typebox';

/**
 * What a key may do. Not a ladder: an ingest key (a vehicle gateway) reads nothing back, and an
 * analyst sees every device of its fleets but never a position (public mode, see README *Access*).
 */
export const ROLES = ['ingest', 'support', 'analyst', 'admin'] as const;
export const RoleSchema = Type.Union([Type.Literal('ingest'), Type.Literal('support'), Type.Literal('analyst'), Type.Literal('admin')]);
export type Role = Static<typeof RoleSchema>;

export const isRole = (value: string): value is Role => (ROLES as readonly string[]).includes(value);

/** Who is asking: the key's id (never its secret), its role and its fleets (null = every fleet). */
export interface Principal {
  keyId: string;
  role: Role;
  fleets: readonly string[] | null;
}

/** Whether a principal may see a device of this fleet (a device without a fleet: unscoped keys only). */
export function seesFleet(principal: Principal, fleet: string | null): boolean {
  if (principal.fleets === null) return true;
  return fleet !== null && principal.fleets.includes(fleet);
}
