/**
 * Argument checks of allocateShared, made before anything is sent or mapped, naming the
 * argument and what it got (the style of validate.ts).
 */
import { Errors } from '../errors.js';
import type { TypedArray } from '../ops/elementwise.js';

/** A constructor of one of the typed arrays a shared block can be viewed as. */
export type TypedArrayConstructor<A extends TypedArray = TypedArray> = {
  new (buffer: ArrayBuffer, byteOffset?: number, length?: number): A;
  new (length: number): A;
  readonly BYTES_PER_ELEMENT: number;
  readonly name: string;
};

const kTypedArrayConstructors: ReadonlySet<unknown> = new Set<unknown>([
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
  ...('Float16Array' in globalThis ? [(globalThis as Record<string, unknown>).Float16Array] : []),
]);

/** Mapping limit of the native part (native/shm.cc mapShared): 64 TiB. */
export const kMaxSharedBytes = 2 ** 46;

/** Throws a TypeError for a `ctor` that is not a typed-array constructor, a RangeError for a bad `length`. */
export function checkSharedArguments(ctor: unknown, length: unknown): asserts ctor is TypedArrayConstructor {
  if (!kTypedArrayConstructors.has(ctor)) {
    throw new TypeError(`allocateShared: ctor must be a typed-array constructor such as Float64Array or Int32Array, got ${describeCtor(ctor)}`);
  }
  if (typeof length !== 'number' || !Number.isInteger(length) || length < 0) {
    throw new RangeError(`allocateShared: length must be a non-negative integer number of elements, got ${Errors.describe(length)}`);
  }
  const bytes = length * (ctor as TypedArrayConstructor).BYTES_PER_ELEMENT;
  if (bytes > kMaxSharedBytes) {
    throw new RangeError(
      `allocateShared: length ${length} of ${(ctor as TypedArrayConstructor).name} is ${bytes} bytes, more than the ${kMaxSharedBytes} a shared block may have`,
    );
  }
}

function describeCtor(ctor: unknown): string {
  return typeof ctor === 'function' && ctor.name !== '' ? `the function ${ctor.name}` : Errors.describe(ctor);
}
