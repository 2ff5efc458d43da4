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
import type { CollChannel } from './channel.js';
import { bcastBinomial } from './bcast.js';
import { type Fault, controlPacket, isControlPacket, readControl } from './fault.js';
import { reduceBinomial } from './reduce.js';
import { recursiveDoubling, ringNeighbours } from './topo.js';

type Part = { kind: 'value'; value: unknown } | { kind: 'ring'; type: string; length: number } | { kind: 'mixed' };

export async function allreduceRecursiveDoubling(ch: CollChannel, value: unknown, op: Op, fault: Fault): Promise<unknown> {
  let part = await doubling(ch, { kind: 'value', value }, op, fault);
  if (part.kind === 'mixed') part = await doubling(ch, { kind: 'value', value }, op, fault);
  return fault.failed || part.kind !== 'value' ? undefined : part.value;
}

export async function allreduceRing(ch: CollChannel, value: unknown, op: Op, fault: Fault): Promise<unknown> {
  const array = value as TypedArray;
  if (!(await agreeOnShape(ch, array, op, fault))) return fault.failed ? undefined : allreduceRecursiveDoubling(ch, value, op, fault);
  return ring(ch, array, op, fault);
}

/**
 * The agreement pass of the typed-array algorithms (ring, shared memory): true when every rank
 * passed a typed array of this type and length and none failed. Otherwise the caller returns
 * undefined if `fault` failed, else falls back to recursive doubling (see allreduceRing).
 */
export async function agreeOnShape(ch: CollChannel, array: TypedArray, op: Op, fault: Fault): Promise<boolean> {
  const agreed = await doubling(ch, { kind: 'ring', type: array[Symbol.toStringTag], length: array.length }, op, fault);
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
async function doubling(ch: CollChannel, mine: Part, op: Op, fault: Fault): Promise<Part> {
  const s = recursiveDoubling(ch.rank, ch.size);
  const pack = (p: Part): Packet[] => fault.message(() => [p.kind === 'value' ? fault.encode(p.value) : controlPacket(p)]);
  const unpack = (msg: Packet[]): Part | undefined => {
    if (fault.absorb(msg) || fault.failed) return undefined;
    if (isControlPacket(msg[0])) return readControl<Part>(msg[0]);
    const value = fault.decode(msg[0]);
    return fault.failed ? undefined : { kind: 'value', value };
  };
  const merge = (lower: Part, higher: Part): Part => {
    if (lower.kind === 'value' && higher.kind === 'value') return { kind: 'value', value: fault.apply(op, lower.value, higher.value) };
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
async function ring(ch: CollChannel, array: TypedArray, op: Op, fault: Fault): Promise<unknown> {
  const { rank, size } = ch;
  const { left, right } = ringNeighbours(rank, size);
  const n = array.length;
  const start = (i: number): number => Math.floor((i * n) / size);
  const chunk = (i: number): TypedArray => array.subarray(start(i), start(i + 1));
  // Reduce-scatter: in round s, pass on the partial of chunk rank-s, fold in chunk rank-s-1.
  let partial: unknown = chunk(rank);
  for (let s = 0; s < size - 1; s++) {
    const [, msg] = await Promise.all([
      ch.send(
        right,
        fault.message(() => [fault.encode(partial)]),
      ),
      ch.recv(left),
    ]);
    if (fault.absorb(msg) || fault.failed) continue;
    const got = fault.decode(msg[0]);
    if (!fault.failed) partial = fault.apply(op, got, chunk((rank - s - 1 + size) % size));
  }
  // Allgather: this rank holds chunk rank+1 complete; pass complete chunks on, undecoded.
  const done = new Array<Packet>(size);
  done[(rank + 1) % size] = fault.message(() => [fault.encode(partial)])[0];
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
  if (fault.failed) return undefined;
  // A plain array of the input's element type, as the built-in ops return (a Buffer gives a Uint8Array).
  const Ctor = (globalThis as unknown as Record<string, new (n: number) => TypedArray>)[array[Symbol.toStringTag]];
  const result = new Ctor(n);
  for (let i = 0; i < size && !fault.failed; i++) {
    const part = fault.decode(done[i]);
    try {
      (result as { set(a: unknown, at: number): void }).set(part, start(i));
    } catch (err) {
      fault.fail(err);
    }
  }
  return fault.failed ? undefined : result;
}
