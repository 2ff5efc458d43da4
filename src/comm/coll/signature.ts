/**
 * The signature of one collective call: which collective, its root, and for reductions of typed
 * arrays the element type and length. Every message of a call carries it (as the envelope's
 * stamp), so a rank can tell on arrival that a peer is running a different collective at the
 * same step (coll/guard.ts) instead of hanging or mixing data.
 *
 * Packed into a Stamp, no strings on the message path:
 *   code = kind (bits 0..3) | element type (bits 4..7, 0 = not a typed array)
 *   a    = root, or kNone
 *   b    = typed-array length where ranks must agree on it, or kNone
 *
 * The four kind bits ran out with the second wave, so kind 13 stands for the "extended" kinds
 * (the variable-size collectives and reduce-scatter): `a` holds the extended kind in its top 8
 * bits and a 24-bit detail below: the root for scatterv/gatherv, a fingerprint of the counts
 * for reduceScatter (ranks must pass the same counts), else kNoDetail. A detail of kNoDetail
 * (counts this rank could not read: its own argument error, raised as such) agrees with any,
 * so a bad argument on one rank is reported as that rank's error rather than as a mismatch.
 */
import type { Stamp } from '../p2p/envelope.js';

export const kNone = 0xffffffff;

/** Kind codes (1..15); 15 is the guard's mismatch notice, not a collective. */
export const kKinds = ['', 'barrier', 'bcast', 'scatter', 'gather', 'allgather', 'alltoall', 'reduce', 'allreduce', 'scan', 'exscan', 'split', 'dup'] as const;
export type CollKind = Exclude<(typeof kKinds)[number], ''> | ExtendedKind;
export const kNoticeKind = 15;
const kExtendedKind = 13;
export const kExtendedKinds = ['', 'scatterv', 'gatherv', 'allgatherv', 'alltoallv', 'reduceScatterBlock', 'reduceScatter', 'allocateShared'] as const;
type ExtendedKind = Exclude<(typeof kExtendedKinds)[number], ''>;
const kExtendedCode = new Map<string, number>(kExtendedKinds.map((k, i) => [k, i]));
export const kNoDetail = 0xffffff;

const kKindCode = new Map<string, number>(kKinds.map((k, i) => [k, i]));

/** Element types (1..15) by the typed array's toStringTag (a Buffer is a Uint8Array here). */
const kElements = [
  '',
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
  'Float16Array',
] as const;
const kElementCode = new Map<string, number>(kElements.map((e, i) => [e, i]));

const typedArrayTag = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Int8Array.prototype), Symbol.toStringTag)!.get!;

/**
 * A call's signature; `root` -1 for collectives without one; `operand` where the element type
 * must agree (typed arrays), and its length too unless `lengthAgrees` is false; `detail` for an
 * extended kind without a root (a counts fingerprint).
 */
export function collSignature(kind: CollKind, root = -1, operand?: unknown, lengthAgrees = true, detail = kNoDetail): Stamp {
  const extended = kExtendedCode.get(kind);
  let code = extended === undefined ? kKindCode.get(kind)! : kExtendedKind;
  let length = kNone;
  if (ArrayBuffer.isView(operand)) {
    const tag = typedArrayTag.call(operand) as string | undefined; // undefined for a DataView
    const element = tag === undefined ? undefined : kElementCode.get(tag);
    if (element !== undefined) {
      code |= element << 4;
      if (lengthAgrees) length = (operand as unknown as { length: number }).length >>> 0;
    }
  }
  if (extended !== undefined) return { code, a: ((extended << 24) | ((root < 0 ? detail : root) & kNoDetail)) >>> 0, b: length };
  return { code, a: root < 0 ? kNone : root >>> 0, b: length };
}

/** A fingerprint of counts (24-bit FNV-1a of the numbers), for the stamp of reduceScatter. */
export function countsFingerprint(counts: readonly number[]): number {
  let h = 0x811c9dc5;
  for (const c of counts) {
    for (let x = c, i = 0; i < 7; i++, x = Math.floor(x / 256)) h = Math.imul(h ^ (x & 255), 16777619);
  }
  const fp = (h ^ (h >>> 24)) & kNoDetail;
  return fp === kNoDetail ? 0 : fp;
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
  if ((x.code & 15) !== (y.code & 15) || !sameTarget(x.a, y.a, x.code & 15)) return false;
  if (x.code === y.code) return x.b === y.b;
  return x.code >> 4 === 0 || y.code >> 4 === 0;
}

function sameTarget(a: number, b: number, kind: number): boolean {
  if (a === b) return true;
  return kind === kExtendedKind && a >>> 24 === b >>> 24 && ((a & kNoDetail) === kNoDetail || (b & kNoDetail) === kNoDetail);
}

/** How a call reads in an error: `bcast(root=0)`, `barrier()`, `allreduce(Float64Array of length 3)`. */
export function describeCall(s: Stamp): string {
  const args: string[] = [];
  const element = s.code >> 4;
  if (element !== 0) args.push(`${kElements[element] ?? 'a typed array'}${s.b === kNone ? '' : ` of length ${s.b}`}`);
  if ((s.code & 15) === kExtendedKind) {
    const kind = kExtendedKinds[s.a >>> 24] ?? `collective kind 13.${s.a >>> 24}`;
    const detail = s.a & kNoDetail;
    if (detail !== kNoDetail) args.push(kind === 'reduceScatter' ? `counts #${detail.toString(16).padStart(6, '0')}` : `root=${detail}`);
    return `${kind}(${args.join(', ')})`;
  }
  if (s.a !== kNone) args.push(`root=${s.a}`);
  return `${kKinds[s.code & 15] ?? `collective kind ${s.code & 15}`}(${args.join(', ')})`;
}
