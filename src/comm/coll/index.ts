/**
 * The collectives as the Communicator calls them: on values, arguments (ranks, roots, ops)
 * already validated. Each entry opens its channel first — synchronously, before any await, so
 * collectives started back to back without awaiting get matching channels on every rank —
 * then encodes its own contribution once, picks the algorithm in select.ts, runs it on
 * packets, and decodes its own copy of the result. Failures of one rank's part travel as error
 * packets (see fault.ts) so every rank finishes the call and raises where the contract says.
 */
import { decode, decodeShared, isErrorPacket } from '../serialization/codec.js';
import type { Packet } from '../serialization/packet.js';
import { Errors } from '../errors.js';
import type { Op } from '../ops/op.js';
import { BAND, BOR, BXOR, LAND, LOR, LXOR, MAX, MIN, PROD, SUM } from '../ops/builtin.js';
import { isTypedArray, type TypedArray } from '../ops/elementwise.js';
import type { SharedTurn } from '../host-memory.js';
import type { CollChannel, CollHost } from './channel.js';
import type { ScratchPool } from './scratch-pool.js';
import { allgatherBruck, allgatherGatherBcast, allgatherRing } from './allgather.js';
import { allreduceRecursiveDoubling, allreduceReduceBcast, allreduceRing } from './allreduce.js';
import { allreduceSharedMemory } from './allreduce-shared.js';
import { allreduceHierarchical, bcastHierarchical } from './hierarchical.js';
import { alltoallLinear, alltoallPairwise } from './alltoall.js';
import { barrierDissemination, barrierLinear } from './barrier.js';
import { bcastBinomial, bcastLinear, bcastScatterAllgather, bcastSharedMemory } from './bcast.js';
import { Fault, detach } from './fault.js';
import { gatherBinomial, gatherLinear } from './gather.js';
import { reduceBinomial, reduceLinear } from './reduce.js';
import { scatterBinomial, scatterLinear } from './scatter.js';
import { exscanLinear, exscanRecursiveDoubling, scanLinear, scanRecursiveDoubling } from './scan.js';
import { CapturedReceives } from './captured-receives.js';
import { type Algorithm, type PayloadFacts, selectAlgorithm } from './select.js';
import { collSignature } from './signature.js';

type Rooted = (ch: CollChannel, packet: Packet | undefined, root: number, shared?: SharedTurn, hostOf?: readonly number[]) => Promise<Packet>;
/** Where a reduction may work and put its result. */
interface ReductionWhere {
  shared?: SharedTurn;
  hostOf?: readonly number[];
  /** The caller's recvbuf, where the result is built when the algorithm can. */
  into?: TypedArray;
  pool: ScratchPool;
}
type Reduction = (ch: CollChannel, value: unknown, op: Op, fault: Fault, where: ReductionWhere) => Promise<unknown>;

const kBarrier: Record<Algorithm<'barrier'>, (ch: CollChannel) => Promise<void>> = { dissemination: barrierDissemination, linear: barrierLinear };
const kBcast: Record<Algorithm<'bcast'>, Rooted> = {
  binomial: bcastBinomial,
  'scatter-allgather': bcastScatterAllgather,
  'shared-memory': bcastSharedMemory,
  hierarchical: (ch, packet, root, shared, hostOf) => bcastHierarchical(ch, packet, root, shared, hostOf!),
  linear: bcastLinear,
};
const kScatter: Record<Algorithm<'scatter'>, typeof scatterBinomial> = { binomial: scatterBinomial, linear: scatterLinear };
const kGather: Record<Algorithm<'gather'>, typeof gatherBinomial> = { binomial: gatherBinomial, linear: gatherLinear };
const kAllgather: Record<Algorithm<'allgather'>, typeof allgatherRing> = { bruck: allgatherBruck, ring: allgatherRing, 'gather-bcast': allgatherGatherBcast };
const kAlltoall: Record<Algorithm<'alltoall'>, typeof alltoallPairwise> = { pairwise: alltoallPairwise, linear: alltoallLinear };
const kReduce: Record<Algorithm<'reduce'>, typeof reduceBinomial> = { binomial: reduceBinomial, linear: reduceLinear };
const kAllreduce: Record<Algorithm<'allreduce'>, Reduction> = {
  'recursive-doubling': (ch, value, op, fault, w) => allreduceRecursiveDoubling(ch, value, op, fault, w.into),
  ring: (ch, value, op, fault, w) => allreduceRing(ch, value, op, fault, w.into, w.pool),
  'shared-memory': (ch, value, op, fault, w) => allreduceSharedMemory(ch, value, op, fault, w.shared, w.into),
  hierarchical: (ch, value, op, fault, w) => allreduceHierarchical(ch, value, op, fault, w.shared, w.hostOf!),
  'reduce-bcast': allreduceReduceBcast,
};
const kScan: Record<Algorithm<'scan'>, Reduction> = { 'recursive-doubling': scanRecursiveDoubling, linear: scanLinear };
const kExscan: Record<Algorithm<'exscan'>, Reduction> = { 'recursive-doubling': exscanRecursiveDoubling, linear: exscanLinear };

/** Built-in ops known to combine typed arrays element by element (chunks may be reduced apart). */
export const kElementwise: ReadonlySet<Op> = new Set([SUM, PROD, MIN, MAX, LAND, LOR, LXOR, BAND, BOR, BXOR]);

export async function barrier(host: CollHost): Promise<void> {
  const ch = host.channel(collSignature('barrier'));
  await kBarrier[selectAlgorithm('barrier', { size: ch.size }, host.algorithms)](ch);
}

/** The root's value on every rank, each rank (root too) decoding its own copy. */
export async function bcast(host: CollHost, value: unknown, root: number): Promise<unknown> {
  const ch = host.channel(collSignature('bcast', root));
  // Any rank but the root may find the root copying through host memory: all take their turn.
  const shared = host.hostMemory?.enter();
  const fault = new Fault(ch.rank);
  const where = hostFacts(host);
  // On one host behind shared memory every byte the root sends is copied (into rings or host
  // memory) before the call returns: its array may go as it is, without a copy at the call.
  const inPlace = ch.rank === root && where.hostShared;
  let got: Packet;
  let packet: Packet | undefined;
  try {
    packet = ch.rank === root ? fault.encode(value, !inPlace) : undefined;
    const facts = { size: ch.size, bytes: packet?.bytes.length, ...where };
    got = await kBcast[selectAlgorithm('bcast', facts, host.algorithms)](ch, packet, root, shared, host.hostOf);
  } finally {
    shared?.done();
  }
  fault.throwIfLocal();
  // A non-root's packet, or a copy the algorithm made for the root, is its own.
  if (got !== packet) return decode(got); // an error packet decodes to a throw
  // The root's own result is a copy too: in place, its packet is the caller's array; otherwise
  // ZeroMQ may still be reading the bytes it sent. (Interior nodes send on a copy of what they received.)
  return inPlace && shared !== undefined ? decode(copyPacket(got, shared.allocate)) : decodeShared(got);
}

/** `packet` with its bytes copied into memory from `allocate` (an error packet as it is). */
function copyPacket(packet: Packet, allocate: (bytes: number) => ArrayBuffer): Packet {
  if (isErrorPacket(packet)) return packet;
  const bytes = Buffer.from(allocate(packet.bytes.length));
  bytes.set(packet.bytes);
  return { code: packet.code, bytes };
}

export async function scatter(host: CollHost, data: unknown[] | undefined, root: number): Promise<unknown> {
  const ch = host.channel(collSignature('scatter', root));
  const fault = new Fault(ch.rank);
  const items = ch.rank === root ? encodeItems(data, ch.size, fault, Errors.scatterLength) : undefined;
  const own = await kScatter[selectAlgorithm('scatter', { size: ch.size }, host.algorithms)](ch, items, root);
  fault.throwIfLocal();
  return decode(own);
}

/** Rank-ordered values on the root; the root and any rank whose value cannot be sent raise. */
export async function gather(host: CollHost, value: unknown, root: number): Promise<unknown[] | undefined> {
  const ch = host.channel(collSignature('gather', root));
  const fault = new Fault(ch.rank);
  const own = fault.encode(value);
  const got = await kGather[selectAlgorithm('gather', { size: ch.size }, host.algorithms)](ch, own, root);
  return decodeAll(got, fault);
}

/** `as` names the call for mismatch checks: split and dup are allgathers of their own kind. */
export async function allgather(host: CollHost, value: unknown, as: 'allgather' | 'split' | 'dup' | 'allocateShared' = 'allgather'): Promise<unknown[]> {
  const ch = host.channel(collSignature(as));
  const fault = new Fault(ch.rank);
  const own = fault.encode(value);
  const got = await kAllgather[selectAlgorithm('allgather', { size: ch.size }, host.algorithms)](ch, own);
  return decodeAll(got, fault, ch.rank)!;
}

export async function alltoall(host: CollHost, data: unknown[]): Promise<unknown[]> {
  const ch = host.channel(collSignature('alltoall'));
  const fault = new Fault(ch.rank);
  let items = encodeItems(data, ch.size, fault, Errors.alltoallLength);
  if (items.length !== ch.size) items = new Array<Packet>(ch.size).fill(items[0]);
  const got = await kAlltoall[selectAlgorithm('alltoall', { size: ch.size }, host.algorithms)](ch, items);
  return decodeAll(got, fault)!;
}

/** op over all values on the root; the root and the ranks where something failed raise. */
/** `into`: the root's recvbuf, where the result is built when it fits (see Accumulator). */
export async function reduce(host: CollHost, value: unknown, op: Op, root: number, into?: TypedArray): Promise<unknown> {
  const ch = host.channel(collSignature('reduce', root, value));
  const fault = checked(ch, value, op);
  const run = kReduce[selectAlgorithm('reduce', { size: ch.size }, host.algorithms)];
  const receives = new CapturedReceives(host.scratch);
  const result = receives.release(await run(receives.channel(ch), value, op, root, fault, { into, pool: host.scratch }), into);
  if (ch.rank !== root) {
    fault.throwIfLocal();
    return undefined;
  }
  return finish(result, value, fault);
}

/** `into`: the caller's recvbuf, where the result is built when the algorithm can (the Communicator copies otherwise). */
export async function allreduce(host: CollHost, value: unknown, op: Op, into?: TypedArray): Promise<unknown> {
  const ch = host.channel(collSignature('allreduce', -1, value));
  const fault = checked(ch, value, op);
  const typed = isTypedArray(value);
  const facts: PayloadFacts = {
    size: ch.size,
    typedLength: typed ? value.length : undefined,
    bytes: typed ? value.byteLength : undefined,
    commutative: op.commutative,
    elementwise: kElementwise.has(op),
    ...hostFacts(host),
  };
  const algorithm = selectAlgorithm('allreduce', facts, host.algorithms);
  const shared = algorithm === 'shared-memory' || algorithm === 'hierarchical' ? host.hostMemory?.enter() : undefined;
  const receives = new CapturedReceives(host.scratch);
  let result: unknown;
  try {
    result = await kAllreduce[algorithm](receives.channel(ch), value, op, fault, { shared, hostOf: host.hostOf, into, pool: host.scratch });
  } finally {
    shared?.done();
  }
  return finish(receives.release(result, into), value, fault);
}

export async function scan(host: CollHost, value: unknown, op: Op): Promise<unknown> {
  const ch = host.channel(collSignature('scan', -1, value));
  const fault = checked(ch, value, op);
  const result = await kScan[selectAlgorithm('scan', { size: ch.size }, host.algorithms)](ch, value, op, fault, { pool: host.scratch });
  return finish(result, value, fault);
}

/** Exclusive prefix: undefined on rank 0. */
export async function exscan(host: CollHost, value: unknown, op: Op): Promise<unknown> {
  const ch = host.channel(collSignature('exscan', -1, value));
  const fault = checked(ch, value, op);
  const result = await kExscan[selectAlgorithm('exscan', { size: ch.size }, host.algorithms)](ch, value, op, fault, { pool: host.scratch });
  if (ch.rank > 0) return finish(result, value, fault);
  fault.throwIfFailed();
  return undefined;
}

/** Where the communicator's ranks run, as the selector sees it (the same on every rank). */
function hostFacts(host: CollHost): { hostShared: boolean; spansHosts: boolean } {
  const spansHosts = host.hostOf !== undefined;
  return { hostShared: !spansHosts && host.hostMemory !== undefined, spansHosts };
}

/** A Fault holding this rank's operand error, if op.check rejects its value. */
function checked(ch: CollChannel, value: unknown, op: Op): Fault {
  const fault = new Fault(ch.rank);
  try {
    op.check(value);
  } catch (err) {
    fault.fail(err);
  }
  return fault;
}

function finish(result: unknown, input: unknown, fault: Fault): unknown {
  fault.throwIfFailed();
  const out = detach(result, input, fault);
  fault.throwIfFailed();
  return out;
}

/** `size` packets, or a single error packet when the array is wrong or an item cannot be sent. */
function encodeItems(data: unknown, size: number, fault: Fault, lengthError: (got: unknown, size: number) => RangeError): Packet[] {
  if (!Array.isArray(data) || data.length !== size) {
    fault.fail(lengthError(data, size));
    return [fault.packet];
  }
  const items = new Array<Packet>(size);
  for (let i = 0; i < size && !fault.failed; i++) items[i] = fault.encode(data[i]);
  return fault.failed ? [fault.packet] : items;
}

/**
 * Decodes gathered packets; raises this rank's own error, or any error among them. `sentOwn`
 * is this rank's index when its own packet was also sent to others: ZeroMQ may still be
 * reading those bytes, so that value must not be a view on them.
 */
function decodeAll(got: Packet[] | undefined, fault: Fault, sentOwn = -1): unknown[] | undefined {
  fault.throwIfLocal();
  if (got === undefined) return undefined;
  fault.absorb(got);
  fault.throwIfFailed();
  return got.map((p, i) => (i === sentOwn ? decodeShared(p) : decode(p)));
}
