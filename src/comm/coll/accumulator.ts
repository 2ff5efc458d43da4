/**
 * Where a reduction keeps its partial result. A built-in op on typed arrays of one type and
 * length writes each step into memory the call owns — the caller's recvbuf, memory borrowed
 * from the communicator's scratch pool, or one array allocated at the first step — instead of
 * a new array per step, so a solver loop that passes recvbuf allocates no array per call.
 * Anything else (other values, user ops, operands that do not match) goes through op.apply,
 * which also raises the error a mismatch deserves.
 *
 * One accumulator serves one chain of partials: each combine's result replaces the previous
 * one, so the memory holding the previous result is free to be written by the next step.
 * An operand that lies in that memory is written in place (element-wise kernels read element
 * i of both operands before writing element i of the result). The algorithm must not change
 * memory it sent before the send resolved; the algorithms await each round's send first.
 */
import { allocLike, type TypedArray } from '../ops/elementwise.js';
import type { Op } from '../ops/op.js';
import type { Fault } from './fault.js';
import type { ScratchPool } from './scratch-pool.js';

export interface AccumulatorMemory {
  /** The caller's recvbuf: the result goes there when it fits and overlaps no operand. */
  into?: TypedArray;
  /** Where intermediate memory comes from when the result is not the caller's (released at the end). */
  pool?: ScratchPool;
}

export class Accumulator {
  readonly #op: Op;
  readonly #fault: Fault;
  readonly #into: TypedArray | undefined;
  readonly #pool: ScratchPool | undefined;
  /** The memory this chain writes: a whole array whose first elements hold the current partial. */
  #owned: TypedArray | undefined;
  #borrowed = false;

  constructor(op: Op, fault: Fault, memory: AccumulatorMemory = {}) {
    this.#op = op;
    this.#fault = fault;
    this.#into = memory.into;
    this.#pool = memory.pool;
  }

  /** op(lower, higher), recording a throw as this rank's failure (undefined then). */
  combine(lower: unknown, higher: unknown): unknown {
    const applyInto = this.#op.applyInto;
    if (applyInto === undefined || !sameShape(lower, higher)) return this.#fault.apply(this.#op, lower, higher);
    const out = this.#memoryFor(lower as TypedArray, higher as TypedArray);
    try {
      applyInto(lower as TypedArray, higher as TypedArray, out);
    } catch (err) {
      this.#fault.fail(err);
      return undefined;
    }
    return out;
  }

  /** Gives borrowed memory back to the pool; a result that lives there must have been copied out. */
  release(): void {
    if (this.#borrowed) this.#pool!.giveBack(this.#owned!);
    this.#owned = undefined;
    this.#borrowed = false;
  }

  #memoryFor(lower: TypedArray, higher: TypedArray): TypedArray {
    const n = lower.length;
    const owned = this.#owned;
    if (owned !== undefined && sameType(owned, lower)) {
      if (inside(lower, owned)) return lower;
      if (inside(higher, owned)) return higher;
      if (owned.length >= n) return owned.subarray(0, n);
    }
    this.release();
    const into = this.#into;
    if (into !== undefined && sameType(into, lower) && into.length >= n && !overlaps(into, lower) && !overlaps(into, higher)) {
      this.#owned = into;
    } else if (this.#pool !== undefined) {
      this.#owned = this.#pool.borrow(lower, n);
      this.#borrowed = true;
    } else {
      this.#owned = allocLike(lower, n);
    }
    return this.#owned.length === n ? this.#owned : this.#owned.subarray(0, n);
  }
}

function sameType(a: TypedArray, b: TypedArray): boolean {
  return a[Symbol.toStringTag] === b[Symbol.toStringTag];
}

function sameShape(a: unknown, b: unknown): boolean {
  return (
    ArrayBuffer.isView(a) &&
    ArrayBuffer.isView(b) &&
    !(a instanceof DataView) &&
    !(b instanceof DataView) &&
    sameType(a as TypedArray, b as TypedArray) &&
    (a as TypedArray).length === (b as TypedArray).length
  );
}

/** True when `a` lies within `memory` (the same elements or a part of them). */
function inside(a: TypedArray, memory: TypedArray): boolean {
  return a.buffer === memory.buffer && a.byteOffset >= memory.byteOffset && a.byteOffset + a.byteLength <= memory.byteOffset + memory.byteLength;
}

function overlaps(a: TypedArray, b: TypedArray): boolean {
  return a.buffer === b.buffer && a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
}

/**
 * Memory for a result of `n` elements of `like`'s type that the call hands to the program: the
 * caller's recvbuf when it fits, else a new plain array (a Buffer's result is a Uint8Array, as
 * the built-in ops return). `like` is still to be read while the result is written unless
 * `likeDone`, so then a recvbuf that overlaps it does not fit.
 */
export function resultMemory(into: TypedArray | undefined, like: TypedArray, n: number, likeDone = false): TypedArray {
  if (fitsResult(into, like, n, likeDone)) return into.length === n ? into : into.subarray(0, n);
  return allocLike(like, n);
}

/** Whether `into` can take a result of `n` elements of `like`'s type (see resultMemory). */
export function fitsResult(into: TypedArray | undefined, like: TypedArray, n: number, likeDone = false): into is TypedArray {
  return into !== undefined && sameType(into, like) && into.length >= n && (likeDone || !overlaps(into, like));
}
