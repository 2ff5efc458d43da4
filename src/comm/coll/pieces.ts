/**
 * Typed arrays as pieces, for the variable-size collectives and reduce-scatter: the checks of
 * their arguments (each names the argument and the value), cutting an array into per-rank
 * packets on raw bytes (encoded once: every piece is a slice of one copy, forwarded as it is),
 * and joining received pieces into one array, fresh or the caller's `recvbuf`.
 */
import { Errors } from '../errors.js';
import { allocLike, isTypedArray, type TypedArray } from '../ops/elementwise.js';
import { decode, decodeShared, encode } from '../serialization/codec.js';
import { copyPacketInto, elementCode } from '../serialization/into.js';
import type { Packet } from '../serialization/packet.js';

/** `data` as a typed array, or the TypeError naming it. */
export function checkTyped(call: string, what: string, data: unknown): TypedArray {
  if (!isTypedArray(data)) throw new TypeError(`${call}: ${what} must be a typed array, got ${Errors.describe(data)}`);
  return data;
}

/** `counts` as `size` non-negative integers adding up to `total` elements of data, or the RangeError naming it. */
export function checkCounts(call: string, counts: unknown, size: number, total: number): number[] {
  if (!Array.isArray(counts) || counts.length !== size) {
    throw new RangeError(`${call}: counts must be an array of ${size} non-negative integers (one per rank), got ${Errors.describe(counts)}`);
  }
  let sum = 0;
  for (let i = 0; i < size; i++) {
    const c = counts[i] as unknown;
    if (!Number.isSafeInteger(c) || (c as number) < 0) throw new RangeError(`${call}: counts[${i}] must be a non-negative integer, got ${Errors.describe(c)}`);
    sum += c as number;
  }
  if (sum !== total) throw new RangeError(`${call}: counts add up to ${sum}, not the ${total} elements of data`);
  return counts as number[];
}

/** `recvbuf` when given: a typed array of data's element type, or the TypeError naming it. */
export function checkRecvbuf(call: string, recvbuf: unknown, like: TypedArray | undefined): TypedArray | undefined {
  if (recvbuf === undefined) return undefined;
  const code = elementCode(recvbuf);
  if (code === undefined) throw new TypeError(`${call}: recvbuf must be a typed array, got ${Errors.describe(recvbuf)}`);
  if (like !== undefined && code !== elementCode(like)) {
    throw new TypeError(
      `${call}: recvbuf is a ${(recvbuf as TypedArray)[Symbol.toStringTag]}, data a ${like[Symbol.toStringTag]}: they must hold the same element type`,
    );
  }
  return recvbuf as TypedArray;
}

/** Offsets of the pieces: displs[i] = counts[0] + ... + counts[i-1]; one more entry for the end. */
export function displacements(counts: readonly number[]): number[] {
  const displs = new Array<number>(counts.length + 1);
  displs[0] = 0;
  for (let i = 0; i < counts.length; i++) displs[i + 1] = displs[i] + counts[i];
  return displs;
}

/**
 * One packet per rank: piece i holds counts[i] elements, all slices of one captured copy, or
 * with `copy` false of `data` itself (for a channel whose sends copy; see CollChannel.sendCopies).
 */
export function cutPieces(data: TypedArray, counts: readonly number[], copy = true): Packet[] {
  const whole = encode(data, copy);
  const width = data.BYTES_PER_ELEMENT;
  const displs = displacements(counts);
  return counts.map((_, i) => ({ code: whole.code, bytes: whole.bytes.subarray(displs[i] * width, displs[i + 1] * width) }));
}

/** A fresh array of `like`'s type (a Buffer for a Buffer, as messages arrive). */
export function allocSame(like: TypedArray, length: number): TypedArray {
  return Buffer.isBuffer(like) ? Buffer.alloc(length) : allocLike(like, length);
}

/** `recvbuf` itself when `n` fills it, else a view of its first n elements. */
export function filled(recvbuf: TypedArray, n: number): TypedArray {
  return n === recvbuf.length ? recvbuf : recvbuf.subarray(0, n);
}

/**
 * Received pieces joined in order into one array of `like`'s type (or into `recvbuf`), with
 * each piece's element count. A piece of another element type is a TypeError; more than
 * `recvbuf` holds an MpiError ERR_TRUNCATE.
 */
export function joinPieces(call: string, pieces: readonly Packet[], like: TypedArray, recvbuf: TypedArray | undefined): { data: TypedArray; counts: number[] } {
  const width = like.BYTES_PER_ELEMENT;
  const counts = pieces.map((p) => p.bytes.length / width);
  const total = counts.reduce((a, b) => a + b, 0);
  if (recvbuf !== undefined && total > recvbuf.length) throw Errors.truncate(call, total, recvbuf.length);
  const out = recvbuf ?? allocSame(like, total);
  let at = 0;
  for (const p of pieces) at += copyPacketInto(out, p, at, call);
  return { data: recvbuf === undefined ? out : filled(recvbuf, total), counts };
}

/**
 * One received piece as this rank's result: into `recvbuf`, or a new array of the sender's type.
 * `shared`: the bytes are also being sent on (the root's own piece), so the result must not be
 * a view on them.
 */
export function ownPiece(call: string, piece: Packet, recvbuf: TypedArray | undefined, shared: boolean): TypedArray {
  if (recvbuf !== undefined) return filled(recvbuf, copyPacketInto(recvbuf, piece, 0, call));
  return (shared ? decodeShared(piece) : decode(piece)) as TypedArray;
}
