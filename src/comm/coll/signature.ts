/**
 * The signature of one collective call: which collective, its root, and for reductions of typed
 * arrays the element type and length. Every message of a call carries it (as the envelope's
 * stamp), so a rank can tell on arrival that a peer is running a different collective at the
 * same step (coll/guard.ts) instead of hanging or mixing data.
 *
 * Packed into a Stamp, no strings on the message path:
 *   code = kind (bits 0..3) | element type (bits 4..7, 0 = not a typed array)
 *   a    = root, or kNone
 *   b    = typed-array length, or kNone
 */
import type { Stamp } from '../p2p/envelope.js';

export const kNone = 0xffffffff;

/** Kind codes (1..15); 15 is the guard's mismatch notice, not a collective. */
export const kKinds = ['', 'barrier', 'bcast', 'scatter', 'gather', 'allgather', 'alltoall', 'reduce', 'allreduce', 'scan', 'exscan', 'split', 'dup'] as const;
export type CollKind = Exclude<(typeof kKinds)[number], ''>;
export const kNoticeKind = 15;

const kKindCode = new Map<string, number>(kKinds.map((k, i) => [k, i]));

/** Element types (1..15) by the typed array's toStringTag (a Buffer is a Uint8Array here). */
const kElements = [
  '', 'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array',
  'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array', 'Float16Array',
] as const;
const kElementCode = new Map<string, number>(kElements.map((e, i) => [e, i]));

const typedArrayTag = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Int8Array.prototype), Symbol.toStringTag)!.get!;

/** A call's signature; `root` -1 for collectives without one; `operand` only for reductions. */
export function collSignature(kind: CollKind, root = -1, operand?: unknown): Stamp {
  let code = kKindCode.get(kind)!;
  let length = kNone;
  if (ArrayBuffer.isView(operand)) {
    const tag = typedArrayTag.call(operand) as string | undefined; // undefined for a DataView
    const element = tag === undefined ? undefined : kElementCode.get(tag);
    if (element !== undefined) {
      code |= element << 4;
      length = (operand as unknown as { length: number }).length >>> 0;
    }
  }
  return { code, a: root < 0 ? kNone : root >>> 0, b: length };
}

export function kindOf(s: Stamp): number {
  return s.code & 15;
}

/**
 * Whether two ranks' calls can be the same step: same kind and root; typed-array reductions
 * also need the same element type and length. A typed array against some other operand is left
 * to the op's own operand check (a TypeError naming the bad value).
 */
export function sameCall(x: Stamp, y: Stamp): boolean {
  if (x.code === y.code) return x.a === y.a && x.b === y.b;
  return (x.code & 15) === (y.code & 15) && x.a === y.a && ((x.code >> 4) === 0 || (y.code >> 4) === 0);
}

/** How a call reads in an error: `bcast(root=0)`, `barrier()`, `allreduce(Float64Array of length 3)`. */
export function describeCall(s: Stamp): string {
  const args: string[] = [];
  const element = s.code >> 4;
  if (element !== 0) args.push(`${kElements[element] ?? 'a typed array'} of length ${s.b}`);
  if (s.a !== kNone) args.push(`root=${s.a}`);
  return `${kKinds[s.code & 15] ?? `collective kind ${s.code & 15}`}(${args.join(', ')})`;
}
