/**
 * Rank placement, pure (Open MPI's rmaps/round_robin). `slot` gives each host a contiguous
 * block of ranks, filling its slots before the next host; `node` deals ranks one per host in
 * turn, skipping hosts whose slots are full. With oversubscription the ranks beyond the slots
 * are dealt one per host in turn, and `slot` still keeps each host's ranks contiguous.
 *
 * ```
 * hosts a:2 b:1, n = 3   slot → a a b      node → a b a
 * hosts a:2 b:1, n = 5   slot → a a a b b  node → a b a b a   (oversubscribed)
 * ```
 */
import { LaunchError } from './errors.js';
import { Texts } from './help.js';
import { totalSlots, type Host } from './hostfile.js';

/** How ranks are dealt over hosts. */
export type MapBy = 'slot' | 'node';

/** Where one rank runs, and its number among the ranks of that host. */
export interface Placement {
  rank: number;
  host: string;
  localRank: number;
  localSize: number;
}

/**
 * Places `n` ranks on `hosts`. More ranks than slots is a `LaunchError('ERR_SLOTS')` unless
 * `oversubscribe` is set.
 *
 * ```ts
 * mapRanks([{ name: 'a', slots: 2 }, { name: 'b', slots: 2 }], 3, 'node', false)
 * // a (local 0 of 2), b (local 0 of 1), a (local 1 of 2)
 * ```
 */
export function mapRanks(hosts: readonly Host[], n: number, mapBy: MapBy, oversubscribe: boolean): Placement[] {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`n must be a positive integer, got ${n}`);
  if (hosts.length === 0) throw new RangeError('hosts must list at least one host');
  const slots = totalSlots(hosts);
  if (n > slots && !oversubscribe) throw new LaunchError('ERR_SLOTS', Texts.tooManyRanks(n, slots));
  const order = mapBy === 'slot' ? bySlot(hosts, n) : byNode(hosts, n);
  return withLocalRanks(order.map((h) => hosts[h].name));
}

/** Host index of each rank: contiguous blocks, sized by slots, then one extra per host in turn. */
function bySlot(hosts: readonly Host[], n: number): number[] {
  const counts = hosts.map(() => 0);
  let left = n;
  hosts.forEach((host, i) => {
    counts[i] = Math.min(host.slots, left);
    left -= counts[i];
  });
  for (let i = 0; left > 0; i = (i + 1) % hosts.length, left--) counts[i]++;
  return counts.flatMap((count, i) => Array<number>(count).fill(i));
}

/** Host index of each rank: round robin over hosts with a free slot, then over all hosts. */
function byNode(hosts: readonly Host[], n: number): number[] {
  const used = hosts.map(() => 0);
  const order: number[] = [];
  let next = 0;
  while (order.length < n) {
    const free = hosts.some((h, i) => used[i] < h.slots);
    for (let tries = 0; tries < hosts.length; tries++) {
      const i = (next + tries) % hosts.length;
      if (!free || used[i] < hosts[i].slots) {
        order.push(i);
        used[i]++;
        next = (i + 1) % hosts.length;
        break;
      }
    }
  }
  return order;
}

function withLocalRanks(hostOfRank: string[]): Placement[] {
  const sizes = new Map<string, number>();
  for (const host of hostOfRank) sizes.set(host, (sizes.get(host) ?? 0) + 1);
  const seen = new Map<string, number>();
  return hostOfRank.map((host, rank) => {
    const localRank = seen.get(host) ?? 0;
    seen.set(host, localRank + 1);
    return { rank, host, localRank, localSize: sizes.get(host) ?? 0 };
  });
}
