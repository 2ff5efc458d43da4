/**
 * The one decision table of the collectives: which algorithm a call runs, from the world size,
 * what this rank knows of the payload, and the algorithm forced per collective (from
 * TSMPI_COLL_<NAME>, e.g. TSMPI_COLL_ALLREDUCE=ring).
 *
 * Rules the table keeps:
 * - Automatic choices are logarithmic or bandwidth-optimal; linear and gather-then-bcast
 *   variants exist only to be forced.
 * - Ranks must not disagree. Payload facts differ between ranks only where one rank alone
 *   knows them, and then the algorithms are built so that either choice interoperates:
 *   only the bcast root knows the payload size (non-roots follow what the root sends), and
 *   allreduce operands differ only in erroneous calls (ring and recursive doubling share their
 *   first pass). Everything else is chosen from the size alone.
 * - A forced algorithm that cannot take the input (ring on a non-typed-array or with a
 *   non-commutative op, shared memory on ranks of several hosts) gives way to the automatic
 *   choice instead of failing.
 * - Shared memory (ranks of one host with host memory) wins from a few hundred KiB: one copy in
 *   and one out per rank beats any tree of point-to-point copies through rings. A communicator
 *   spanning such hosts bcasts hierarchically at every size (so non-roots know the structure)
 *   and allreduces hierarchically from the same size.
 */
import type { CollectiveName, ForcedAlgorithms } from './channel.js';

export const kAlgorithms = {
  barrier: ['dissemination', 'linear'],
  bcast: ['binomial', 'scatter-allgather', 'shared-memory', 'hierarchical', 'linear'],
  scatter: ['binomial', 'linear'],
  gather: ['binomial', 'linear'],
  allgather: ['bruck', 'ring', 'gather-bcast'],
  alltoall: ['pairwise', 'linear'],
  reduce: ['binomial', 'linear'],
  allreduce: ['recursive-doubling', 'ring', 'shared-memory', 'hierarchical', 'reduce-bcast'],
  scan: ['recursive-doubling', 'linear'],
  exscan: ['recursive-doubling', 'linear'],
  scatterv: ['binomial', 'linear'],
  gatherv: ['binomial', 'linear'],
  allgatherv: ['bruck', 'ring', 'gather-bcast'],
  alltoallv: ['pairwise', 'linear'],
  reduce_scatter_block: ['recursive-halving', 'ring', 'reduce-scatterv'],
  reduce_scatter: ['recursive-halving', 'ring', 'reduce-scatterv'],
} as const satisfies Record<CollectiveName, readonly string[]>;

export type Algorithm<C extends CollectiveName> = (typeof kAlgorithms)[C][number];

/** What this rank knows about the call. */
export interface PayloadFacts {
  readonly size: number;
  /** Encoded bytes of the payload, where this rank knows them (the bcast root; typed operands). */
  readonly bytes?: number;
  /** Element count when the operand is a typed array (not a DataView). */
  readonly typedLength?: number;
  /** The op may be applied in any order. */
  readonly commutative?: boolean;
  /** The op is a built-in that combines typed arrays element by element, so chunks may be reduced apart. */
  readonly elementwise?: boolean;
  /** Every rank of the communicator runs on this host and maps the same host memory. */
  readonly hostShared?: boolean;
  /** The communicator spans hosts, several of its ranks on some, sharing memory there (CollHost.hostOf). */
  readonly spansHosts?: boolean;
}

export const kThresholds = {
  /** bcast splits the payload (scatter + allgather) from this many bytes... */
  bcastSplitBytes: 512 * 1024,
  /** ...on at least this many ranks (below, log2 N rounds of the whole cost about as much). */
  bcastSplitRanks: 8,
  /** allreduce uses the ring from this many bytes of typed array. */
  allreduceRingBytes: 64 * 1024,
  /** On one host, bcast copies through host memory from this many bytes... */
  bcastSharedBytes: 256 * 1024,
  /** ...and allreduce from this many. */
  allreduceSharedBytes: 256 * 1024,
  /** reduce-scatter on a number of ranks that is not a power of two uses the ring from this many bytes. */
  reduceScatterRingBytes: 64 * 1024,
};

function sharedCapable(f: PayloadFacts): boolean {
  return f.hostShared === true && f.size > 1;
}

function ringCapable(f: PayloadFacts): boolean {
  return f.size > 1 && f.typedLength !== undefined && f.typedLength >= f.size && f.commutative === true;
}

/**
 * Reduce-scatter: recursive halving (log2 N rounds, halving the data each time) for element-wise
 * commutative ops; on a non-power-of-two N it first folds pairs, which moves a whole vector, so
 * large vectors take the ring there (N-1 rounds of one block each). Other ops: a rank-order
 * reduce then a scatterv.
 */
function reduceScatterAuto(f: PayloadFacts): 'recursive-halving' | 'ring' | 'reduce-scatterv' {
  if (f.commutative !== true || f.elementwise !== true) return 'reduce-scatterv';
  const pof2 = (f.size & (f.size - 1)) === 0;
  return !pof2 && (f.bytes ?? 0) >= kThresholds.reduceScatterRingBytes ? 'ring' : 'recursive-halving';
}

const kAuto: { [C in CollectiveName]: (f: PayloadFacts) => Algorithm<C> } = {
  barrier: () => 'dissemination',
  bcast: (f) => {
    if (f.spansHosts === true) return 'hierarchical';
    if (f.bytes === undefined) return 'binomial';
    if (sharedCapable(f) && f.bytes >= kThresholds.bcastSharedBytes) return 'shared-memory';
    return f.size >= kThresholds.bcastSplitRanks && f.bytes >= kThresholds.bcastSplitBytes ? 'scatter-allgather' : 'binomial';
  },
  scatter: () => 'binomial',
  gather: () => 'binomial',
  allgather: () => 'bruck',
  alltoall: () => 'pairwise',
  reduce: () => 'binomial',
  allreduce: (f) => {
    if (!ringCapable(f) || f.elementwise !== true) return 'recursive-doubling';
    if (sharedCapable(f) && (f.bytes ?? 0) >= kThresholds.allreduceSharedBytes) return 'shared-memory';
    if (f.spansHosts === true && (f.bytes ?? 0) >= kThresholds.allreduceSharedBytes) return 'hierarchical';
    return (f.bytes ?? 0) >= kThresholds.allreduceRingBytes ? 'ring' : 'recursive-doubling';
  },
  scan: () => 'recursive-doubling',
  exscan: () => 'recursive-doubling',
  scatterv: () => 'binomial',
  gatherv: () => 'binomial',
  allgatherv: () => 'bruck',
  alltoallv: () => 'pairwise',
  reduce_scatter_block: reduceScatterAuto,
  reduce_scatter: reduceScatterAuto,
};

/** Whether a forced algorithm can take this input; most take anything. */
function canRun(collective: CollectiveName, algorithm: string, f: PayloadFacts): boolean {
  if (collective === 'allreduce' && algorithm === 'ring') return ringCapable(f);
  if (collective === 'allreduce' && algorithm === 'shared-memory') return ringCapable(f) && f.elementwise === true && sharedCapable(f);
  if (collective === 'allreduce' && algorithm === 'hierarchical') return ringCapable(f) && f.elementwise === true && f.spansHosts === true;
  // Facts every rank knows alike, so that roots and non-roots take the same road.
  if (collective === 'bcast' && algorithm === 'shared-memory') return sharedCapable(f);
  if (collective === 'bcast' && algorithm === 'hierarchical') return f.spansHosts === true;
  // Reduce-scatter's ring and halving combine blocks out of rank order.
  if (collective.startsWith('reduce_scatter') && algorithm !== 'reduce-scatterv') return f.commutative === true;
  return true;
}

/**
 * The algorithm to run. Throws a RangeError for a forced name the collective does not have.
 *
 * ```ts
 * selectAlgorithm('allreduce', { size: 8, typedLength: 1e5, bytes: 8e5, commutative: true, elementwise: true }, {}); // 'ring'
 * selectAlgorithm('bcast', { size: 4 }, { bcast: 'linear' }); // 'linear'
 * ```
 */
export function selectAlgorithm<C extends CollectiveName>(collective: C, facts: PayloadFacts, forced: ForcedAlgorithms = {}): Algorithm<C> {
  const name = forced[collective];
  const auto = (kAuto[collective] as (f: PayloadFacts) => Algorithm<C>)(facts);
  if (name === undefined || name === 'auto') return auto;
  const valid: readonly string[] = kAlgorithms[collective];
  if (!valid.includes(name)) {
    throw new RangeError(`TSMPI_COLL_${collective.toUpperCase()}=${JSON.stringify(name)} is not an algorithm of ${collective}: use one of ${valid.join(', ')}`);
  }
  return canRun(collective, name, facts) ? (name as Algorithm<C>) : auto;
}
