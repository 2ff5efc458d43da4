/**
 * Communication schedules of the collective algorithms: pure functions of (rank, size[, root])
 * with no I/O, so every rank computes its part of the same pattern and the patterns can be
 * checked exhaustively in unit tests.
 *
 * - binomialTree: the tree of bcast/scatter/gather/reduce, built in root-relative "vrank" space
 *   (vrank = (rank - root + size) % size) so any rank can be the root. Every subtree covers a
 *   contiguous vrank range [vrank, vrank + subtree), which is what lets scatter/gather move a
 *   subtree's items in one message and reduce keep rank order. Depth ⌈log2 size⌉.
 * - ringNeighbours: left/right of the ring algorithms.
 * - recursiveDoubling: the hypercube schedule of allreduce/scan for any size: the first 2*rem
 *   ranks (rem = size - pof2) fold pairwise (even rank hands its value to the odd rank above it),
 *   pof2 ranks exchange over log2(pof2) rounds, the odd ranks hand results back.
 * - bruck / dissemination / pairwise: log-round allgather, barrier, and N-1 round alltoall peers.
 */

export interface BinomialTree {
  /** This rank's position relative to the root (the root is vrank 0). */
  readonly vrank: number;
  /** The real rank this rank receives from, or -1 at the root. */
  readonly parent: number;
  /** Real ranks this rank sends to, largest subtree first. */
  readonly children: readonly number[];
  /** vrank of each child (same order as `children`). */
  readonly childVranks: readonly number[];
  /** Number of ranks in each child's subtree (same order as `children`). */
  readonly childSizes: readonly number[];
  /** Number of ranks in this rank's own subtree, itself included. */
  readonly subtree: number;
}

/** vrank of `rank` in the tree rooted at `root`. */
export function toVrank(rank: number, size: number, root: number): number {
  return (rank - root + size) % size;
}

/** Real rank of `vrank` in the tree rooted at `root`. */
export function fromVrank(vrank: number, size: number, root: number): number {
  return (vrank + root) % size;
}

/**
 * The binomial tree rooted at `root`: vrank v's parent is v with its lowest set bit cleared, and
 * its children are v + m for each power of two m below v's lowest set bit (below `size` at the
 * root) with v + m < size. Child v + m owns the vranks [v + m, min(v + 2m, size)). Children come
 * largest subtree first, so the deepest branch starts earliest.
 *
 * ```ts
 * binomialTree(0, 5, 0); // { vrank: 0, parent: -1, children: [2, 4, 1], childSizes: [2, 1, 1], subtree: 5, ... }
 * ```
 */
export function binomialTree(rank: number, size: number, root: number): BinomialTree {
  const vrank = toVrank(rank, size, root);
  const low = vrank === 0 ? highestPowerOfTwoAtLeast(size) : vrank & -vrank;
  const kids: Array<{ v: number; n: number }> = [];
  for (let m = low >> 1; m >= 1; m >>= 1) {
    if (vrank + m < size) kids.push({ v: vrank + m, n: Math.min(m, size - vrank - m) });
  }
  // A subtree cut short by `size` can be smaller than the next one; the sort is stable.
  kids.sort((a, b) => b.n - a.n);
  const children = kids.map((k) => fromVrank(k.v, size, root));
  const childVranks = kids.map((k) => k.v);
  const childSizes = kids.map((k) => k.n);
  const parent = vrank === 0 ? -1 : fromVrank(vrank & (vrank - 1), size, root);
  const subtree = Math.min(low, size - vrank);
  return { vrank, parent, children, childVranks, childSizes, subtree };
}

function highestPowerOfTwoAtLeast(n: number): number {
  let p = 1;
  while (p < n) p <<= 1;
  return p;
}

/** The largest power of two not above n (n >= 1). */
export function largestPowerOfTwoAtMost(n: number): number {
  let p = 1;
  while (p * 2 <= n) p <<= 1;
  return p;
}

export function ringNeighbours(rank: number, size: number): { left: number; right: number } {
  return { left: (rank - 1 + size) % size, right: (rank + 1) % size };
}

export interface DoublingRound {
  /** Real rank exchanged with in this round. */
  readonly peer: number;
  /** True when the peer's group holds lower ranks than this rank's group (apply(peer, mine)). */
  readonly peerIsLower: boolean;
}

export interface RecursiveDoubling {
  readonly pof2: number;
  /** Ranks [0, 2*rem) fold in pairs before the exchange rounds. */
  readonly rem: number;
  /** Rank among the pof2 exchanging ranks, or -1 for an even rank that folded out. */
  readonly newrank: number;
  /**
   * 'give': even rank below 2*rem, sends its value to rank+1 and gets the result back;
   * 'take': odd rank below 2*rem, combines rank-1's value below its own and answers it at the end;
   * 'none': not part of a pair.
   */
  readonly fold: 'give' | 'take' | 'none';
  /** The pair partner for 'give'/'take', else -1. */
  readonly foldPeer: number;
  /** Exchange rounds in order (empty for folded-out ranks). */
  readonly rounds: readonly DoublingRound[];
}

/**
 * The recursive-doubling schedule of `rank`, order-preserving: each exchanging rank stands
 * for a contiguous block of real ranks, and newrank order is real rank order.
 *
 * ```ts
 * recursiveDoubling(1, 3); // { pof2: 2, rem: 1, newrank: 0, fold: 'take', foldPeer: 0, rounds: [{ peer: 2, peerIsLower: false }] }
 * ```
 */
export function recursiveDoubling(rank: number, size: number): RecursiveDoubling {
  const pof2 = largestPowerOfTwoAtMost(size);
  const rem = size - pof2;
  let fold: RecursiveDoubling['fold'] = 'none';
  let foldPeer = -1;
  let newrank: number;
  if (rank < 2 * rem) {
    fold = rank % 2 === 0 ? 'give' : 'take';
    foldPeer = rank % 2 === 0 ? rank + 1 : rank - 1;
    newrank = rank % 2 === 0 ? -1 : rank >> 1;
  } else {
    newrank = rank - rem;
  }
  const rounds: DoublingRound[] = [];
  if (newrank >= 0) {
    for (let mask = 1; mask < pof2; mask <<= 1) {
      const partner = newrank ^ mask;
      rounds.push({ peer: partner < rem ? partner * 2 + 1 : partner + rem, peerIsLower: partner < newrank });
    }
  }
  return { pof2, rem, newrank, fold, foldPeer, rounds };
}

export interface BruckRound {
  /** Send this round's blocks to `to`, receive from `from`. */
  readonly to: number;
  readonly from: number;
  /** Blocks moved this round: the first `count` of what this rank holds, in relative order. */
  readonly count: number;
}

/** Bruck allgather rounds: round k moves min(2^k, size - 2^k) blocks across distance 2^k. */
export function bruck(rank: number, size: number): BruckRound[] {
  const rounds: BruckRound[] = [];
  for (let d = 1; d < size; d <<= 1) {
    rounds.push({ to: (rank - d + size) % size, from: (rank + d) % size, count: Math.min(d, size - d) });
  }
  return rounds;
}

/** Dissemination barrier rounds: round k signals rank + 2^k and waits for rank - 2^k. */
export function dissemination(rank: number, size: number): Array<{ to: number; from: number }> {
  const rounds: Array<{ to: number; from: number }> = [];
  for (let d = 1; d < size; d <<= 1) rounds.push({ to: (rank + d) % size, from: (rank - d + size) % size });
  return rounds;
}

/** Pairwise alltoall steps s = 1..size-1: send to rank + s, receive from rank - s. */
export function pairwise(rank: number, size: number): Array<{ to: number; from: number }> {
  const steps: Array<{ to: number; from: number }> = [];
  for (let s = 1; s < size; s++) steps.push({ to: (rank + s) % size, from: (rank - s + size) % size });
  return steps;
}
