/**
 * Lifting a scalar combine over arrays and typed arrays, plus the operand classification and
 * error wording the built-in ops share. Every combine here allocates its result and only reads
 * its operands, which is what lets collectives reuse a rank's buffer after a reduction.
 */
import { Errors } from '../errors.js';

/** The typed arrays of numbers (every one but the two of bigints). */
export type NumberTypedArray = Int8Array | Uint8Array | Uint8ClampedArray | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array;
/** The typed arrays of bigints. */
export type BigIntTypedArray = BigInt64Array | BigUint64Array;
/** Every typed-array type: these travel as raw bytes and reduce element-wise. */
export type TypedArray = NumberTypedArray | BigIntTypedArray;

type TypedArrayCtor = new (length: number) => TypedArray;
const CTORS: Record<string, TypedArrayCtor> = {
  Int8Array,
  Uint8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
};

/** True for every typed array (a `DataView` is a view too, but has no elements to combine). */
export function isTypedArray(value: unknown): value is TypedArray {
  return ArrayBuffer.isView(value) && !(value instanceof DataView);
}

/**
 * The element type's name, e.g. `'Float64Array'`. It comes from the intrinsic tag rather than
 * the constructor so a Node `Buffer` counts as the `Uint8Array` it is.
 */
export function typedArrayName(value: TypedArray): string {
  return value[Symbol.toStringTag];
}

export function isBigIntTypedArray(value: TypedArray): value is BigIntTypedArray {
  const name = typedArrayName(value);
  return name === 'BigInt64Array' || name === 'BigUint64Array';
}

/** A fresh zeroed typed array of `like`'s element type (a plain one even when `like` is a subclass). */
export function allocLike<T extends TypedArray>(like: T, length: number): T {
  const Ctor = CTORS[typedArrayName(like)] ?? (like.constructor as TypedArrayCtor);
  return new Ctor(length) as T;
}

/**
 * Throws the RangeError for operands of unequal length.
 *
 * ```ts
 * checkLengths('SUM', [1, 2, 3], [1, 2, 3, 4]); // RangeError: SUM: operands have different lengths (3 and 4)
 * ```
 */
export function checkLengths(name: string, a: ArrayLike<unknown>, b: ArrayLike<unknown>): void {
  if (a.length !== b.length) {
    throw new RangeError(`${name}: operands have different lengths (${a.length} and ${b.length})`);
  }
}

/**
 * Combines two plain arrays element by element into a new array.
 *
 * ```ts
 * liftArrays('SUM', [1, 2], [3, 4], (x, y) => x + y); // [4, 6]
 * ```
 */
export function liftArrays<T, R>(name: string, a: readonly T[], b: readonly T[], combine: (x: T, y: T) => R): R[] {
  checkLengths(name, a, b);
  const n = a.length;
  const out = new Array<R>(n);
  for (let i = 0; i < n; i++) out[i] = combine(a[i], b[i]);
  return out;
}

/** A loop writing `out[i]` from `a[i]` and `b[i]` for every index. */
export type Kernel = (a: TypedArray, b: TypedArray, out: TypedArray) => void;

/**
 * Compiles the loop `out[i] = <expr>` (over `a[i]`, `b[i]`) for one op and one element type.
 * V8 keeps type feedback per function, so one loop shared by every typed-array type goes
 * megamorphic and runs over ten times slower than a loop that only ever sees Float64Array; a
 * function compiled per type stays monomorphic. `expr` is always a constant of this package,
 * never user input. Where code generation from strings is disabled, `fallback(a[i], b[i])` serves.
 *
 * ```ts
 * const sum = compileKernel('a[i] + b[i]', (x, y) => x + y);
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function compileKernel(expr: string, fallback: (x: any, y: any) => unknown): Kernel {
  try {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    return new Function(
      'a',
      'b',
      'out',
      `'use strict';
      const n = out.length;
      for (let i = 0; i < n; i++) out[i] = ${expr};`,
    ) as Kernel;
  } catch {
    return (a, b, out) => {
      const o = out as unknown as { [i: number]: unknown };
      const n = out.length;
      for (let i = 0; i < n; i++) o[i] = fallback(a[i], b[i]);
    };
  }
}

/**
 * Combines two typed arrays of the same type into a new one of that type.
 *
 * ```ts
 * liftTyped('SUM', new Int8Array([127]), new Int8Array([1]), compileKernel('a[i] + b[i]', (x, y) => x + y));
 * // Int8Array [-128]
 * ```
 */
export function liftTyped<T extends TypedArray>(name: string, a: T, b: T, kernel: Kernel): T {
  checkLengths(name, a, b);
  const out = allocLike(a, a.length);
  kernel(a, b, out);
  return out;
}

/**
 * Which operands an op takes. `scalar` names the kind of a single value it accepts (operands
 * combine only with the same kind) or gives undefined.
 */
export interface Domain {
  readonly name: string;
  /** The end of every "cannot reduce" message, e.g. `it takes numbers, bigints, ...`. */
  readonly takes: string;
  scalar(value: unknown): string | undefined;
  typed(value: TypedArray): boolean;
  /** Whether a plain array that is not a scalar is meant as a list of scalars (default: yes). */
  isList?(value: readonly unknown[]): boolean;
  show?(value: unknown): string;
}

export function cannotReduce(d: Domain, value: unknown, where = ''): TypeError {
  const shown = d.show ? d.show(value) : Errors.describe(value);
  return new TypeError(`${d.name} cannot reduce ${shown}${where}: ${d.takes}`);
}

/**
 * The kind of one operand: a scalar kind, `<kind>[]` for a list of them, `[]` for an empty
 * list, or a typed array's name. Throws the TypeError for anything the domain does not take.
 */
export function classify(d: Domain, value: unknown): string {
  const kind = d.scalar(value);
  if (kind !== undefined) return kind;
  if (isTypedArray(value)) {
    if (d.typed(value)) return typedArrayName(value);
  } else if (Array.isArray(value) && (d.isList ? d.isList(value) : true)) {
    // Every element must be the first one's kind, so a list never mixes numbers and bigints.
    let first: string | undefined;
    for (let i = 0; i < value.length; i++) {
      const k = d.scalar(value[i]);
      if (k === undefined || (first !== undefined && k !== first)) {
        throw cannotReduce(d, value[i], ` at index ${i} of ${Errors.describe(value)}`);
      }
      first = k;
    }
    return first === undefined ? '[]' : `${first}[]`;
  }
  throw cannotReduce(d, value);
}

/** The kind two operands combine as; throws the TypeError when they are of different kinds. */
export function unify(d: Domain, a: unknown, ka: string, b: unknown, kb: string): string {
  if (ka === kb) return ka;
  const aList = ka.endsWith('[]');
  const bList = kb.endsWith('[]');
  // An empty list fits any list; the length check then decides.
  if (ka === '[]' && bList) return kb;
  if (kb === '[]' && aList) return ka;
  const show = (v: unknown, k: string): string => (aList && bList ? `an array of ${k.slice(0, -2)}s` : d.show ? d.show(v) : Errors.describe(v));
  const why = isTypedArray(a) && isTypedArray(b) ? 'typed arrays must be of the same type' : 'both operands must be of the same kind';
  throw new TypeError(`${d.name} cannot combine ${show(a, ka)} with ${show(b, kb)}: ${why}`);
}
