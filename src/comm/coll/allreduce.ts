/**
 * Allreduce: every rank gets op over all values, bit-for-bit the same on every rank. Inputs are
 * never modified. Any failure (bad operand, op throws, unsendable value) makes every rank raise.
 *
 * allreduceRecursiveDoubling — order-preserving, any op, any N: the first 2·rem ranks fold in
 *   pairs (rem = N - pof2), pof2 ranks exchange partials over log2(pof2) rounds, odd ranks hand
 *   the result back: log2(pof2) + 2 rounds. Both partners always compute apply(lowerGroup,
 *   higherGroup) on identical bytes, so all ranks hold identical results.
 *   N = 4: round 1: 0↔1 2↔3 (each has v0·v1 or v2·v3); round 2: 0↔2 1↔3 (all: (v0·v1)·(v2·v3))
 *   N = 3: 0→1 (1 has v0·v1); 1↔2 (both (v0·v1)·v2); 1→0
 *
 * allreduceRing — large typed arrays, commutative element-wise ops: reduce-scatter then
 *   allgather over N chunks, 2(N-1) rounds each moving 1/N of the array, so each rank sends and
 *   combines ~2·bytes in all instead of log2 N · bytes. Each chunk is reduced once, at one
 *   rank, and then copied to the others, which keeps results identical.
 *   N = 4, chunks A..D; reduce-scatter round 1: 0→1 A0, 1→2 B1, 2→3 C2, 3→0 D3; ... after 3
 *   rounds rank r owns chunk r+1 complete; allgather rounds pass the complete chunks on.
 *   Agreement first: ranks run one recursive-doubling pass on a descriptor (type, length)
 *   instead of the data. If every rank described the same array, the ring runs; if ranks
 *   disagree (one passed a number, lengths differ: an erroneous call) a rank that sent a value
 *   meets a descriptor, and all ranks fall back to a plain recursive-doubling pass, so the op
 *   raises its usual error everywhere instead of ranks running different algorithms and hanging.
 *   A rank that selected recursive doubling takes part in this pass with its value, so ranks
 *   choosing by local payload size can never deadlock.
 *
 * allreduceReduceBcast — binomial reduce to rank 0, then binomial bcast of the encoded result:
 *   2⌈log2 N⌉ rounds. Only for forcing.
 */
import type { TypedArray } from '../ops/elementwise.js';
import type { Op } from '../ops/op.js';
import type { Packet } from '../serialization/packet.js';
import { Accumulator, resultMemory } from './accumulator.js';
import type { CollChannel } from './channel.js';
import { bcastBinomial } from './bcast.js';
import { type Fault, controlPacket, isControlPacket, readControl } from './fault.js';
import { reduceBinomial } from './reduce.js';
import type { ScratchPool } from './scratch-pool.js';
import { recursiveDoubling, ringNeighbours } from './topo.js';

type Part = { kind: 'value'; value: unknown } | { kind: 'ring'; type: string; length: number } | { kind: 'mixed' };

/**
 * `into`: the caller's recvbuf, where the result is built when it fits (else in an array of
 * this call); the result may or may not be in it (the Communicator copies when not).
 */
export async function allreduceRecursiveDoubling(ch: CollChannel, value: unknown, op: Op, fault: Fault, into?: TypedArray): Promise<unknown> {
  let part = await doubling(ch, { kind: 'value', value }, fault, new Accumulator(op, fault, { into }));
  if (part.kind === 'mixed') part = await doubling(ch, { kind: 'value', value }, fault, new Accumulator(op, fault));
  return fault.failed || part.kind !== 'value' ? undefined : part.value;
}

export async function allreduceRing(ch: CollChannel, value: unknown, op: Op, fault: Fault, into?: TypedArray, pool?: ScratchPool): Promise<unknown> {
  const array = value as TypedArray;
  if (!(await agreeOnShape(ch, array, op, fault))) return fault.failed ? undefined : allreduceRecursiveDoubling(ch, value, op, fault, into);
  return ring(ch, array, op, fault, into, pool);
}

/**
 * The agreement pass of the typed-array algorithms (ring, shared memory): true when every rank
 * passed a typed array of this type and length and none failed. Otherwise the caller returns
 * undefined if `fault` failed, else falls back to recursive doubling (see allreduceRing).
 */
export async function agreeOnShape(ch: CollChannel, array: TypedArray, op: Op, fault: Fault): Promise<boolean> {
  const agreed = await doubling(ch, { kind: 'ring', type: array[Symbol.toStringTag], length: array.length }, fault, new Accumulator(op, fault));
  return !fault.failed && agreed.kind === 'ring';
}

export async function allreduceReduceBcast(ch: CollChannel, value: unknown, op: Op, fault: Fault): Promise<unknown> {
  const result = await reduceBinomial(ch, value, op, 0, fault);
  const packet = ch.rank === 0 ? (fault.failed ? fault.packet : fault.encode(result)) : undefined;
  const got = await bcastBinomial(ch, packet, 0);
  if (ch.rank === 0 || fault.absorb([got])) return fault.failed ? undefined : result;
  return fault.decode(got);
}

/** One recursive-doubling pass over parts (values, ring descriptors, or the 'mixed' verdict). */
async function doubling(ch: CollChannel, mine: Part, fault: Fault, acc: Accumulator): Promise<Part> {
  const s = recursiveDoubling(ch.rank, ch.size);
  // Each round's send resolves before the partial changes: no copy where the transport copies.
  const pack = (p: Part): Packet[] => fault.message(() => [p.kind === 'value' ? fault.encode(p.value, !ch.sendCopies) : controlPacket(p)]);
  const unpack = (msg: Packet[]): Part | undefined => {
    if (fault.absorb(msg) || fault.failed) return undefined;
    if (isControlPacket(msg[0])) return readControl<Part>(msg[0]);
    const value = fault.decode(msg[0]);
    return fault.failed ? undefined : { kind: 'value', value };
  };
  const merge = (lower: Part, higher: Part): Part => {
    if (lower.kind === 'value' && higher.kind === 'value') return { kind: 'value', value: acc.combine(lower.value, higher.value) };
    if (lower.kind === 'ring' && higher.kind === 'ring' && lower.type === higher.type && lower.length === higher.length) return lower;
    return { kind: 'mixed' };
  };
  let part = mine;
  if (s.fold === 'give') {
    await ch.send(s.foldPeer, pack(part));
    return unpack(await ch.recv(s.foldPeer)) ?? part;
  }
  if (s.fold === 'take') {
    const lower = unpack(await ch.recv(s.foldPeer));
    if (lower !== undefined) part = merge(lower, part);
  }
  for (const { peer, peerIsLower } of s.rounds) {
    const [, msg] = await Promise.all([ch.send(peer, pack(part)), ch.recv(peer)]);
    const other = unpack(msg);
    if (other !== undefined && !fault.failed) part = peerIsLower ? merge(other, part) : merge(part, other);
  }
  if (s.fold === 'take') await ch.send(s.foldPeer, pack(part));
  return part;
}

/** Reduce-scatter + allgather over `size` chunks; every rank has the same type and length. */
async function ring(ch: CollChannel, array: TypedArray, op: Op, fault: Fault, into: TypedArray | undefined, pool: ScratchPool | undefined): Promise<unknown> {
  const { rank, size } = ch;
  const { left, right } = ringNeighbours(rank, size);
  const n = array.length;
  const start = (i: number): number => Math.floor((i * n) / size);
  const chunk = (i: number): TypedArray => array.subarray(start(i), start(i + 1));
  // Reduce-scatter: in round s, pass on the partial of chunk rank-s, fold in chunk rank-s-1.
  const acc = new Accumulator(op, fault, { pool });
  const copy = !ch.sendCopies;
  let partial: unknown = chunk(rank);
  for (let s = 0; s < size - 1; s++) {
    const [, msg] = await Promise.all([
      ch.send(
        right,
        fault.message(() => [fault.encode(partial, copy)]),
      ),
      ch.recv(left),
    ]);
    if (fault.absorb(msg) || fault.failed) continue;
    const got = fault.decode(msg[0]);
    if (!fault.failed) partial = acc.combine(got, chunk((rank - s - 1 + size) % size));
  }
  // Allgather: this rank holds chunk rank+1 complete; pass complete chunks on, undecoded.
  const done = new Array<Packet>(size);
  done[(rank + 1) % size] = fault.message(() => [fault.encode(partial, copy)])[0];
  for (let s = 0; s < size - 1; s++) {
    const out = done[(rank + 1 - s + size) % size];
    const [, msg] = await Promise.all([
      ch.send(
        right,
        fault.message(() => [out]),
      ),
      ch.recv(left),
    ]);
    fault.absorb(msg);
    done[(rank - s + size) % size] = msg[0];
  }
  if (fault.failed) return acc.release();
  const result = resultMemory(into, array, n);
  for (let i = 0; i < size && !fault.failed; i++) {
    const part = fault.decode(done[i]);
    try {
      (result as { set(a: unknown, at: number): void }).set(part, start(i));
    } catch (err) {
      fault.fail(err);
    }
  }
  acc.release();
  return fault.failed ? undefined : result;
}
