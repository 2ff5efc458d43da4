/**
 * The built-in reduction operations. All are commutative and associative, take numbers and
 * bigints without ever mixing the two (a number with a bigint has no exact result), and reject
 * anything else with a TypeError so a reduction can never turn into string concatenation.
 */
import { Errors } from '../errors.js';
import type { Op } from './op.js';
import {
  type Domain,
  type Kernel,
  type TypedArray,
  classify,
  compileKernel,
  isBigIntTypedArray,
  isTypedArray,
  liftArrays,
  liftTyped,
  typedArrayName,
  unify,
} from './elementwise.js';

/** How one element of a typed-array result is computed: source for speed, a function as fallback. */
interface ElementCode {
  readonly expr: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly fn: (x: any, y: any) => unknown;
}

interface Family extends Domain {
  /** The scalar combine for each scalar kind the domain names. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly combine: Readonly<Record<string, (x: any, y: any) => unknown>>;
  /** The element code for a typed array of this type; absent when the op takes no typed arrays. */
  readonly element?: (typeName: string, bigint: boolean) => ElementCode;
}

function makeOp(f: Family): Op {
  const anyCombine = Object.values(f.combine)[0];
  const kernels = new Map<string, Kernel>();
  const kernelFor = (a: TypedArray): Kernel => {
    const typeName = typedArrayName(a);
    let kernel = kernels.get(typeName);
    if (kernel === undefined) {
      const { expr, fn } = f.element!(typeName, isBigIntTypedArray(a));
      kernels.set(typeName, (kernel = compileKernel(expr, fn)));
    }
    return kernel;
  };
  return Object.freeze({
    name: f.name,
    commutative: true,
    check(value: unknown): void {
      classify(f, value);
    },
    applyInto(a: TypedArray, b: TypedArray, out: TypedArray): void {
      kernelFor(a)(a, b, out);
    },
    apply(a: unknown, b: unknown): unknown {
      const kind = unify(f, a, classify(f, a), b, classify(f, b));
      if (isTypedArray(a)) return liftTyped(f.name, a, b as TypedArray, kernelFor(a));
      if (kind.endsWith('[]')) {
        // Two empty lists have no element kind; any combine does, as it is never called.
        const combine = f.combine[kind.slice(0, -2)] ?? anyCombine;
        return liftArrays(f.name, a as unknown[], b as unknown[], combine);
      }
      return f.combine[kind](a, b);
    },
  });
}

const always = (): boolean => true;

function arithmetic(name: string, num: (x: number, y: number) => number, big: (x: bigint, y: bigint) => bigint, numExpr: string, bigExpr: string): Op {
  return makeOp({
    name,
    takes: 'it takes numbers, bigints, typed arrays and arrays of numbers',
    scalar: (v) => (typeof v === 'number' || typeof v === 'bigint' ? typeof v : undefined),
    typed: always,
    combine: { number: num, bigint: big },
    element: (typeName, bigint) => {
      if (bigint) return { expr: bigExpr, fn: big };
      // A 32-bit product can pass 2**53 and lose the low bits the wrapped result keeps.
      if (name === 'PROD' && (typeName === 'Int32Array' || typeName === 'Uint32Array')) {
        return { expr: 'Math.imul(a[i], b[i])', fn: Math.imul };
      }
      return { expr: numExpr, fn: num };
    },
  });
}

function logical(name: string, truth: (x: unknown, y: unknown) => boolean, truthExpr: string): Op {
  return makeOp({
    name,
    takes: 'it takes booleans, numbers, bigints, typed arrays and arrays of these',
    // One kind for all three, so `true` combines with `1`: only truthiness matters here.
    scalar: (v) => (typeof v === 'boolean' || typeof v === 'number' || typeof v === 'bigint' ? 'logical' : undefined),
    typed: always,
    combine: { logical: truth },
    element: (_, bigint) =>
      bigint
        ? { expr: `(${truthExpr} ? 1n : 0n)`, fn: (x, y) => (truth(x, y) ? 1n : 0n) }
        : { expr: `(${truthExpr} ? 1 : 0)`, fn: (x, y) => (truth(x, y) ? 1 : 0) },
  });
}

const FLOAT_ARRAYS = new Set(['Float32Array', 'Float64Array', 'Float16Array']);

function bitwise(name: string, int32: (x: number, y: number) => number, big: (x: bigint, y: bigint) => bigint, expr: string): Op {
  // JS bit operators truncate to 32 bits, so wider safe integers go through BigInt (still two's
  // complement); the result of two safe integers always fits a double exactly.
  const num = (x: number, y: number): number => ((x | 0) === x && (y | 0) === y ? int32(x, y) : Number(big(BigInt(x), BigInt(y))));
  return makeOp({
    name,
    takes: 'it takes safe integers, bigints, integer typed arrays and arrays of integers',
    scalar: (v) => (Number.isSafeInteger(v) ? 'number' : typeof v === 'bigint' ? 'bigint' : undefined),
    typed: (v) => !FLOAT_ARRAYS.has(typedArrayName(v)),
    combine: { number: num, bigint: big },
    // A Uint32Array element above 2**31 comes back signed from `&`; storing it wraps it back.
    element: (_, bigint) => ({ expr, fn: bigint ? big : int32 }),
  });
}

type Pair = [number | bigint, number];

function pairKind(v: unknown): string | undefined {
  if (!Array.isArray(v) || v.length !== 2 || !Number.isSafeInteger(v[1])) return undefined;
  const t = typeof v[0];
  return t === 'number' || t === 'bigint' ? `${t} pair` : undefined;
}

function showPair(v: unknown): string {
  return Array.isArray(v) && v.length === 2 && !Array.isArray(v[0]) && !Array.isArray(v[1])
    ? `[${Errors.describe(v[0])}, ${Errors.describe(v[1])}]`
    : Errors.describe(v);
}

function location(name: string, wins: (x: number | bigint, y: number | bigint) => boolean): Op {
  const pick = (a: Pair, b: Pair): Pair => {
    if (wins(a[0], b[0])) return [a[0], a[1]];
    if (wins(b[0], a[0])) return [b[0], b[1]];
    return a[1] <= b[1] ? [a[0], a[1]] : [b[0], b[1]];
  };
  return makeOp({
    name,
    takes: 'it takes a [value, index] pair (value a number or bigint, index an integer) or an array of such pairs',
    scalar: pairKind,
    typed: () => false,
    // [5, "x"] is a broken pair, not a list: report it whole.
    isList: (v) => v.length === 0 || Array.isArray(v[0]),
    show: showPair,
    combine: { 'number pair': pick, 'bigint pair': pick },
  });
}

/** Sum.
 * ```ts
 * SUM.apply(new Int8Array([127]), new Int8Array([1])); // Int8Array [-128]
 * ``` */
export const SUM = arithmetic(
  'SUM',
  (x, y) => x + y,
  (x, y) => x + y,
  'a[i] + b[i]',
  'a[i] + b[i]',
);
/** Product.
 * ```ts
 * PROD.apply([2, 3], [4, 5]); // [8, 15]
 * ``` */
export const PROD = arithmetic(
  'PROD',
  (x, y) => x * y,
  (x, y) => x * y,
  'a[i] * b[i]',
  'a[i] * b[i]',
);
/** Minimum; NaN wins as with `Math.min`.
 * ```ts
 * MIN.apply(3n, 2n); // 2n
 * ``` */
export const MIN = arithmetic('MIN', Math.min, (x, y) => (y < x ? y : x), 'Math.min(a[i], b[i])', '(b[i] < a[i] ? b[i] : a[i])');
/** Maximum; NaN wins as with `Math.max`.
 * ```ts
 * MAX.apply(new Float64Array([1, 5]), new Float64Array([4, 2])); // Float64Array [4, 5]
 * ``` */
export const MAX = arithmetic('MAX', Math.max, (x, y) => (y > x ? y : x), 'Math.max(a[i], b[i])', '(b[i] > a[i] ? b[i] : a[i])');
/** Logical and of truthiness, as booleans (typed arrays: 0/1 of their type).
 * ```ts
 * LAND.apply([true, 1], [0, true]); // [false, true]
 * ``` */
export const LAND = logical('LAND', (x, y) => !!x && !!y, 'a[i] && b[i]');
/** Logical or.
 * ```ts
 * LOR.apply(new Uint8Array([0, 7]), new Uint8Array([0, 0])); // Uint8Array [0, 1]
 * ``` */
export const LOR = logical('LOR', (x, y) => !!x || !!y, 'a[i] || b[i]');
/** Logical exclusive or.
 * ```ts
 * LXOR.apply(true, 1); // false
 * ``` */
export const LXOR = logical('LXOR', (x, y) => !x !== !y, '!a[i] !== !b[i]');
/** Bitwise and, two's complement for negatives, exact up to 2**53.
 * ```ts
 * BAND.apply(2 ** 40 + 3, 2 ** 40 + 6); // 2 ** 40 + 2
 * ``` */
export const BAND = bitwise(
  'BAND',
  (x, y) => x & y,
  (x, y) => x & y,
  'a[i] & b[i]',
);
/** Bitwise or.
 * ```ts
 * BOR.apply(-8, 3); // -5
 * ``` */
export const BOR = bitwise(
  'BOR',
  (x, y) => x | y,
  (x, y) => x | y,
  'a[i] | b[i]',
);
/** Bitwise exclusive or.
 * ```ts
 * BXOR.apply(0b1100n, 0b1010n); // 0b0110n
 * ``` */
export const BXOR = bitwise(
  'BXOR',
  (x, y) => x ^ y,
  (x, y) => x ^ y,
  'a[i] ^ b[i]',
);
/** The `[value, index]` pair with the smallest value; ties go to the lower index.
 * ```ts
 * MINLOC.apply([2, 5], [2, 1]); // [2, 1]
 * ``` */
export const MINLOC = location('MINLOC', (x, y) => x < y || (x !== x && y === y));
/** The `[value, index]` pair with the largest value; ties go to the lower index.
 * ```ts
 * MAXLOC.apply([[1, 0], [9, 0]], [[4, 1], [3, 1]]); // [[4, 1], [9, 0]]
 * ``` */
export const MAXLOC = location('MAXLOC', (x, y) => x > y || (x !== x && y === y));
