/**
 * Shared fixtures of the collective integration tests: world sizes, the algorithm matrix, a
 * value corpus (the kinds of values users send), reduction cases with a straightforward
 * expected result, and an equality check that also insists on the arriving type.
 */
import v8 from 'node:v8';
import { expect } from 'vitest';
import type { CollectiveName, ForcedAlgorithms } from '../../../src/comm/coll/channel.js';
import { kAlgorithms } from '../../../src/comm/coll/select.js';
import { createCollHub, type Hub } from '../../helpers/coll-hub.js';
import type { Op } from '../../../src/comm/ops/op.js';
import { createOp } from '../../../src/comm/ops/create.js';
import { BXOR, LAND, MAX, MINLOC, PROD, SUM } from '../../../src/comm/ops/builtin.js';

export const kSizes = [1, 2, 3, 4, 5, 8];

export const ranksOf = (size: number): number[] => Array.from({ length: size }, (_, i) => i);

/** 'auto' plus every algorithm of the collective. */
export const algorithmsOf = (c: CollectiveName): string[] => ['auto', ...kAlgorithms[c]];

/** Host memory of a hub whose ranks share one (room for the corpus and kLargeLength arrays on 8 ranks). */
export const kHubHostMemory = 8 * 1024 * 1024;

/**
 * A spread of `size` ranks over hosts that shares some (as a hostfile's slots would): ranks
 * interleaved over two hosts, and a third host with one rank from 5 ranks on. Undefined below 3
 * ranks, where no spread both spans hosts and shares one.
 */
export function hostsOf(size: number): number[] | undefined {
  if (size < 3) return undefined;
  return ranksOf(size).map((r) => (size >= 5 && r === 2 ? 2 : r % 2));
}

/** A fresh world with `algorithm` forced for `collective`, with shuffled delivery. */
export function worldFor(size: number, collective: CollectiveName, algorithm: string, seed = size): Hub {
  const algorithms: ForcedAlgorithms = algorithm === 'auto' ? {} : { [collective]: algorithm };
  // The shared-memory algorithms need ranks that share a host's memory, the hierarchical ones
  // ranks on several hosts.
  const hostMemoryBytes = algorithm === 'shared-memory' || algorithm === 'hierarchical' ? kHubHostMemory : undefined;
  const hostOf = algorithm === 'hierarchical' ? hostsOf(size) : undefined;
  return createCollHub(size, { algorithms, shuffleDelays: true, seed, hostMemoryBytes, hostOf });
}

/** Float64Array of 100k elements: big enough for the ring allreduce and the split bcast. */
export const kLargeLength = 100_000;
export function large(offset = 0): Float64Array {
  const a = new Float64Array(kLargeLength);
  for (let i = 0; i < a.length; i++) a[i] = (i % 1000) + offset;
  return a;
}

export function corpus(): Array<readonly [string, unknown]> {
  return [
    ['integer', 42],
    ['negative zero', -0],
    ['float', 3.141592653589793],
    ['NaN', NaN],
    ['empty string', ''],
    ['unicode string', 'héllo ✓ 🌍'],
    ['nested object', { a: [1, { b: 'c', d: [null, true] }], e: { f: { g: 1.5 } } }],
    ['array', [1, 'two', [3, [4]], { five: 5 }]],
    [
      'Map',
      new Map<unknown, unknown>([
        [1, 'one'],
        ['k', { x: [1, 2] }],
      ]),
    ],
    ['Set', new Set([1, 'a', 3n])],
    ['Date', new Date(0)],
    ['bigint', 2n ** 70n + 1n],
    ['undefined', undefined],
    ['null', null],
    ['Float64Array', new Float64Array([1.5, -2.25, Number.MAX_VALUE, -0])],
    ['Int32Array', new Int32Array([-1, 2 ** 31 - 1, -(2 ** 31), 0])],
    ['Uint8Array', new Uint8Array([0, 1, 254, 255])],
    ['Buffer', Buffer.from('a Buffer stays a Buffer')],
    ['ArrayBuffer', new Uint16Array([1, 2, 3]).buffer],
    ['large Float64Array', large(0.5)],
  ];
}

function bytesOf(v: ArrayBufferView | ArrayBuffer): Buffer {
  return v instanceof ArrayBuffer ? Buffer.from(v) : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

/** Same type and contents: typed arrays bit for bit, objects by their serialization. */
function same(got: unknown, want: unknown): boolean {
  if (ArrayBuffer.isView(want) || want instanceof ArrayBuffer) {
    return (
      Object.prototype.toString.call(got) === Object.prototype.toString.call(want) &&
      Buffer.isBuffer(got) === Buffer.isBuffer(want) &&
      bytesOf(got as ArrayBuffer).equals(bytesOf(want))
    );
  }
  if (typeof want !== 'object' || want === null) return Object.is(got, want);
  // Equal serializations mean equal values (types, key order and -0 included). V8 encodes a
  // literal array densely and a deserialized one sparsely, so compare with a round-tripped want.
  return (got as object)?.constructor === want.constructor && snapshot(got).equals(wireForm(want));
}

const kWireForms = new WeakMap<object, Buffer>();
function wireForm(want: object): Buffer {
  let form = kWireForms.get(want);
  if (form === undefined) kWireForms.set(want, (form = snapshot(v8.deserialize(snapshot(want)))));
  return form;
}

/**
 * Same type (a Buffer stays a Buffer, a Map a Map) and same contents; typed arrays bit for bit.
 * Checked without expect() first: hundreds of thousands of expect calls would dominate the run.
 */
export function expectSame(got: unknown, want: unknown, where = ''): void {
  if (same(got, want)) return;
  if (ArrayBuffer.isView(want) || want instanceof ArrayBuffer) {
    expect(Object.prototype.toString.call(got), where).toBe(Object.prototype.toString.call(want));
    expect(Buffer.isBuffer(got), where).toBe(Buffer.isBuffer(want));
  } else if (typeof want === 'object' && want !== null) {
    expect((got as object)?.constructor, where).toBe(want.constructor);
  }
  expect(got, where).toEqual(want);
}

/** A snapshot of a value's bytes, to check that a collective did not modify its input. */
export const snapshot = (v: unknown): Buffer => v8.serialize(v);

// 2x2 integer matrices [a, b, c, d]: associative, not commutative, exact.
const matmul = (x: number[], y: number[]): number[] => [
  x[0] * y[0] + x[1] * y[2],
  x[0] * y[1] + x[1] * y[3],
  x[2] * y[0] + x[3] * y[2],
  x[2] * y[1] + x[3] * y[3],
];

export interface ReductionCase {
  readonly name: string;
  readonly op: Op;
  /** Rank r's operand; the same object on every call (tests check it is never modified). */
  value(rank: number): unknown;
  /** A 100k-element operand: run where the algorithm cares about size, not everywhere. */
  readonly large?: boolean;
}

function memo(c: ReductionCase): ReductionCase {
  const made = new Map<number, unknown>();
  const value = (r: number): unknown => {
    if (!made.has(r)) made.set(r, c.value(r));
    return made.get(r);
  };
  return { ...c, value };
}

export function reductionCases(): ReductionCase[] {
  return (
    [
      { name: 'SUM of numbers', op: SUM, value: (r) => r + 1 },
      { name: 'SUM of bigints', op: SUM, value: (r) => 2n ** 64n + BigInt(r) },
      { name: 'SUM of Int32Array', op: SUM, value: (r) => Int32Array.from({ length: 10 }, (_, i) => (i - 5) * (r + 1)) },
      { name: 'MAX of Float64Array', op: MAX, value: (r) => Float64Array.from({ length: 9 }, (_, i) => ((i * 7 + r * 3) % 11) - 5.5) },
      { name: 'PROD of number arrays', op: PROD, value: (r) => [r + 1, 2, -1] },
      { name: 'BXOR of Buffers', op: BXOR, value: (r) => Buffer.from([r, 255 - r, r * 17, 1, 2, 3, 4, 5, 6]) },
      { name: 'MINLOC of pairs', op: MINLOC, value: (r) => [(r * 7) % 5, r] },
      { name: 'LAND of booleans', op: LAND, value: (r) => r !== 2 },
      { name: 'SUM of a large Float64Array', op: SUM, value: (r) => large(r), large: true },
      { name: 'non-commutative string concat', op: createOp((a: string, b: string) => a + b), value: (r) => String.fromCharCode(65 + r) },
      { name: 'non-commutative 2x2 matrix product', op: createOp(matmul), value: (r) => [1, r + 1, r % 2, 1] },
      { name: 'non-commutative list concat', op: createOp((a: number[], b: number[]) => [...a, ...b]), value: (r) => [r] },
      {
        name: 'commutative user op on Float64Array (ring may chunk it)',
        op: createOp((a: Float64Array, b: Float64Array) => a.map((x, i) => x + b[i]), { commutative: true }),
        value: (r) => Float64Array.from({ length: 16 }, (_, i) => i * (r + 1)),
      },
    ] satisfies ReductionCase[]
  ).map(memo);
}

/** op over ranks 0..r applied left to right, for each r < size: the obviously correct answers. */
export function prefixes(c: ReductionCase, size: number): unknown[] {
  const out = [c.value(0)];
  for (let r = 1; r < size; r++) out.push(c.op.apply(out[r - 1], c.value(r)));
  return out;
}
