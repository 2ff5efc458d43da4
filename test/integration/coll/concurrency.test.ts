/**
 * Collectives started back to back without awaiting (Promise.all) on the same hosts: each call
 * takes its channel synchronously at the start, so calls started in the same order on every
 * rank pair up, whatever order their messages arrive in.
 */
import { describe, expect, it } from 'vitest';
import type { CollHost, ForcedAlgorithms } from '../../../src/comm/coll/channel.js';
import * as coll from '../../../src/comm/coll/index.js';
import { kAlgorithms } from '../../../src/comm/coll/select.js';
import { createOp } from '../../../src/comm/ops/create.js';
import { SUM } from '../../../src/comm/ops/builtin.js';
import { createCollHub, valuesOnEveryRank } from '../../helpers/coll-hub.js';
import { expectSame, kHubHostMemory, kSizes, ranksOf } from './corpus.js';

/** Above the ring threshold (64 KiB), so the automatic choice runs the ring. */
const big = (offset: number): Float64Array => new Float64Array(10_000).map((_, i) => (i % 100) + offset);

const concat = createOp((a: number[], b: number[]) => [...a, ...b]);

/** Every collective once, none awaited before the next starts. */
function burst(h: CollHost, r: number): Promise<unknown[]> {
  const size = h.size;
  const last = size - 1;
  return Promise.all([
    coll.allreduce(h, r + 1, SUM),
    coll.bcast(h, r === last ? { from: last } : undefined, last),
    coll.gather(h, r * 2, 0),
    coll.barrier(h),
    coll.scan(h, [r], concat),
    coll.alltoall(
      h,
      ranksOf(size).map((j) => `${r}->${j}`),
    ),
    coll.allreduce(h, big(r), SUM),
    coll.allgather(h, { r }),
    coll.scatter(h, r === 0 ? ranksOf(size).map((j) => j * j) : undefined, 0),
    coll.reduce(h, [r], concat, last),
    coll.exscan(h, r + 1, SUM),
    coll.allreduce(h, [r], concat),
  ]);
}

function expected(size: number, r: number): unknown[] {
  const last = size - 1;
  const sum = (n: number): number => (n * (n + 1)) / 2;
  const bigSum = big(0).map((x) => x * size + sum(size - 1));
  return [
    sum(size),
    { from: last },
    r === 0 ? ranksOf(size).map((j) => j * 2) : undefined,
    undefined,
    ranksOf(r + 1),
    ranksOf(size).map((j) => `${j}->${r}`),
    bigSum,
    ranksOf(size).map((j) => ({ r: j })),
    r * r,
    r === last ? ranksOf(size) : undefined,
    r === 0 ? undefined : sum(r),
    ranksOf(size),
  ];
}

const everyNth = (n: number): ForcedAlgorithms => Object.fromEntries(Object.entries(kAlgorithms).map(([c, names]) => [c, names[n % names.length]]));

describe.each(kSizes)('a burst of unawaited collectives on %i ranks', (size) => {
  it.each([
    ['automatic', {}],
    ['second algorithms', everyNth(1)],
    ['third algorithms', everyNth(2)],
  ] as const)('%s: all results correct on every rank', async (_, algorithms) => {
    for (const seed of [1, 2, 3]) {
      // Host memory too: the third algorithms include the shared-memory bcast and allreduce.
      const hub = createCollHub(size, { algorithms, shuffleDelays: true, seed, hostMemoryBytes: kHubHostMemory });
      const got = await valuesOnEveryRank(hub.hosts, (h, r) => Promise.all([burst(h, r), burst(h, r)]));
      got.forEach((bursts, r) => {
        const want = expected(size, r);
        for (const results of bursts) {
          // the typed array bit for bit (a deep toEqual of 10k elements is slow), the rest as values
          expectSame(results[6], want[6], `rank ${r}`);
          expect(
            results.filter((_, i) => i !== 6),
            `rank ${r}`,
          ).toEqual(want.filter((_, i) => i !== 6));
        }
      });
      expect(hub.received).toBe(hub.sent);
    }
  });

  it('a failing call in the middle of a burst fails alone', async () => {
    const hub = createCollHub(size, { shuffleDelays: true });
    const got = await valuesOnEveryRank(hub.hosts, (h, r) =>
      Promise.allSettled([
        coll.allreduce(h, r, SUM),
        coll.allreduce(h, r === size - 1 ? 'oops' : r, SUM),
        coll.scatter(h, r === 0 ? [] : undefined, 0),
        coll.allgather(h, r),
      ]),
    );
    got.forEach((settled, r) => {
      expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
      expect((settled[0] as PromiseFulfilledResult<unknown>).value).toBe((size * (size - 1)) / 2);
      expect((settled[3] as PromiseFulfilledResult<unknown>).value).toEqual(ranksOf(size));
      expect((settled[1] as PromiseRejectedResult).reason, `rank ${r}`).toBeInstanceOf(TypeError);
      expect((settled[2] as PromiseRejectedResult).reason, `rank ${r}`).toBeInstanceOf(RangeError);
    });
  });
});

describe('channels', () => {
  it('every entry opens exactly one channel, synchronously, before anything else happens', async () => {
    const size = 4;
    const hub = createCollHub(size);
    const calls: Array<(h: CollHost, r: number) => Promise<unknown>> = [
      (h) => coll.barrier(h),
      (h, r) => coll.bcast(h, r, 1),
      (h) => coll.scatter(h, ranksOf(size), 2),
      (h, r) => coll.gather(h, r, 3),
      (h, r) => coll.allgather(h, r),
      (h) => coll.alltoall(h, ranksOf(size)),
      (h, r) => coll.reduce(h, r, SUM, 0),
      (h, r) => coll.allreduce(h, r, SUM),
      (h, r) => coll.scan(h, r, SUM),
      (h, r) => coll.exscan(h, r, SUM),
      // even a call that will fail (unknown algorithm, bad data) takes its channel first
      (h) => coll.alltoall(h, []),
    ];
    await valuesOnEveryRank(hub.hosts, async (h, r) => {
      const host = hub.hosts[r];
      const pending: Array<Promise<unknown>> = [];
      calls.forEach((call, i) => {
        pending.push(call(h, r).catch((e: unknown) => e));
        expect(host.opened).toBe(i + 1);
      });
      return Promise.all(pending);
    });
    const bad = createCollHub(2, { algorithms: { allreduce: 'nope' } });
    const rejections = await valuesOnEveryRank(bad.hosts, async (h, r) => {
      const p = coll.allreduce(h, r, SUM).catch((e: Error) => e);
      expect(bad.hosts[r].opened).toBe(1);
      return p;
    });
    rejections.forEach((e) => expect(e).toBeInstanceOf(RangeError));
  });
});

describe('barrier', () => {
  it.each(kSizes.flatMap((size) => kAlgorithms.barrier.map((a) => [size, a] as const)))(
    '%i ranks, %s: no rank leaves before every rank has entered',
    async (size, algorithm) => {
      const hub = createCollHub(size, { algorithms: { barrier: algorithm }, shuffleDelays: true, seed: size });
      for (let round = 0; round < 5; round++) {
        let entered = 0;
        const seenOnExit = await valuesOnEveryRank(hub.hosts, async (h, r) => {
          // ranks arrive at different times
          for (let i = 0; i < ((r * 7 + round * 3) % size) * 3; i++) await new Promise((res) => setImmediate(res));
          entered++;
          await coll.barrier(h);
          return entered;
        });
        expect(seenOnExit).toEqual(new Array(size).fill(size));
      }
      expect(hub.received).toBe(hub.sent);
      if (size === 1) expect(hub.sent).toBe(0);
    },
  );
});
