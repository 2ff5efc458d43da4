import { describe, it, expect } from 'vitest';
import { SUM, PROD, MIN, MAX, LAND, LOR, LXOR, BAND, BOR, BXOR, MINLOC, MAXLOC } from '../../../../src/comm/ops/builtin.js';
import type { Op } from '../../../../src/comm/ops/op.js';
import { Errors } from '../../../../src/comm/errors.js';
import { compileKernel } from '../../../../src/comm/ops/elementwise.js';

const ALL = { SUM, PROD, MIN, MAX, LAND, LOR, LXOR, BAND, BOR, BXOR, MINLOC, MAXLOC };
const ARITH = { SUM, PROD, MIN, MAX };
const LOGIC = { LAND, LOR, LXOR };
const BITS = { BAND, BOR, BXOR };

const NUMBER_ARRAYS = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array] as const;
const INT_ARRAYS = NUMBER_ARRAYS.filter((C) => C !== Float32Array && C !== Float64Array);
const BIGINT_ARRAYS = [BigInt64Array, BigUint64Array] as const;

const ARITH_TAKES = 'it takes numbers, bigints, typed arrays and arrays of numbers';
const BITS_TAKES = 'it takes safe integers, bigints, integer typed arrays and arrays of integers';
const LOC_TAKES = 'it takes a [value, index] pair (value a number or bigint, index an integer) or an array of such pairs';

/** Runs `apply` and checks that neither operand changed, so every test also covers that. */
function apply(op: Op, a: unknown, b: unknown): unknown {
  const [ca, cb] = [structuredClone(a), structuredClone(b)];
  const result = op.apply(a, b);
  expect(a).toStrictEqual(ca);
  expect(b).toStrictEqual(cb);
  if (typeof result === 'object' && result !== null) {
    expect(result).not.toBe(a);
    expect(result).not.toBe(b);
  }
  return result;
}

/** Exact integer results, as a reference independent of the implementation. */
const EXACT: Record<string, (x: bigint, y: bigint) => bigint> = {
  SUM: (x, y) => x + y,
  PROD: (x, y) => x * y,
  MIN: (x, y) => (x < y ? x : y),
  MAX: (x, y) => (x > y ? x : y),
  BAND: (x, y) => x & y,
  BOR: (x, y) => x | y,
  BXOR: (x, y) => x ^ y,
};
const FLOAT: Record<string, (x: number, y: number) => number> = {
  SUM: (x, y) => x + y,
  PROD: (x, y) => x * y,
  MIN: Math.min,
  MAX: Math.max,
};
const SAMPLE = [0, 1, -1, 2, 7, 127, -128, 255, 300, 32767, -32768, 65535, 2 ** 31 - 1, -(2 ** 31), 2 ** 32 - 1, 65537];
const BIG_SAMPLE = [0n, 1n, -1n, 2n, 7n, 2n ** 32n + 5n, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 64n - 1n, 3n ** 30n];

describe('built-in ops', () => {
  it('are named after their constant, commutative and frozen', () => {
    for (const [name, op] of Object.entries(ALL)) {
      expect(op.name).toBe(name);
      expect(op.commutative).toBe(true);
      expect(Object.isFrozen(op)).toBe(true);
    }
  });
});

describe('SUM, PROD, MIN, MAX', () => {
  it('combine numbers', () => {
    expect(apply(SUM, 2, 3)).toBe(5);
    expect(apply(SUM, 0.1, 0.2)).toBe(0.1 + 0.2);
    expect(apply(PROD, 6, -7)).toBe(-42);
    expect(apply(MIN, 2, -3)).toBe(-3);
    expect(apply(MAX, 2, -3)).toBe(2);
  });

  it('follow Math.min and Math.max for NaN and signed zeros', () => {
    expect(apply(MIN, NaN, 1)).toBeNaN();
    expect(apply(MIN, 1, NaN)).toBeNaN();
    expect(apply(MAX, NaN, 1)).toBeNaN();
    expect(Object.is(apply(MIN, 0, -0), -0)).toBe(true);
    expect(Object.is(apply(MAX, -0, 0), 0)).toBe(true);
    expect(apply(MIN, new Float64Array([NaN, 1]), new Float64Array([1, NaN]))).toStrictEqual(new Float64Array([NaN, NaN]));
    expect(apply(MAX, [NaN, 2], [1, 3])).toStrictEqual([NaN, 3]);
  });

  it('combine bigints exactly', () => {
    expect(apply(SUM, 2n ** 70n, 1n)).toBe(2n ** 70n + 1n);
    expect(apply(PROD, 2n ** 40n, -(2n ** 40n))).toBe(-(2n ** 80n));
    expect(apply(MIN, -5n, 3n)).toBe(-5n);
    expect(apply(MAX, -5n, 3n)).toBe(3n);
  });

  it('refuse a number with a bigint', () => {
    expect(() => SUM.apply(1, 2n)).toThrow(new TypeError('SUM cannot combine 1 with 2n (bigint): both operands must be of the same kind'));
    for (const op of Object.values(ARITH)) {
      expect(() => op.apply(1n, 2)).toThrow(TypeError);
    }
  });

  it('combine arrays of numbers and arrays of bigints element-wise', () => {
    expect(apply(SUM, [1, 2, 3], [10, 20, 30])).toStrictEqual([11, 22, 33]);
    expect(apply(PROD, [1, 2, 3], [10, 20, 30])).toStrictEqual([10, 40, 90]);
    expect(apply(MIN, [1, 25, 3], [10, 20, 30])).toStrictEqual([1, 20, 3]);
    expect(apply(MAX, [1, 25, 3], [10, 20, 30])).toStrictEqual([10, 25, 30]);
    expect(apply(SUM, [1n, 2n], [2n ** 64n, 3n])).toStrictEqual([2n ** 64n + 1n, 5n]);
    expect(apply(MAX, [1n, 2n], [0n, 3n])).toStrictEqual([1n, 3n]);
    expect(apply(SUM, [], [])).toStrictEqual([]);
  });

  it('reject arrays mixing numbers and bigints, within or across operands', () => {
    expect(() => SUM.apply([1, 2n], [1, 2])).toThrow(new TypeError(`SUM cannot reduce 2n (bigint) at index 1 of an array of length 2: ${ARITH_TAKES}`));
    expect(() => SUM.apply([1, 2], [1n, 2n])).toThrow(
      new TypeError('SUM cannot combine an array of numbers with an array of bigints: both operands must be of the same kind'),
    );
  });

  it('throw a RangeError naming both lengths for unequal arrays and typed arrays', () => {
    expect(() => SUM.apply([1, 2, 3], [1, 2, 3, 4])).toThrow(new RangeError('SUM: operands have different lengths (3 and 4)'));
    expect(() => MAX.apply(new Float64Array(5), new Float64Array(2))).toThrow(new RangeError('MAX: operands have different lengths (5 and 2)'));
    expect(() => PROD.apply([], [1])).toThrow(new RangeError('PROD: operands have different lengths (0 and 1)'));
  });

  it('combine every number typed-array type, wrapping or rounding as assignment does', () => {
    for (const C of NUMBER_ARRAYS) {
      const a = new C(SAMPLE);
      const b = new C([...SAMPLE].reverse());
      const float = C === Float32Array || C === Float64Array;
      for (const [name, op] of Object.entries(ARITH)) {
        const expected = new C(a.length);
        for (let i = 0; i < a.length; i++) {
          // Going through BigInt keeps the low 32 bits of a product exact, as integer types must.
          expected[i] = float ? FLOAT[name](a[i], b[i]) : Number(BigInt.asIntN(32, EXACT[name](BigInt(a[i]), BigInt(b[i]))));
        }
        const result = apply(op, a, b);
        expect(result, `${name} ${C.name}`).toBeInstanceOf(C);
        expect(result, `${name} ${C.name}`).toStrictEqual(expected);
      }
    }
  });

  it('combine BigInt64Array and BigUint64Array with bigint arithmetic, wrapping', () => {
    for (const C of BIGINT_ARRAYS) {
      const a = new C(BIG_SAMPLE);
      const b = new C([...BIG_SAMPLE].reverse());
      for (const [name, op] of Object.entries(ARITH)) {
        const expected = new C(a.length);
        for (let i = 0; i < a.length; i++) expected[i] = EXACT[name](a[i], b[i]);
        expect(apply(op, a, b), `${name} ${C.name}`).toStrictEqual(expected);
      }
    }
  });

  it('wrap and round in the documented cases', () => {
    expect(apply(SUM, new Int8Array([127]), new Int8Array([1]))).toStrictEqual(new Int8Array([-128]));
    expect(apply(SUM, new Uint8Array([255]), new Uint8Array([1]))).toStrictEqual(new Uint8Array([0]));
    expect(apply(SUM, new Uint8ClampedArray([250]), new Uint8ClampedArray([10]))).toStrictEqual(new Uint8ClampedArray([255]));
    expect(apply(PROD, new Uint8ClampedArray([20]), new Uint8ClampedArray([20]))).toStrictEqual(new Uint8ClampedArray([255]));
    expect(apply(SUM, new Int16Array([32767]), new Int16Array([1]))).toStrictEqual(new Int16Array([-32768]));
    expect(apply(SUM, new Int32Array([2 ** 31 - 1]), new Int32Array([1]))).toStrictEqual(new Int32Array([-(2 ** 31)]));
    expect(apply(SUM, new Uint32Array([2 ** 32 - 1]), new Uint32Array([2]))).toStrictEqual(new Uint32Array([1]));
    // (2**31 - 1)**2 = 2**62 - 2**32 + 1: as a double the final +1 is lost.
    expect(apply(PROD, new Int32Array([2 ** 31 - 1]), new Int32Array([2 ** 31 - 1]))).toStrictEqual(new Int32Array([1]));
    expect(apply(PROD, new Uint32Array([2 ** 32 - 1]), new Uint32Array([2 ** 32 - 1]))).toStrictEqual(new Uint32Array([1]));
    expect((apply(SUM, new Float32Array([0.1]), new Float32Array([0.2])) as Float32Array)[0]).toBe(Math.fround(Math.fround(0.1) + Math.fround(0.2)));
    expect(apply(SUM, new BigInt64Array([2n ** 63n - 1n]), new BigInt64Array([1n]))).toStrictEqual(new BigInt64Array([-(2n ** 63n)]));
    expect(apply(SUM, new BigUint64Array([2n ** 64n - 1n]), new BigUint64Array([1n]))).toStrictEqual(new BigUint64Array([0n]));
  });

  it('take views at an offset, a Buffer as a Uint8Array, and empty typed arrays', () => {
    const base = new Float64Array([1, 2, 3, 4, 5]);
    expect(apply(SUM, base.subarray(1, 3), base.subarray(3, 5))).toStrictEqual(new Float64Array([6, 8]));
    const buffer = Buffer.from([250, 1]);
    const fromBuffer = SUM.apply(buffer, new Uint8Array([10, 1]));
    expect(fromBuffer).toStrictEqual(new Uint8Array([4, 2]));
    expect([...buffer]).toStrictEqual([250, 1]);
    expect(Buffer.isBuffer(fromBuffer)).toBe(false);
    expect(apply(MIN, new Int16Array(0), new Int16Array(0))).toStrictEqual(new Int16Array(0));
  });

  it('refuse typed arrays of different types', () => {
    expect(() => SUM.apply(new Float64Array(2), new Float32Array(2))).toThrow(
      new TypeError('SUM cannot combine a Float64Array with a Float32Array: typed arrays must be of the same type'),
    );
    expect(() => MAX.apply(new Int32Array(2), new Uint32Array(2))).toThrow(TypeError);
    expect(() => SUM.apply(new BigInt64Array(1), new BigUint64Array(1))).toThrow(TypeError);
  });

  it('refuse mixing kinds: scalars with arrays, arrays with typed arrays', () => {
    expect(() => SUM.apply(1, [1])).toThrow(new TypeError('SUM cannot combine 1 with an array of length 1: both operands must be of the same kind'));
    expect(() => SUM.apply([1, 2], new Float64Array(2))).toThrow(TypeError);
    expect(() => SUM.apply(new Int8Array(1), 1)).toThrow(TypeError);
  });

  const rejected = ['abc', true, null, undefined, {}, new DataView(new ArrayBuffer(8)), new ArrayBuffer(8), new Map(), Symbol('s'), () => 1, new Date(0)];

  it('reject every other operand, in either position and in check, with the literal message', () => {
    for (const [name, op] of Object.entries(ARITH)) {
      for (const value of rejected) {
        const error = new TypeError(`${name} cannot reduce ${Errors.describe(value)}: ${ARITH_TAKES}`);
        expect(() => op.apply(value, 1)).toThrow(error);
        expect(() => op.apply(1, value)).toThrow(error);
        expect(() => op.check(value)).toThrow(error);
      }
    }
    expect(() => SUM.apply('abc', 'def')).toThrow(
      new TypeError('SUM cannot reduce "abc" (string): it takes numbers, bigints, typed arrays and arrays of numbers'),
    );
    // Op.apply(a, b), not Function.prototype.apply.
    // eslint-disable-next-line prefer-spread
    expect(() => PROD.apply(null, 1)).toThrow(new TypeError(`PROD cannot reduce null: ${ARITH_TAKES}`));
    expect(() => MIN.check(undefined)).toThrow(new TypeError(`MIN cannot reduce undefined: ${ARITH_TAKES}`));
    expect(() => MAX.apply(1, new DataView(new ArrayBuffer(8)))).toThrow(new TypeError(`MAX cannot reduce a DataView: ${ARITH_TAKES}`));
  });

  it('reject arrays holding anything but numbers or bigints, naming the element', () => {
    expect(() => SUM.apply([1, 'x', 3], [1, 2, 3])).toThrow(new TypeError(`SUM cannot reduce "x" (string) at index 1 of an array of length 3: ${ARITH_TAKES}`));
    expect(() => PROD.apply([[1], [2]], [[1], [2]])).toThrow(
      new TypeError(`PROD cannot reduce an array of length 1 at index 0 of an array of length 2: ${ARITH_TAKES}`),
    );
    // eslint-disable-next-line no-sparse-arrays
    expect(() => MIN.check([1, , 3])).toThrow(`MIN cannot reduce undefined at index 1 of an array of length 3`);
    expect(() => MAX.check([true])).toThrow(TypeError);
    expect(() => SUM.check([new Float64Array(1)])).toThrow(TypeError);
  });

  it('check accepts every operand kind apply takes', () => {
    for (const op of Object.values(ARITH)) {
      for (const value of [1, NaN, 2n, [], [1, 2], [1n], new Float64Array(3), new BigUint64Array(1), new Uint8ClampedArray(1)]) {
        expect(() => op.check(value)).not.toThrow();
      }
    }
  });
});

describe('LAND, LOR, LXOR', () => {
  const truth = { LAND: (x: boolean, y: boolean) => x && y, LOR: (x: boolean, y: boolean) => x || y, LXOR: (x: boolean, y: boolean) => x !== y };

  it('follow their truth tables on booleans', () => {
    for (const [name, op] of Object.entries(LOGIC)) {
      for (const x of [false, true]) {
        for (const y of [false, true]) expect(apply(op, x, y), `${name} ${x} ${y}`).toBe(truth[name as keyof typeof truth](x, y));
      }
    }
  });

  it('take numbers and bigints by truthiness and give booleans', () => {
    expect(apply(LAND, 2, -3)).toBe(true);
    expect(apply(LAND, 2, 0)).toBe(false);
    expect(apply(LAND, 1, NaN)).toBe(false);
    expect(apply(LOR, 0, -0)).toBe(false);
    expect(apply(LOR, 0, 0.5)).toBe(true);
    expect(apply(LXOR, 5, 7)).toBe(false);
    expect(apply(LXOR, 5n, 0n)).toBe(true);
    expect(apply(LAND, true, 1)).toBe(true);
    expect(apply(LOR, false, 0n)).toBe(false);
  });

  it('combine arrays element-wise into arrays of booleans', () => {
    expect(apply(LAND, [true, 1, 0, 2n], [1, true, true, 0n])).toStrictEqual([true, true, false, false]);
    expect(apply(LOR, [0, 0, 1], [false, 3, 0])).toStrictEqual([false, true, true]);
    expect(apply(LXOR, [true, true, false], [true, false, false])).toStrictEqual([false, true, false]);
    expect(() => LAND.apply([true], [true, false])).toThrow(new RangeError('LAND: operands have different lengths (1 and 2)'));
  });

  it('give typed arrays of the same type holding 0 and 1', () => {
    for (const C of NUMBER_ARRAYS) {
      const a = new C([0, 0, 3, 5]);
      const b = new C([0, 2, 0, 7]);
      expect(apply(LAND, a, b), C.name).toStrictEqual(new C([0, 0, 0, 1]));
      expect(apply(LOR, a, b), C.name).toStrictEqual(new C([0, 1, 1, 1]));
      expect(apply(LXOR, a, b), C.name).toStrictEqual(new C([0, 1, 1, 0]));
    }
    expect(apply(LAND, new Float64Array([NaN, -0.5]), new Float64Array([1, 1]))).toStrictEqual(new Float64Array([0, 1]));
  });

  it('give BigInt typed arrays holding 0n and 1n', () => {
    for (const C of BIGINT_ARRAYS) {
      const a = new C([0n, 0n, 3n, 5n]);
      const b = new C([0n, 2n, 0n, 7n]);
      expect(apply(LAND, a, b)).toStrictEqual(new C([0n, 0n, 0n, 1n]));
      expect(apply(LOR, a, b)).toStrictEqual(new C([0n, 1n, 1n, 1n]));
      expect(apply(LXOR, a, b)).toStrictEqual(new C([0n, 1n, 1n, 0n]));
    }
  });

  it('reject everything else', () => {
    const takes = 'it takes booleans, numbers, bigints, typed arrays and arrays of these';
    expect(() => LAND.apply('yes', true)).toThrow(new TypeError(`LAND cannot reduce "yes" (string): ${takes}`));
    expect(() => LOR.check(['a'])).toThrow(new TypeError(`LOR cannot reduce "a" (string) at index 0 of an array of length 1: ${takes}`));
    for (const op of Object.values(LOGIC)) {
      for (const value of [null, undefined, {}, 'x', new DataView(new ArrayBuffer(1)), [[true]], [null]]) {
        expect(() => op.apply(value, true)).toThrow(TypeError);
        expect(() => op.check(value)).toThrow(TypeError);
      }
      expect(() => op.apply(new Uint8Array(1), new Int8Array(1))).toThrow(TypeError);
      expect(() => op.apply(true, [true])).toThrow(TypeError);
    }
  });
});

describe('BAND, BOR, BXOR', () => {
  const pairs: [number, number][] = [
    [12, 10],
    [-1, 5],
    [-8, 3],
    [2 ** 40 + 3, 2 ** 40 + 6],
    [-(2 ** 40), 2 ** 41 - 1],
    [2 ** 31, 2 ** 31 + 1],
    [Number.MAX_SAFE_INTEGER, -1],
    [Number.MIN_SAFE_INTEGER, 12345],
    [-(2 ** 45) - 7, 2 ** 33 + 9],
    [0, -0],
  ];

  it("combine safe integers exactly in two's complement, beyond 32 bits", () => {
    for (const [name, op] of Object.entries(BITS)) {
      for (const [x, y] of pairs) {
        expect(apply(op, x, y), `${name} ${x} ${y}`).toBe(Number(EXACT[name](BigInt(x), BigInt(y))));
      }
    }
    expect(apply(BAND, 2 ** 40 + 3, 2 ** 40 + 6)).toBe(2 ** 40 + 2);
    expect(apply(BOR, -8, 3)).toBe(-5);
    expect(apply(BXOR, -1, 2 ** 40)).toBe(-(2 ** 40) - 1);
    expect(apply(BAND, -1, 2 ** 52 + 1)).toBe(2 ** 52 + 1);
  });

  it('combine bigints', () => {
    expect(apply(BOR, 2n ** 100n, 1n)).toBe(2n ** 100n + 1n);
    expect(apply(BAND, -1n, 2n ** 100n)).toBe(2n ** 100n);
    expect(apply(BXOR, 0b1100n, 0b1010n)).toBe(0b0110n);
  });

  it('combine arrays of safe integers and arrays of bigints', () => {
    expect(apply(BAND, [12, -1, 2 ** 40 + 1], [10, 7, 2 ** 40 + 3])).toStrictEqual([8, 7, 2 ** 40 + 1]);
    expect(apply(BXOR, [1n, -1n], [3n, 0n])).toStrictEqual([2n, -1n]);
    expect(() => BOR.apply([1, 2], [1])).toThrow(new RangeError('BOR: operands have different lengths (2 and 1)'));
  });

  it('combine every integer typed-array type', () => {
    for (const C of INT_ARRAYS) {
      const a = new C(SAMPLE);
      const b = new C([...SAMPLE].reverse());
      for (const [name, op] of Object.entries(BITS)) {
        const expected = new C(a.length);
        for (let i = 0; i < a.length; i++) expected[i] = Number(EXACT[name](BigInt(a[i]), BigInt(b[i])));
        const result = apply(op, a, b);
        expect(result, `${name} ${C.name}`).toBeInstanceOf(C);
        expect(result, `${name} ${C.name}`).toStrictEqual(expected);
      }
    }
    expect(apply(BAND, new Uint32Array([0xffffffff]), new Uint32Array([0xf0f0f0f0]))).toStrictEqual(new Uint32Array([0xf0f0f0f0]));
    for (const C of BIGINT_ARRAYS) {
      const a = new C(BIG_SAMPLE);
      const b = new C([...BIG_SAMPLE].reverse());
      for (const [name, op] of Object.entries(BITS)) {
        const expected = new C(a.length);
        for (let i = 0; i < a.length; i++) expected[i] = EXACT[name](a[i], b[i]);
        expect(apply(op, a, b), `${name} ${C.name}`).toStrictEqual(expected);
      }
    }
  });

  it('reject non-integers, float typed arrays and mixed kinds', () => {
    expect(() => BAND.apply(1.5, 3)).toThrow(new TypeError(`BAND cannot reduce 1.5: ${BITS_TAKES}`));
    expect(() => BOR.apply(new Float64Array(1), new Float64Array(1))).toThrow(new TypeError(`BOR cannot reduce a Float64Array: ${BITS_TAKES}`));
    expect(() => BXOR.check([1, 2.5])).toThrow(new TypeError(`BXOR cannot reduce 2.5 at index 1 of an array of length 2: ${BITS_TAKES}`));
    for (const op of Object.values(BITS)) {
      for (const value of [NaN, Infinity, 2 ** 53, -(2 ** 53), true, '3', null, [1n, 2], new Float32Array(1), new ArrayBuffer(1)]) {
        expect(() => op.apply(value, 1), String(value)).toThrow(TypeError);
        expect(() => op.check(value), String(value)).toThrow(TypeError);
      }
      expect(() => op.apply(1, 1n)).toThrow(TypeError);
      expect(() => op.apply(new Int8Array(1), new Uint8Array(1))).toThrow(TypeError);
    }
  });
});

describe('MINLOC, MAXLOC', () => {
  it('pick the pair with the extreme value', () => {
    expect(apply(MINLOC, [3, 0], [2, 1])).toStrictEqual([2, 1]);
    expect(apply(MAXLOC, [3, 0], [2, 1])).toStrictEqual([3, 0]);
    expect(apply(MINLOC, [-1.5, 4], [2, 1])).toStrictEqual([-1.5, 4]);
    expect(apply(MAXLOC, [2n ** 70n, 2], [5n, 1])).toStrictEqual([2n ** 70n, 2]);
  });

  it('break ties toward the lower index, whichever side holds it', () => {
    for (const op of [MINLOC, MAXLOC]) {
      expect(apply(op, [2, 5], [2, 1])).toStrictEqual([2, 1]);
      expect(apply(op, [2, 1], [2, 5])).toStrictEqual([2, 1]);
      expect(apply(op, [7n, 9], [7n, 3])).toStrictEqual([7n, 3]);
    }
  });

  it('let NaN win as MIN and MAX do', () => {
    expect(apply(MINLOC, [1, 0], [NaN, 3])).toStrictEqual([NaN, 3]);
    expect(apply(MAXLOC, [NaN, 2], [1, 0])).toStrictEqual([NaN, 2]);
    expect(apply(MINLOC, [NaN, 2], [NaN, 1])).toStrictEqual([NaN, 1]);
  });

  it('combine arrays of pairs element-wise', () => {
    const a = [
      [1, 0],
      [9, 0],
      [4, 0],
    ];
    const b = [
      [4, 1],
      [3, 1],
      [4, 1],
    ];
    expect(apply(MINLOC, a, b)).toStrictEqual([
      [1, 0],
      [3, 1],
      [4, 0],
    ]);
    expect(apply(MAXLOC, a, b)).toStrictEqual([
      [4, 1],
      [9, 0],
      [4, 0],
    ]);
    expect(apply(MAXLOC, [], [])).toStrictEqual([]);
    expect(() => MINLOC.apply(a, b.slice(1))).toThrow(new RangeError('MINLOC: operands have different lengths (3 and 2)'));
  });

  it('return a new pair even when one operand wins', () => {
    const a: [number, number] = [1, 0];
    const result = MINLOC.apply(a, [2, 1]);
    expect(result).toStrictEqual(a);
    expect(result).not.toBe(a);
  });

  it('reject anything but [value, index] pairs', () => {
    expect(() => MINLOC.apply(5, [1, 0])).toThrow(new TypeError(`MINLOC cannot reduce 5: ${LOC_TAKES}`));
    expect(() => MAXLOC.apply([5, 'x'], [1, 0])).toThrow(new TypeError(`MAXLOC cannot reduce [5, "x" (string)]: ${LOC_TAKES}`));
    expect(() =>
      MINLOC.check([
        [1, 0],
        [2, 0.5],
      ]),
    ).toThrow(new TypeError(`MINLOC cannot reduce [2, 0.5] at index 1 of an array of length 2: ${LOC_TAKES}`));
    expect(() => MINLOC.apply([1, 0], [2n, 1])).toThrow(
      new TypeError('MINLOC cannot combine [1, 0] with [2n (bigint), 1]: both operands must be of the same kind'),
    );
    for (const op of [MINLOC, MAXLOC]) {
      for (const value of [[1], [1, 2, 3], ['a', 0], [true, 0], [1, '0'], [1, NaN], [[1, 0], 5], null, {}, new Float64Array(2)]) {
        expect(() => op.apply(value, [1, 0]), JSON.stringify(value)).toThrow(TypeError);
        expect(() => op.check(value), JSON.stringify(value)).toThrow(TypeError);
      }
      expect(() => op.apply([1, 0], [[1, 0]])).toThrow(TypeError);
      expect(() => op.apply([[1, 0]], [[1n, 0]])).toThrow(TypeError);
      expect(() =>
        op.check([
          [1, 0],
          [2n, 1],
        ]),
      ).toThrow(TypeError);
    }
  });

  it('check accepts pairs and arrays of pairs', () => {
    for (const value of [
      [1, 0],
      [1n, -2],
      [NaN, 0],
      [],
      [
        [1, 0],
        [2, 3],
      ],
      [[1n, 0]],
    ]) {
      expect(() => MINLOC.check(value)).not.toThrow();
      expect(() => MAXLOC.check(value)).not.toThrow();
    }
  });
});

describe('compileKernel', () => {
  it('compiles the element expression into a loop', () => {
    const out = new Int8Array(2);
    compileKernel('a[i] + b[i]', () => 0)(new Int8Array([127, 1]), new Int8Array([1, 2]), out);
    expect(out).toStrictEqual(new Int8Array([-128, 3]));
  });

  it('falls back to the element function where code generation is disabled', () => {
    const original = globalThis.Function;
    globalThis.Function = function refused() {
      throw new EvalError('Code generation from strings disallowed for this context');
    } as unknown as FunctionConstructor;
    try {
      // The fallback differs from the expression on purpose, to show which one ran.
      const out = new Uint8Array(2);
      compileKernel('a[i] + b[i]', (x: number, y: number) => x - y)(new Uint8Array([1, 7]), new Uint8Array([2, 3]), out);
      expect(out).toStrictEqual(new Uint8Array([255, 4]));
    } finally {
      globalThis.Function = original;
    }
  });
});
