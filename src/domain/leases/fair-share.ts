/**
 * Which partitions a process should hold, given who holds what: at most its fair share
 * (ceil(partitions / live owners)), keeping what it has first so a balanced cluster moves
 * nothing, and taking free partitions lowest first. A process above its share gives back its
 * highest partitions, so a newcomer receives work without anyone dying.
 */
export interface ShareInput {
  ownerId: string;
  partitions: number;
  /** Partition → current owner (held or settling); absent = free. */
  owners: ReadonlyMap<number, string>;
  /** Owners that announced themselves, with or without partitions yet (a newcomer counts). */
  members?: Iterable<string>;
}

export interface Share {
  /** Partitions to claim or renew this round. */
  want: number[];
  /** Partitions this process holds and should give back. */
  release: number[];
}

export function fairShare({ ownerId, partitions, owners, members = [] }: ShareInput): Share {
  const live = new Set([...owners.values(), ...members]);
  live.add(ownerId);
  const share = Math.ceil(partitions / live.size);
  const mine: number[] = [];
  const free: number[] = [];
  for (let p = 0; p < partitions; p++) {
    const o = owners.get(p);
    if (o === ownerId) mine.push(p);
    else if (o === undefined) free.push(p);
  }
  const keep = mine.slice(0, share);
  const release = mine.slice(share);
  const want = [...keep, ...free.slice(0, Math.max(0, share - keep.length))].sort((a, b) => a - b);
  return { want, release };
}
