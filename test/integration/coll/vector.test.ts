/**
 * The variable-size collectives and reduce-scatter over the in-process hub: every world size ×
 * every algorithm (forced) × every root × uneven, zero and all-zero counts × element types,
 * with shuffled delivery. Results are checked element for element and by type; the hub's
 * counters check that every message sent was received.
 */
import { describe, expect, it } from 'vitest';
import * as vcoll from '../../../src/comm/coll/vector.js';
import { createOp } from '../../../src/comm/ops/create.js';
import { MAX, SUM } from '../../../src/comm/ops/builtin.js';
import type { TypedArray } from '../../../src/comm/ops/elementwise.js';
import { onEveryRank, valuesOnEveryRank } from '../../helpers/coll-hub.js';
import { algorithmsOf, kSizes, ranksOf, worldFor } from './corpus.js';

type Ctor = { new (n: number): TypedArray; name: string };
const kTypes: Ctor[] = [Float64Array, Float32Array, Int32Array, Uint16Array, Int8Array, Uint8ClampedArray, BigInt64Array, BigUint64Array];

/** An array of `type` with recognisable contents: element i of rank r's array in call k. */
function make(type: Ctor, n: number, r: number, k = 0): TypedArray {
  const a = new type(n);
  const big = a instanceof BigInt64Array || a instanceof BigUint64Array;
  for (let i = 0; i < n; i++) (a as unknown as Array<number | bigint>)[i] = big ? BigInt(r * 1000 + i + k) : (r * 37 + i * 3 + k) % 100;
  return a;
}

/** Count patterns: uneven with zeros, all zero, and one rank taking everything. */
const kPatterns: Array<[string, (size: number, r: number) => number[]]> = [
  ['uneven', (size, r) => ranksOf(size).map((j) => (r * 3 + j * 5 + 1) % 4)],
  ['all zero', (size) => new Array<number>(size).fill(0)],
  ['one rank', (size, r) => ranksOf(size).map((j) => (j === (r + 1) % size ? 5 : 0))],
];

const concat = (parts: TypedArray[], type: Ctor): TypedArray => {
  const out = new type(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    (out as Uint8Array).set(p as Uint8Array, at);
    at += p.length;
  }
  return out;
};
const same = (got: TypedArray, want: TypedArray, where: string): void => {
  expect(got[Symbol.toStringTag], where).toBe(want[Symbol.toStringTag]);
  expect(Array.from(got as Float64Array), where).toEqual(Array.from(want as Float64Array));
};

describe.each(kSizes)('scatterv and gatherv on %i ranks', (size) => {
  describe.each(algorithmsOf('scatterv'))('scatterv %s', (algorithm) => {
    it.each(ranksOf(size))("root %i: rank i gets counts[i] elements of the root's type", async (root) => {
      const hub = worldFor(size, 'scatterv', algorithm, root);
      for (const [name, pattern] of kPatterns) {
        for (const type of kTypes) {
          const counts = pattern(size, root);
          const data = make(
            type,
            counts.reduce((a, b) => a + b, 0),
            root,
          );
          const got = await valuesOnEveryRank(hub.hosts, (h, r) => vcoll.scatterv(h, r === root ? data : undefined, r === root ? counts : undefined, root));
          let at = 0;
          got.forEach((piece, r) => {
            same(piece, data.subarray(at, at + counts[r]), `${name} ${type.name} rank ${r}`);
            at += counts[r];
          });
          expect(got[root].buffer === data.buffer).toBe(false);
        }
      }
      expect(hub.received).toBe(hub.sent);
    });
  });

  describe.each(algorithmsOf('gatherv'))('gatherv %s', (algorithm) => {
    it.each(ranksOf(size))('root %i: pieces joined in rank order with their counts', async (root) => {
      const hub = worldFor(size, 'gatherv', algorithm, root);
      for (const [name, pattern] of kPatterns) {
        for (const type of kTypes) {
          const lengths = pattern(size, root);
          const pieces = ranksOf(size).map((r) => make(type, lengths[r], r));
          const got = await valuesOnEveryRank(hub.hosts, (h, r) => vcoll.gatherv(h, pieces[r], root));
          got.forEach((v, r) => {
            if (r !== root) return expect(v).toBeUndefined();
            same(v!.data, concat(pieces, type), `${name} ${type.name}`);
            expect(v!.counts).toEqual(lengths);
          });
        }
      }
      expect(hub.received).toBe(hub.sent);
    });
  });
});

describe.each(kSizes)('allgatherv and alltoallv on %i ranks', (size) => {
  it.each(algorithmsOf('allgatherv'))('allgatherv %s: every rank gets every piece in rank order', async (algorithm) => {
    const hub = worldFor(size, 'allgatherv', algorithm);
    for (const [name, pattern] of kPatterns) {
      for (const type of kTypes) {
        const lengths = pattern(size, 0);
        const pieces = ranksOf(size).map((r) => make(type, lengths[r], r));
        const got = await valuesOnEveryRank(hub.hosts, (h, r) => vcoll.allgatherv(h, pieces[r]));
        got.forEach((v, r) => {
          same(v.data, concat(pieces, type), `${name} ${type.name} rank ${r}`);
          expect(v.counts).toEqual(lengths);
        });
      }
    }
    expect(hub.received).toBe(hub.sent);
  });

  it.each(algorithmsOf('alltoallv'))('alltoallv %s: counts[j] elements to rank j, received counts from each rank', async (algorithm) => {
    const hub = worldFor(size, 'alltoallv', algorithm);
    for (const [name, pattern] of kPatterns) {
      for (const type of kTypes) {
        // counts[r][j]: what rank r sends to rank j; the piece is make(type, n, r * size + j).
        const counts = ranksOf(size).map((r) => pattern(size, r));
        const piece = (r: number, j: number): TypedArray => make(type, counts[r][j], r * size + j);
        const sent = ranksOf(size).map((r) =>
          concat(
            ranksOf(size).map((j) => piece(r, j)),
            type,
          ),
        );
        const got = await valuesOnEveryRank(hub.hosts, (h, r) => vcoll.alltoallv(h, sent[r], counts[r]));
        got.forEach((v, r) => {
          same(
            v.data,
            concat(
              ranksOf(size).map((i) => piece(i, r)),
              type,
            ),
            `${name} ${type.name} rank ${r}`,
          );
          expect(v.counts).toEqual(ranksOf(size).map((i) => counts[i][r]));
        });
      }
    }
    expect(hub.received).toBe(hub.sent);
  });
});

/** Serial reduce-scatter: op over ranks in rank order, block r of rank r. */
function expectedBlocks(inputs: TypedArray[], counts: number[], apply: (a: TypedArray, b: TypedArray) => TypedArray): TypedArray[] {
  let acc = inputs[0];
  for (let r = 1; r < inputs.length; r++) acc = apply(acc, inputs[r]);
  let at = 0;
  return counts.map((c) => acc.subarray(at, (at += c)));
}

const first = createOp((a: TypedArray) => a); // associative, not commutative: rank 0's values
const addF64 = createOp((a: Float64Array, b: Float64Array) => a.map((x, i) => x + b[i]), { commutative: true });

describe.each(kSizes)('reduce-scatter on %i ranks', (size) => {
  it.each(algorithmsOf('reduce_scatter'))('reduceScatter %s: block r of the rank-order reduction, any counts, any op', async (algorithm) => {
    const hub = worldFor(size, 'reduce_scatter', algorithm);
    const cases = [
      { op: SUM, type: Int32Array as Ctor, apply: (a: TypedArray, b: TypedArray) => (a as Int32Array).map((x, i) => x + (b as Int32Array)[i]) },
      { op: SUM, type: BigInt64Array as Ctor, apply: (a: TypedArray, b: TypedArray) => (a as BigInt64Array).map((x, i) => x + (b as BigInt64Array)[i]) },
      { op: MAX, type: Float64Array as Ctor, apply: (a: TypedArray, b: TypedArray) => (a as Float64Array).map((x, i) => Math.max(x, (b as Float64Array)[i])) },
      { op: addF64, type: Float64Array as Ctor, apply: (a: TypedArray, b: TypedArray) => (a as Float64Array).map((x, i) => x + (b as Float64Array)[i]) },
      { op: first, type: Uint16Array as Ctor, apply: (a: TypedArray) => a },
    ];
    for (const [name, pattern] of kPatterns) {
      const counts = pattern(size, 2);
      const n = counts.reduce((a, b) => a + b, 0);
      for (const { op, type, apply } of cases) {
        const inputs = ranksOf(size).map((r) => make(type, n, r));
        const before = inputs.map((a) => Array.from(a as Float64Array));
        const want = expectedBlocks(inputs, counts, apply);
        const got = await valuesOnEveryRank(hub.hosts, (h, r) => vcoll.reduceScatter(h, inputs[r], counts, op));
        got.forEach((v, r) => {
          same(v, want[r], `${name} ${op.name} ${type.name} rank ${r}`);
          expect(v.buffer === inputs[r].buffer).toBe(false);
        });
        inputs.forEach((a, r) => expect(Array.from(a as Float64Array)).toEqual(before[r]));
      }
    }
    expect(hub.received).toBe(hub.sent);
  });

  it.each(algorithmsOf('reduce_scatter_block'))('reduceScatterBlock %s: equal blocks', async (algorithm) => {
    const hub = worldFor(size, 'reduce_scatter_block', algorithm);
    for (const per of [0, 1, 3]) {
      const inputs = ranksOf(size).map((r) => make(Float64Array, per * size, r));
      const want = expectedBlocks(inputs, new Array<number>(size).fill(per), (a, b) => (a as Float64Array).map((x, i) => x + (b as Float64Array)[i]));
      const got = await valuesOnEveryRank(hub.hosts, (h, r) => vcoll.reduceScatterBlock(h, inputs[r], SUM));
      got.forEach((v, r) => same(v, want[r], `${per} per block, rank ${r}`));
    }
    expect(hub.received).toBe(hub.sent);
  });
});

describe.each([2, 3, 4, 5, 8])('bad arguments on %i ranks: the ranks that depend on them raise, nobody hangs', (size) => {
  type Settled = PromiseSettledResult<unknown>;
  const expectError = (s: Settled, kind: new (...a: never[]) => Error, message: string, origin: number | 'own', where: string): void => {
    expect(s.status, where).toBe('rejected');
    const err = (s as PromiseRejectedResult).reason as Error;
    expect(err, `${where}: ${String(err)}`).toBeInstanceOf(kind);
    expect(err.message, where).toBe(origin === 'own' ? message : `${message} (raised on rank ${origin})`);
  };
  const bad = 1;

  it.each(algorithmsOf('scatterv'))('scatterv %s: counts of the wrong sum on the root', async (algorithm) => {
    const hub = worldFor(size, 'scatterv', algorithm);
    const root = size - 1;
    const settled = await onEveryRank(hub.hosts, (h, r) =>
      vcoll.scatterv(h, r === root ? new Float64Array(size + 1) : undefined, r === root ? new Array(size).fill(1) : undefined, root),
    );
    const message = `scatterv: counts add up to ${size}, not the ${size + 1} elements of data`;
    settled.forEach((s, r) => expectError(s, RangeError, message, r === root ? 'own' : root, `rank ${r}`));
    expect(hub.received).toBe(hub.sent);
  });

  it.each(algorithmsOf('alltoallv'))('alltoallv %s: a negative count on one rank', async (algorithm) => {
    const hub = worldFor(size, 'alltoallv', algorithm);
    const settled = await onEveryRank(hub.hosts, (h, r) =>
      vcoll.alltoallv(h, new Int32Array(size), r === bad ? [-1, ...new Array(size - 1).fill(1)] : new Array(size).fill(1)),
    );
    settled.forEach((s, r) => expectError(s, RangeError, 'alltoallv: counts[0] must be a non-negative integer, got -1', r === bad ? 'own' : bad, `rank ${r}`));
    expect(hub.received).toBe(hub.sent);
  });

  it.each(algorithmsOf('allgatherv'))('allgatherv %s: data that is not a typed array on one rank', async (algorithm) => {
    const hub = worldFor(size, 'allgatherv', algorithm);
    const settled = await onEveryRank(hub.hosts, (h, r) => vcoll.allgatherv(h, r === bad ? [1, 2] : new Int32Array(2)));
    settled.forEach((s, r) =>
      expectError(s, TypeError, 'allgatherv: data must be a typed array, got an array of length 2', r === bad ? 'own' : bad, `rank ${r}`),
    );
  });

  it.each(algorithmsOf('gatherv'))('gatherv %s: the bad rank and the root raise, the others finish', async (algorithm) => {
    const hub = worldFor(size, 'gatherv', algorithm);
    const settled = await onEveryRank(hub.hosts, (h, r) => vcoll.gatherv(h, r === bad ? 'text' : new Int32Array(2), 0));
    settled.forEach((s, r) => {
      if (r === 0 || r === bad) expectError(s, TypeError, 'gatherv: data must be a typed array, got "text" (string)', r === bad ? 'own' : bad, `rank ${r}`);
      else expect(s.status).toBe('fulfilled');
    });
  });

  it.each(algorithmsOf('reduce_scatter'))(
    'reduceScatter %s: counts of the wrong length on one rank, then an op that cannot take the data',
    async (algorithm) => {
      const hub = worldFor(size, 'reduce_scatter', algorithm);
      const counts = new Array<number>(size).fill(2);
      let settled = await onEveryRank(hub.hosts, (h, r) => vcoll.reduceScatter(h, new Float64Array(2 * size), r === bad ? [2] : counts, SUM));
      settled.forEach((s, r) =>
        expectError(
          s,
          RangeError,
          `reduceScatter: counts must be an array of ${size} non-negative integers (one per rank), got an array of length 1`,
          r === bad ? 'own' : bad,
          `rank ${r}`,
        ),
      );
      settled = await onEveryRank(hub.hosts, (h) => vcoll.reduceScatterBlock(h, new Float64Array(2 * size + 1), SUM));
      settled.forEach((s, r) =>
        expectError(s, RangeError, `reduceScatterBlock: data has ${2 * size + 1} elements, not a multiple of the ${size} ranks`, 'own', `rank ${r}`),
      );
      const got = await valuesOnEveryRank(hub.hosts, (h, r) => vcoll.reduceScatter(h, new Float64Array(2 * size).fill(r), counts, SUM));
      got.forEach((v) => expect(Array.from(v as Float64Array)).toEqual([(size * (size - 1)) / 2, (size * (size - 1)) / 2]));
      expect(hub.received).toBe(hub.sent);
    },
  );
});
