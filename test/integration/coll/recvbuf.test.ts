/**
 * Reductions that build their result in the caller's recvbuf (coll/accumulator.ts) over the
 * in-process hub: every world size × every algorithm (forced) × sizes that take each automatic
 * choice, with recvbuf apart from the input, recvbuf as the input itself (in place), and none;
 * several calls in flight at once, so working memory borrowed from the communicator's pool is
 * never shared by two calls. Inputs must stay untouched; results must be exact.
 */
import { describe, expect, it } from 'vitest';
import * as coll from '../../../src/comm/coll/index.js';
import * as vcoll from '../../../src/comm/coll/vector.js';
import { MAX, SUM } from '../../../src/comm/ops/builtin.js';
import { valuesOnEveryRank } from '../../helpers/coll-hub.js';
import { algorithmsOf, kSizes, ranksOf, worldFor } from './corpus.js';

/** Rank r's input: small integers, so sums are exact in any order. */
const input = (r: number, n: number): Float64Array => Float64Array.from({ length: n }, (_, i) => ((i * 7 + r * 3) % 11) - 5);

function summed(size: number, n: number, from = 0, to = n): Float64Array {
  const out = new Float64Array(to - from);
  for (const r of ranksOf(size)) {
    const a = input(r, n);
    for (let i = from; i < to; i++) out[i - from] += a[i];
  }
  return out;
}

function expectArray(got: unknown, want: Float64Array, where: string): void {
  expect(got, where).toBeInstanceOf(Float64Array);
  const g = got as Float64Array;
  expect(g.length, where).toBe(want.length);
  const bad = g.findIndex((x, i) => x !== want[i]);
  expect(bad, `${where}: first wrong element`).toBe(-1);
}

// 3 elements: recursive doubling; 9k (72 KiB): the ring; 33k (264 KiB): shared memory.
const kLengths = [3, 9_000, 33_000];
type Where = 'apart' | 'in place' | 'none';
const kWheres: Where[] = ['apart', 'in place', 'none'];

describe.each(kSizes)('reductions into recvbuf on %i ranks', (size) => {
  it.each(algorithmsOf('allreduce'))('allreduce %s', async (algorithm) => {
    const hub = worldFor(size, 'allreduce', algorithm);
    for (const n of kLengths) {
      const want = summed(size, n);
      // Without recvbuf, the other tests cover every length.
      for (const where of n === 3 ? kWheres : kWheres.slice(0, 2)) {
        const inputs = ranksOf(size).map((r) => input(r, n));
        const outs = inputs.map((a) => (where === 'apart' ? new Float64Array(n + 2).fill(99) : where === 'in place' ? a : undefined));
        // Two calls in flight on every rank: each must keep its own working memory.
        const [got, twice] = await Promise.all([
          valuesOnEveryRank(hub.hosts, (h, r) => coll.allreduce(h, where === 'in place' ? inputs[r] : input(r, n), SUM, outs[r])),
          valuesOnEveryRank(hub.hosts, (h, r) => coll.allreduce(h, input(r, n), MAX)),
        ]);
        got.forEach((v, r) => {
          const at = `${algorithm}, n ${n}, recvbuf ${where}, rank ${r}`;
          // Built in recvbuf, or a result of its own the Communicator then copies in.
          expectArray(v, want, at);
          if (where !== 'in place') expectArray(inputs[r], input(r, n), `${at}: input untouched`);
          if (where === 'apart') expect(outs[r]![n], `${at}: past the result`).toBe(99);
        });
        twice.forEach((v, r) => expect((v as Float64Array).length, `MAX alongside, rank ${r}`).toBe(n));
      }
    }
    expect(hub.received).toBe(hub.sent);
  });

  it.each(algorithmsOf('reduce'))('reduce %s at every root', async (algorithm) => {
    const hub = worldFor(size, 'reduce', algorithm);
    for (const n of [3, 9_000]) {
      const want = summed(size, n);
      for (const root of ranksOf(size)) {
        const inputs = ranksOf(size).map((r) => input(r, n));
        const out = new Float64Array(n);
        const got = await valuesOnEveryRank(hub.hosts, (h, r) => coll.reduce(h, inputs[r], SUM, root, r === root ? out : undefined));
        expectArray(got[root], want, `${algorithm}, n ${n}, root ${root}`);
        inputs.forEach((a, r) => expectArray(a, input(r, n), `input of rank ${r} untouched`));
        // In place at the root: its input is its recvbuf.
        const again = await valuesOnEveryRank(hub.hosts, (h, r) => coll.reduce(h, inputs[r], SUM, root, r === root ? inputs[r] : undefined));
        expectArray(again[root], want, `${algorithm}, n ${n}, root ${root}, in place`);
      }
    }
  });

  it.each(algorithmsOf('reduce_scatter'))('reduceScatter %s, recvbuf apart, in place and none', async (algorithm) => {
    const hub = worldFor(size, 'reduce_scatter', algorithm);
    for (const per of [1, 3_000]) {
      const counts = ranksOf(size).map((r) => per + (r % 3));
      const n = counts.reduce((a, b) => a + b, 0);
      const displs = counts.map((_, r) => counts.slice(0, r).reduce((a, b) => a + b, 0));
      for (const where of kWheres) {
        const inputs = ranksOf(size).map((r) => input(r, n));
        // In place: the block lands at the start of the rank's own input, as MPI_IN_PLACE does.
        const outs = inputs.map((a, r) => (where === 'apart' ? new Float64Array(counts[r]) : where === 'in place' ? a : undefined));
        const got = await valuesOnEveryRank(hub.hosts, (h, r) => vcoll.reduceScatter(h, inputs[r], counts, SUM, outs[r]));
        got.forEach((v, r) => {
          const at = `${algorithm}, ${per} per block, recvbuf ${where}, rank ${r}`;
          expectArray(v, summed(size, n, displs[r], displs[r] + counts[r]), at);
          if (outs[r] !== undefined) expect(v.buffer, `${at}: in recvbuf`).toBe(outs[r].buffer);
          if (where !== 'in place') expectArray(inputs[r], input(r, n), `${at}: input untouched`);
        });
      }
    }
    expect(hub.received).toBe(hub.sent);
  });
});
