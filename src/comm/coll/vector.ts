/**
 * The typed-array collectives of the second wave as the Communicator calls them: scatterv,
 * gatherv, allgatherv, alltoallv (pieces of any length; a receiver learns each piece's length
 * from its bytes, so nobody sends counts first) and reduce-scatter. As in index.ts, each opens
 * its channel first (synchronously), checks its arguments into a Fault (so a rank's bad
 * argument makes every rank that depends on it raise instead of hang), cuts its data into
 * packets once (views on the caller's array where the channel's sends copy) and lets the
 * algorithm forward them as raw bytes; the result is joined into a fresh array or the caller's
 * `recvbuf`. Every algorithm awaits its sends, so the caller's array is read before the call ends.
 *
 * The movement reuses the packet algorithms of scatter, gather, allgather and alltoall (they
 * never look inside a packet, so a piece of any length travels like any item), under their own
 * names in select.ts so each can be forced (TSMPI_COLL_ALLTOALLV=linear, ...).
 */
import { decodeError, encode, isErrorPacket } from '../serialization/codec.js';
import type { Packet } from '../serialization/packet.js';
import { isTypedArray, type TypedArray } from '../ops/elementwise.js';
import type { Op } from '../ops/op.js';
import type { CollHost } from './channel.js';
import { allgatherBruck, allgatherGatherBcast, allgatherRing } from './allgather.js';
import { alltoallLinear, alltoallPairwise } from './alltoall.js';
import { CapturedReceives } from './captured-receives.js';
import { Fault } from './fault.js';
import { gatherBinomial, gatherLinear } from './gather.js';
import { kElementwise } from './index.js';
import { checkCounts, checkRecvbuf, checkTyped, cutPieces, joinPieces, ownPiece } from './pieces.js';
import { type ReduceScatterAlgorithm, reduceScatterRecursiveHalving, reduceScatterReduceScatterv, reduceScatterRing } from './reduce-scatter.js';
import { scatterBinomial, scatterLinear } from './scatter.js';
import { type Algorithm, selectAlgorithm } from './select.js';
import { collSignature, countsFingerprint, kNoDetail } from './signature.js';

const kScatterv: Record<Algorithm<'scatterv'>, typeof scatterBinomial> = { binomial: scatterBinomial, linear: scatterLinear };
const kGatherv: Record<Algorithm<'gatherv'>, typeof gatherBinomial> = { binomial: gatherBinomial, linear: gatherLinear };
const kAllgatherv: Record<Algorithm<'allgatherv'>, typeof allgatherRing> = { bruck: allgatherBruck, ring: allgatherRing, 'gather-bcast': allgatherGatherBcast };
const kAlltoallv: Record<Algorithm<'alltoallv'>, typeof alltoallPairwise> = { pairwise: alltoallPairwise, linear: alltoallLinear };
const kReduceScatter: Record<Algorithm<'reduce_scatter'>, ReduceScatterAlgorithm> = {
  'recursive-halving': reduceScatterRecursiveHalving,
  ring: reduceScatterRing,
  'reduce-scatterv': reduceScatterReduceScatterv,
};

/** Pieces of any length and the element count of each. */
export interface Pieces {
  data: TypedArray;
  counts: number[];
}

/** Runs `check`, recording what it throws as this rank's failure; gives its result when it passed. */
function attempt<T>(fault: Fault, check: () => T): T | undefined {
  try {
    return check();
  } catch (err) {
    fault.fail(err);
    return undefined;
  }
}

/** The root's array cut into counts[i] elements for rank i; each rank gets its piece. */
export async function scatterv(host: CollHost, data: unknown, counts: unknown, root: number, recvbuf?: unknown): Promise<TypedArray> {
  const isRoot = host.rank === root;
  const ch = host.channel(collSignature('scatterv', root, isRoot ? data : undefined, false));
  const fault = new Fault(ch.rank);
  const out = attempt(fault, () => checkRecvbuf('scatterv', recvbuf, isRoot && isTypedArray(data) ? data : undefined));
  let items: Packet[] | undefined;
  if (isRoot) {
    items = attempt(fault, () => {
      const typed = checkTyped('scatterv', 'data', data);
      return cutPieces(typed, checkCounts('scatterv', counts, ch.size, typed.length), !ch.sendCopies);
    }) ?? [fault.packet];
  }
  const own = await kScatterv[selectAlgorithm('scatterv', { size: ch.size }, host.algorithms)](ch, items, root);
  fault.throwIfLocal();
  if (isErrorPacket(own)) throw decodeError(own);
  return ownPiece('scatterv', own, out, isRoot);
}

/** Every rank's piece joined in rank order on the root, with each piece's length; undefined elsewhere. */
export async function gatherv(host: CollHost, data: unknown, root: number, recvbuf?: unknown): Promise<Pieces | undefined> {
  const ch = host.channel(collSignature('gatherv', root, data, false));
  const fault = new Fault(ch.rank);
  const typed = attempt(fault, () => checkTyped('gatherv', 'data', data));
  const out = ch.rank === root && typed !== undefined ? attempt(fault, () => checkRecvbuf('gatherv', recvbuf, typed)) : undefined;
  const own = fault.failed ? fault.packet : encode(typed, !ch.sendCopies);
  const got = await kGatherv[selectAlgorithm('gatherv', { size: ch.size }, host.algorithms)](ch, own, root);
  fault.throwIfLocal();
  if (got === undefined) return undefined;
  fault.absorb(got);
  fault.throwIfFailed();
  return joinPieces('gatherv', got, typed!, out);
}

/** Every rank's piece joined in rank order on every rank, with each piece's length. */
export async function allgatherv(host: CollHost, data: unknown, recvbuf?: unknown): Promise<Pieces> {
  const ch = host.channel(collSignature('allgatherv', -1, data, false));
  const fault = new Fault(ch.rank);
  const typed = attempt(fault, () => checkTyped('allgatherv', 'data', data));
  const out = typed !== undefined ? attempt(fault, () => checkRecvbuf('allgatherv', recvbuf, typed)) : undefined;
  const own = fault.failed ? fault.packet : encode(typed, !ch.sendCopies);
  const receives = new CapturedReceives(host.scratch);
  const got = await kAllgatherv[selectAlgorithm('allgatherv', { size: ch.size }, host.algorithms)](receives.channel(ch), own);
  return joinReceived('allgatherv', got, fault, typed!, out, receives);
}

/** counts[j] elements to rank j, in order; the result joins what every rank sent here, in rank order. */
export async function alltoallv(host: CollHost, data: unknown, counts: unknown, recvbuf?: unknown): Promise<Pieces> {
  const ch = host.channel(collSignature('alltoallv', -1, data, false));
  const fault = new Fault(ch.rank);
  const typed = attempt(fault, () => checkTyped('alltoallv', 'data', data));
  const out = typed !== undefined ? attempt(fault, () => checkRecvbuf('alltoallv', recvbuf, typed)) : undefined;
  const items =
    (fault.failed ? undefined : attempt(fault, () => cutPieces(typed!, checkCounts('alltoallv', counts, ch.size, typed!.length), !ch.sendCopies))) ??
    new Array<Packet>(ch.size).fill(fault.packet);
  const receives = new CapturedReceives(host.scratch);
  const got = await kAlltoallv[selectAlgorithm('alltoallv', { size: ch.size }, host.algorithms)](receives.channel(ch), items);
  return joinReceived('alltoallv', got, fault, typed!, out, receives);
}

/** What arrived joined into the result (raising where a rank failed), then the call's receive memory back to the pool. */
function joinReceived(call: string, got: Packet[], fault: Fault, like: TypedArray, out: TypedArray | undefined, receives: CapturedReceives): Pieces {
  try {
    fault.absorb(got);
    fault.throwIfFailed();
    return joinPieces(call, got, like, out);
  } finally {
    receives.release(undefined);
  }
}

/** Element-wise op over equal-length arrays cut into `size` equal blocks; rank i gets block i. */
export function reduceScatterBlock(host: CollHost, data: unknown, op: Op, recvbuf?: unknown): Promise<TypedArray> {
  return reduceScatterCall(host, 'reduceScatterBlock', data, undefined, op, recvbuf);
}

/** The same with block i of counts[i] elements. */
export function reduceScatter(host: CollHost, data: unknown, counts: unknown, op: Op, recvbuf?: unknown): Promise<TypedArray> {
  return reduceScatterCall(host, 'reduceScatter', data, counts, op, recvbuf);
}

async function reduceScatterCall(
  host: CollHost,
  call: 'reduceScatter' | 'reduceScatterBlock',
  data: unknown,
  counts: unknown,
  op: Op,
  recvbuf: unknown,
): Promise<TypedArray> {
  // Checked before the channel opens: reduceScatter's signature carries a fingerprint of the counts.
  let error: { error: unknown } | undefined;
  let blocks: number[] | undefined;
  let out: TypedArray | undefined;
  try {
    const typed = checkTyped(call, 'data', data);
    op.check(typed);
    blocks = call === 'reduceScatter' ? checkCounts(call, counts, host.size, typed.length) : equalBlocks(typed.length, host.size);
    out = checkRecvbuf(call, recvbuf, typed);
    if (out !== undefined && out.length < blocks[host.rank]) {
      throw new RangeError(`${call}: recvbuf has ${out.length} elements, this rank's block ${blocks[host.rank]}`);
    }
  } catch (err) {
    error = { error: err };
  }
  const detail = call === 'reduceScatter' && blocks !== undefined ? countsFingerprint(blocks) : kNoDetail;
  const ch = host.channel(collSignature(call, -1, data, true, detail));
  const fault = new Fault(ch.rank);
  if (error !== undefined) fault.fail(error.error);
  const typed = data as TypedArray;
  const facts = {
    size: ch.size,
    bytes: fault.failed ? undefined : typed.byteLength,
    commutative: op.commutative,
    elementwise: kElementwise.has(op),
  };
  const name = call === 'reduceScatter' ? 'reduce_scatter' : 'reduce_scatter_block';
  const run = kReduceScatter[selectAlgorithm(name, facts, host.algorithms)];
  const receives = new CapturedReceives(host.scratch);
  const result = receives.release(await run(receives.channel(ch), typed, blocks ?? [], op, fault, { into: out, pool: host.scratch }), out);
  fault.throwIfFailed();
  return result!;
}

function equalBlocks(length: number, size: number): number[] {
  if (length % size !== 0) throw new RangeError(`reduceScatterBlock: data has ${length} elements, not a multiple of the ${size} ranks`);
  return new Array<number>(size).fill(length / size);
}
