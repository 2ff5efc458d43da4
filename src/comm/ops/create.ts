/**
 * User-defined reduction operations, and the normalisation every collective applies to its
 * `op` argument so algorithms only ever see an `Op`.
 */
import { Errors } from '../errors.js';
import type { Op, OpLike } from './op.js';

/**
 * Makes an `Op` from an associative function. `a` holds lower ranks' contribution and `b`
 * higher ranks', so the function sees rank order. Only declare `commutative: true` if the order
 * really does not matter: it lets algorithms such as ring allreduce combine in any order.
 * The function should return a new value rather than modify its arguments.
 *
 * ```ts
 * const CONCAT = createOp((a: string[], b: string[]) => [...a, ...b]);
 * const GCD = createOp(gcd, { commutative: true });
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function createOp(fn: (a: any, b: any) => any, { commutative = false }: { commutative?: boolean } = {}): Op {
  if (typeof fn !== 'function') {
    throw new TypeError(`createOp: fn must be a function (a, b) => c, got ${Errors.describe(fn)}`);
  }
  if (typeof commutative !== 'boolean') {
    throw new TypeError(`createOp: commutative must be a boolean, got ${Errors.describe(commutative)}`);
  }
  return Object.freeze({
    name: fn.name || 'user-defined op',
    commutative,
    apply: (a: unknown, b: unknown): unknown => fn(a, b),
    // Only the function knows what it takes; it throws at apply time if anything.
    check: (): void => {},
  });
}

function isOp(value: unknown): value is Op {
  if (typeof value !== 'object' || value === null) return false;
  const op = value as Partial<Op>;
  return typeof op.apply === 'function' && typeof op.check === 'function' && typeof op.name === 'string' && typeof op.commutative === 'boolean';
}

/**
 * Normalises what a user passed as an op. A plain function counts as non-commutative, since
 * nothing says it is safe to reorder.
 *
 * ```ts
 * toOp(SUM) === SUM;                 // true
 * toOp((a, b) => a + b).commutative; // false
 * toOp('sum');                       // TypeError: op must be a built-in operation such as SUM ...
 * ```
 */
export function toOp(op: OpLike, argName = 'op'): Op {
  if (typeof op === 'function') return createOp(op);
  if (isOp(op)) return op;
  throw new TypeError(`${argName} must be a built-in operation such as SUM or a function (a, b) => c, got ${Errors.describe(op)}`);
}
