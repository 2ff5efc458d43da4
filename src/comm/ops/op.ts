import type { TypedArray } from './elementwise.js';

/**
 * A reduction operation. Collectives call `apply(a, b)` with `a` holding the contribution of
 * lower ranks and `b` that of higher ranks, so a non-commutative op sees rank order.
 */
export interface Op {
  /** How errors and traces name it (`SUM`, or the function's name for a created op). */
  readonly name: string;
  /** True lets algorithms combine in any order (ring allreduce needs it). */
  readonly commutative: boolean;
  /**
   * Combines two operands into a new value; never modifies `a` or `b`.
   * Throws TypeError for an operand the op does not take, RangeError for unequal lengths.
   */
  apply(a: unknown, b: unknown): unknown;
  /** Checks one operand on its own, before anything is sent; throws TypeError if the op cannot take it. */
  check(value: unknown): void;
  /**
   * Built-ins only: `out[i] = a[i] op b[i]` for typed arrays of one type and length, writing
   * into `out` (which may be `a`): for reductions into memory that is not theirs to allocate.
   */
  readonly applyInto?: (a: TypedArray, b: TypedArray, out: TypedArray) => void;
}

/** What users may pass where an op is expected: a built-in, an Op made by `createOp`, or a plain function. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type OpLike = Op | ((a: any, b: any) => any);
