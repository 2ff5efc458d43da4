/**
 * allreduceSharedMemory — ranks on one host (the communicator has host memory), large typed
 * arrays, built-in element-wise ops. After the agreement pass of the ring (same type and
 * length everywhere, else the usual fallback), per chunk of the array:
 *   1. each rank copies its chunk into its slot of the host memory;       barrier
 *   2. rank r reduces the r-th part of the chunk over every slot, in rank order, into the
 *      result slot (each element reduced once, by one rank: identical on every rank);  barrier
 *   3. each rank copies the whole reduced chunk out for itself.
 * A closing barrier keeps any rank from writing the memory in its next call while another
 * still copies out. Each rank copies its array in and the result out once and combines 1/N of
 * the elements, against 2(N-1) point-to-point steps of the ring.
 *   Memory: N + 1 slots of one chunk, the chunk sized to keep them within kSharedBudgetBytes.
 *   N = 4, one chunk: slots v0 v1 v2 v3 | r; rank 1 computes r[¼..½) = v0+v1+v2+v3 there.
 */
import type { SharedTurn } from '../host-memory.js';
import type { TypedArray } from '../ops/elementwise.js';
import type { Op } from '../ops/op.js';
import { fitsResult } from './accumulator.js';
import { agreeOnShape, allreduceRecursiveDoubling, allreduceRing } from './allreduce.js';
import { barrierDissemination } from './barrier.js';
import type { CollChannel } from './channel.js';
import type { Fault } from './fault.js';

/** The host memory one call uses at most (all slots together). */
export const kSharedBudgetBytes = 64 * 1024 * 1024;

/** Elements reduced at a time: 64 KiB of doubles, well within a core's L2 cache. */
const kReduceBlock = 8192;

type ViewCtor = new (buffer: ArrayBufferLike, byteOffset: number, length: number) => TypedArray;

/** `into`: the caller's recvbuf, which takes the result when it fits (see resultMemory). */
export async function allreduceSharedMemory(ch: CollChannel, value: unknown, op: Op, fault: Fault, shared?: SharedTurn, into?: TypedArray): Promise<unknown> {
  const array = value as TypedArray;
  if (shared === undefined || op.applyInto === undefined) return allreduceRing(ch, value, op, fault, into);
  await shared.ready;
  if (!(await agreeOnShape(ch, array, op, fault))) return fault.failed ? undefined : allreduceRecursiveDoubling(ch, value, op, fault, into);
  return reduceThroughHost(ch, array, op, shared, 'all', into);
}

/**
 * The reduction proper, once the ranks agree on the array's type and length and it is this
 * call's turn: the result on every rank (`'all'`), or only on rank `at` (undefined elsewhere).
 */
export async function reduceThroughHost(
  ch: CollChannel,
  array: TypedArray,
  op: Op,
  shared: SharedTurn,
  at: number | 'all',
  into?: TypedArray,
): Promise<TypedArray | undefined> {
  const { rank, size } = ch;
  const applyInto = op.applyInto!;
  const width = array.BYTES_PER_ELEMENT;
  const n = array.length;
  // Whole multiples of 8 elements keep every slot aligned for any element type.
  const chunk = Math.max(8, Math.floor(kSharedBudgetBytes / (size + 1) / width / 8) * 8);
  const slotBytes = Math.min(n, chunk) * width;
  const memory = shared.scratch((size + 1) * slotBytes);
  const input = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
  // By the intrinsic tag: a Buffer's own constructor takes other arguments.
  const View = (globalThis as unknown as Record<string, ViewCtor>)[array[Symbol.toStringTag]];
  const wanted = at === 'all' || at === rank;
  // Every byte of the result is written below: memory that need not be zeroed first.
  const result = wanted && fitsResult(into, array, n) ? into.subarray(0, n) : undefined;
  const output =
    result !== undefined
      ? new Uint8Array(result.buffer, result.byteOffset, result.byteLength)
      : new Uint8Array(wanted ? shared.allocate(n * width) : new ArrayBuffer(0));
  for (let first = 0; first < n; first += chunk) {
    const m = Math.min(chunk, n - first);
    memory.set(input.subarray(first * width, (first + m) * width), rank * slotBytes);
    await barrierDissemination(ch);
    const lo = Math.floor((rank * m) / size);
    const hi = Math.floor(((rank + 1) * m) / size);
    // In blocks that stay in the CPU's cache while every slot is folded into them.
    for (let b = lo; b < hi; b += kReduceBlock) {
      const e = Math.min(hi, b + kReduceBlock);
      const slot = (s: number): TypedArray => new View(memory.buffer, memory.byteOffset + s * slotBytes + b * width, e - b);
      const out = slot(size);
      applyInto(slot(0), slot(1), out);
      for (let s = 2; s < size; s++) applyInto(out, slot(s), out);
    }
    await barrierDissemination(ch);
    if (wanted) output.set(memory.subarray(size * slotBytes, size * slotBytes + m * width), first * width);
  }
  await barrierDissemination(ch);
  if (!wanted) return undefined;
  return result ?? new View(output.buffer, 0, n);
}
