import { describe, expect, it } from 'vitest';
import * as coll from '../../../src/comm/coll/index.js';
import { createOp } from '../../../src/comm/ops/create.js';
import { SUM } from '../../../src/comm/ops/builtin.js';
import { createCollHub, valuesOnEveryRank } from '../../helpers/coll-hub.js';
import { algorithmsOf, expectSame, hostsOf, prefixes, kHubHostMemory, kSizes, large, ranksOf, reductionCases, snapshot, worldFor } from './corpus.js';

const cases = reductionCases();

describe.each(kSizes)('allreduce on %i ranks', (size) => {
  it.each(algorithmsOf('allreduce'))('%s: every rank gets the rank-ordered result, inputs untouched', async (algorithm) => {
    const hub = worldFor(size, 'allreduce', algorithm);
    for (const c of cases) {
      const inputs = ranksOf(size).map((r) => c.value(r));
      const before = inputs.map(snapshot);
      const got = await valuesOnEveryRank(hub.hosts, (h, r) => coll.allreduce(h, inputs[r], c.op));
      const want = prefixes(c, size)[size - 1];
      got.forEach((v, r) => expectSame(v, want, `${c.name} on rank ${r}`));
      inputs.forEach((v, r) => expect(snapshot(v).equals(before[r]), `${c.name}: input of rank ${r} changed`).toBe(true));
      got.forEach((v, r) => typeof v === 'object' && expect(v === inputs[r], c.name).toBe(false));
    }
    expect(hub.received).toBe(hub.sent);
    if (size === 1) expect(hub.sent).toBe(0);
  });
});

describe('allreduce is bit-for-bit identical on every rank', () => {
  // Magnitudes 1e-8..1e8 and signs per rank and element: any change of summation order shows.
  const noisy =
    (length: number) =>
    (r: number): Float64Array =>
      Float64Array.from({ length }, (_, i) => Math.sin(i * 7 + r * 13) * 10 ** (((i * 5 + r * 3) % 17) - 8) + 1e-17 * r);
  const scalar = (r: number): number => [1e16, 1, -1e16, 0.1, 3.3, -2.2e-8, 7, 1e-3][r % 8] + 0.1 * r;

  it.each([3, 5, 8].flatMap((size) => algorithmsOf('allreduce').map((a) => [size, a] as const)))('%i ranks, %s', async (size, algorithm) => {
    const hub = worldFor(size, 'allreduce', algorithm);
    for (const value of [noisy(1000), noisy(20_000), scalar]) {
      const got = await valuesOnEveryRank(hub.hosts, (h, r) => coll.allreduce(h, value(r), SUM));
      // The view's own bytes: a result may be a view on a larger (pooled) buffer, whose other
      // bytes are not the result (Node 24's Buffer pool shows it).
      const viewBytes = (a: Float64Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
      const bytes = got.map((v) => viewBytes(typeof v === 'number' ? new Float64Array([v]) : (v as Float64Array)));
      bytes.forEach((b, r) => expect(b.equals(bytes[0]), `rank ${r} differs from rank 0`).toBe(true));
    }
    // The data is order-sensitive: rank order and reverse order disagree somewhere.
    const forward = ranksOf(size)
      .map(noisy(1000))
      .reduce((a, b) => a.map((x, i) => x + b[i]));
    const backward = ranksOf(size)
      .map(noisy(1000))
      .reverse()
      .reduce((a, b) => a.map((x, i) => x + b[i]));
    expect(forward.some((x, i) => x !== backward[i])).toBe(true);
  });
});

describe('allreduce algorithm choice', () => {
  it('large typed arrays take the ring automatically: each rank sends ~2x its array, not log2(N)x', async () => {
    const busiest = async (algorithm: string): Promise<number> => {
      const hub = worldFor(8, 'allreduce', algorithm);
      await valuesOnEveryRank(hub.hosts, (h, r) => coll.allreduce(h, large(r), SUM));
      return Math.max(...hub.bytesFrom);
    };
    const bytes = large().byteLength;
    const [auto, ring, rd] = [await busiest('auto'), await busiest('ring'), await busiest('recursive-doubling')];
    expect(rd).toBeGreaterThanOrEqual(3 * bytes);
    expect(auto).toBe(ring);
    expect(ring).toBeLessThan(2 * bytes);
  });

  it('a forced ring gives way for inputs it cannot take, on every rank consistently', async () => {
    const concat = createOp((a: number[], b: number[]) => [...a, ...b]);
    const hub = worldFor(5, 'allreduce', 'ring');
    const got = await valuesOnEveryRank(hub.hosts, async (h, r) => [
      await coll.allreduce(h, [r], concat), // non-commutative
      await coll.allreduce(h, r, SUM), // not a typed array
      await coll.allreduce(h, new Int32Array([r, 1]), SUM), // fewer elements than ranks
    ]);
    got.forEach((v) => expect(v).toEqual([[0, 1, 2, 3, 4], 10, new Int32Array([10, 5])]));
  });

  it('ranks sharing host memory reduce large typed arrays through it: only small messages, every rank the same bits', async () => {
    const hub = createCollHub(4, { hostMemoryBytes: kHubHostMemory, shuffleDelays: true });
    const big = (r: number): Float64Array => large(r).map((x, i) => x * (1 + 1e-9 * ((i * 7 + r) % 13)));
    const got = await valuesOnEveryRank(hub.hosts, (h, r) => coll.allreduce(h, big(r), SUM));
    const want = ranksOf(4)
      .map(big)
      .reduce((a, b) => a.map((x, i) => x + b[i]));
    got.forEach((v, r) => expectSame(v, want, `rank ${r}`));
    expect(Math.max(...hub.bytesFrom)).toBeLessThan(2000);
  });

  it('a forced shared-memory allreduce gives way for inputs it cannot take, and mismatched lengths raise on every rank', async () => {
    const concat = createOp((a: number[], b: number[]) => [...a, ...b]);
    const hub = worldFor(5, 'allreduce', 'shared-memory');
    const got = await valuesOnEveryRank(hub.hosts, async (h, r) => [
      await coll.allreduce(h, [r], concat),
      await coll.allreduce(h, r, SUM),
      await coll.allreduce(h, new Int32Array([r, 1]), SUM),
      await coll.allreduce(h, new BigInt64Array([BigInt(r), 1n, 2n, 3n, 4n, 5n]), SUM),
      await coll.allreduce(h, new Int32Array(r === 2 ? 9 : 8), SUM).catch((e: unknown) => e),
    ]);
    got.forEach((v) => {
      expect(v.slice(0, 4)).toEqual([[0, 1, 2, 3, 4], 10, new Int32Array([10, 5]), new BigInt64Array([10n, 5n, 10n, 15n, 20n, 25n])]);
      expect(v[4]).toBeInstanceOf(RangeError);
    });
  });

  it('the automatic choice stays off host memory for ranks without it, and for small arrays', async () => {
    for (const [hostMemoryBytes, length] of [
      [undefined, 100_000],
      [kHubHostMemory, 1000],
    ] as const) {
      const hub = createCollHub(4, { hostMemoryBytes });
      await valuesOnEveryRank(hub.hosts, (h, r) => coll.allreduce(h, large(r).subarray(0, length), SUM));
      expect(Math.max(...hub.bytesFrom)).toBeGreaterThan(length * 8 * 0.7);
    }
  });

  it('ranks on several hosts reduce large arrays inside each host first: between hosts, one array per host leader', async () => {
    for (const size of [3, 5, 8]) {
      const hub = createCollHub(size, { hostMemoryBytes: kHubHostMemory, hostOf: hostsOf(size), shuffleDelays: true });
      const got = await valuesOnEveryRank(hub.hosts, (h, r) => coll.allreduce(h, large(r), SUM));
      const want = ranksOf(size)
        .map((r) => large(r))
        .reduce((a, b) => a.map((x, i) => x + b[i]));
      got.forEach((v, r) => expectSame(v, want, `${size} ranks, rank ${r}`));
      // The leaders' ring moves about twice an array; nobody else sends more than notices.
      expect(Math.max(...hub.bytesFrom)).toBeLessThan(2.1 * large().byteLength);
      expect(hub.bytesFrom.filter((b) => b > 20_000).length).toBeLessThanOrEqual(new Set(hostsOf(size)).size);
    }
  });
});
