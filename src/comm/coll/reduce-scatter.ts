/**
 * Reduce-scatter: every rank holds an array of the same length cut into N blocks (block i of
 * counts[i] elements); rank i gets op over every rank's block i. Inputs are never modified;
 * each block is reduced at exactly one rank. Any failure (bad argument, bad operand, op throws)
 * makes every rank raise: a failed rank sends error packets where data would go, so every
 * rank runs the same message pattern and channels stay aligned.
 *
 * reduceScatterRecursiveHalving — commutative ops, any N: the first 2·rem ranks fold in pairs
 *   (rem = N - pof2; the even rank hands its whole array to the odd one), then the pof2 ranks
 *   halve: in each of log2(pof2) rounds a rank sends the half of its current range that its
 *   partner keeps and combines the half it keeps, so each round moves half as much as the last
 *   (bytes·(pof2-1)/pof2 in all); at the end the odd ranks of the pairs hand the even ones
 *   their block. A rank of the pof2 set stands for a contiguous run of original ranks, so
 *   every range is a contiguous run of elements.
 *   N = 4: round 1: 0↔2, 1↔3 (0 and 1 keep blocks 0-1, 2 and 3 blocks 2-3); round 2: 0↔1, 2↔3
 *
 * reduceScatterRing — commutative ops, any N: N-1 rounds; in round s rank r sends its partial
 *   of block r-s-1 to r+1 and folds its own block r-s-2 into what comes from r-1. Block b
 *   starts at rank b+1 and ends complete at rank b. Neighbour-only traffic, one block a round.
 *   N = 4, round 0: 0→1 [D0], 1→2 [A1], 2→3 [B2], 3→0 [C3]; after round 2 rank r holds block r
 *
 * reduceScatterReduceScatterv — any op, applied in rank order: binomial reduce to rank 0, then
 *   a binomial scatter of the blocks. 2⌈log2 N⌉ rounds; every byte crosses rank 0. The choice
 *   for non-commutative and user-defined ops.
 */
import type { TypedArray } from '../ops/elementwise.js';
import type { Op } from '../ops/op.js';
import type { Packet } from '../serialization/packet.js';
import { Accumulator, type AccumulatorMemory, resultMemory } from './accumulator.js';
import type { CollChannel } from './channel.js';
import type { Fault } from './fault.js';
import { cutPieces, displacements } from './pieces.js';
import { reduceBinomial } from './reduce.js';
import { scatterBinomial } from './scatter.js';
import { largestPowerOfTwoAtMost, ringNeighbours } from './topo.js';

/**
 * `data` and `counts` are only read when the fault is clear (a failed rank's may be anything).
 * The result is this rank's block in `memory.into` when it fits, else in a new array; partials
 * in between live in memory borrowed from `memory.pool`.
 */
export type ReduceScatterAlgorithm = (
  ch: CollChannel,
  data: TypedArray,
  counts: readonly number[],
  op: Op,
  fault: Fault,
  memory?: AccumulatorMemory,
) => Promise<TypedArray | undefined>;

/** Combines a received partial with this rank's own, recording failures. */
function combine(msg: Packet[], mine: TypedArray, acc: Accumulator, fault: Fault): TypedArray | undefined {
  if (fault.absorb(msg) || fault.failed) return undefined;
  const got = fault.decode(msg[0]);
  if (fault.failed) return undefined;
  const out = acc.combine(got, mine) as TypedArray | undefined;
  return fault.failed ? undefined : out;
}

/** Each round's send resolves before its memory changes: no copy where the transport copies. */
const send = (ch: CollChannel, fault: Fault, value: () => TypedArray): Packet[] => fault.message(() => [fault.encode(value(), !ch.sendCopies)]);

/** The block as the call's result (in `into` when it fits), then the working memory back to the pool. */
function settle(block: TypedArray | undefined, data: TypedArray, into: TypedArray | undefined, acc: Accumulator): TypedArray | undefined {
  let result: TypedArray | undefined;
  if (block !== undefined) {
    // Every send is done and data read: a recvbuf that is data's own memory takes the block too
    // (set copies overlapping memory correctly).
    result = resultMemory(into, data, block.length, true);
    (result as Uint8Array).set(block as Uint8Array);
  }
  acc.release();
  return result;
}

export const reduceScatterRing: ReduceScatterAlgorithm = async (ch, data, counts, op, fault, memory = {}) => {
  const { rank, size } = ch;
  const acc = new Accumulator(op, fault, { pool: memory.pool });
  const { left, right } = ringNeighbours(rank, size);
  const displs = fault.failed ? [] : displacements(counts);
  const block = (i: number): TypedArray => data.subarray(displs[i], displs[i + 1]);
  let partial = fault.failed ? undefined : block((rank - 1 + size) % size);
  for (let s = 0; s < size - 1; s++) {
    const [, msg] = await Promise.all([
      ch.send(
        right,
        send(ch, fault, () => partial!),
      ),
      ch.recv(left),
    ]);
    partial = fault.failed ? (fault.absorb(msg), undefined) : combine(msg, block((rank - s - 2 + 2 * size) % size), acc, fault);
  }
  return settle(fault.failed ? undefined : partial, data, memory.into, acc);
};

export const reduceScatterRecursiveHalving: ReduceScatterAlgorithm = async (ch, data, counts, op, fault, memory = {}) => {
  const { rank, size } = ch;
  const acc = new Accumulator(op, fault, { pool: memory.pool });
  const pof2 = largestPowerOfTwoAtMost(size);
  const rem = size - pof2;
  // Fold: even ranks below 2·rem hand their array to the odd rank above and wait for their block.
  if (rank < 2 * rem && rank % 2 === 0) {
    await ch.send(
      rank + 1,
      send(ch, fault, () => data),
    );
    const msg = await ch.recv(rank + 1);
    if (fault.absorb(msg) || fault.failed) return undefined;
    return settle(fault.decode(msg[0]) as TypedArray, data, memory.into, acc);
  }
  let part: TypedArray | undefined = fault.failed ? undefined : data;
  if (rank < 2 * rem) part = combine(await ch.recv(rank - 1), data, acc, fault);
  const newrank = rank < 2 * rem ? rank >> 1 : rank - rem;
  // The original rank where pof2-rank n's run starts; first(pof2) = size.
  const first = (n: number): number => (n < rem ? 2 * n : n + rem);
  const displs = fault.failed ? [] : displacements(counts);
  const at = (n: number): number => displs[first(n)];
  let lo = 0; // acc covers the elements of pof2-ranks [lo, lo + 2·mask)
  for (let mask = pof2 >> 1; mask >= 1; mask >>= 1) {
    const lower = (newrank & mask) === 0;
    const partner = newrank ^ mask;
    const peer = partner < rem ? 2 * partner + 1 : partner + rem;
    const [sendFrom, sendTo, keepFrom, keepTo] = lower ? [lo + mask, lo + 2 * mask, lo, lo + mask] : [lo, lo + mask, lo + mask, lo + 2 * mask];
    const slice = (from: number, to: number): TypedArray => part!.subarray(at(from) - at(lo), at(to) - at(lo));
    const [, msg] = await Promise.all([
      ch.send(
        peer,
        send(ch, fault, () => slice(sendFrom, sendTo)),
      ),
      ch.recv(peer),
    ]);
    part = fault.failed ? (fault.absorb(msg), undefined) : combine(msg, slice(keepFrom, keepTo), acc, fault);
    lo = keepFrom;
  }
  // part now covers this pof2-rank's run: one block, or the blocks of an (even, odd) pair.
  if (rank < 2 * rem) {
    const evenPart = fault.failed ? 0 : counts[rank - 1];
    await ch.send(
      rank - 1,
      send(ch, fault, () => part!.subarray(0, evenPart)),
    );
    return settle(fault.failed ? undefined : part!.subarray(evenPart), data, memory.into, acc);
  }
  return settle(fault.failed ? undefined : part, data, memory.into, acc);
};

export const reduceScatterReduceScatterv: ReduceScatterAlgorithm = async (ch, data, counts, op, fault, memory = {}) => {
  const whole = (await reduceBinomial(ch, fault.failed ? undefined : data, op, 0, fault, { pool: memory.pool })) as TypedArray | undefined;
  const items = ch.rank !== 0 ? undefined : fault.failed ? [fault.packet] : cutPieces(whole!, counts);
  const own = await scatterBinomial(ch, items, 0);
  if (fault.absorb([own]) || fault.failed) return undefined;
  const block = fault.decode(own) as TypedArray;
  return fault.failed ? undefined : settle(block, data, memory.into, new Accumulator(op, fault));
};
