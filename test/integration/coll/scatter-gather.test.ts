import { describe, expect, it } from 'vitest';
import * as coll from '../../../src/comm/coll/index.js';
import { valuesOnEveryRank } from '../../helpers/coll-hub.js';
import { algorithmsOf, corpus, expectSame, kSizes, large, ranksOf, worldFor } from './corpus.js';

// The large array only matters to bcast and the reductions; here one round of it suffices.
const values = corpus()
  .filter(([name]) => !name.startsWith('large'))
  .map(([, v]) => v);
/** Rank r's item in round k; over rounds(size) rounds every corpus value is someone's item. */
const item = (k: number, r: number, size: number): unknown => values[(k * size + r) % values.length];
const rounds = (size: number): number => Math.ceil(values.length / size) + 1;

describe.each(kSizes)('scatter on %i ranks', (size) => {
  describe.each(algorithmsOf('scatter'))('%s', (algorithm) => {
    it.each(ranksOf(size))('root %i: rank i gets item i, decoded on every rank', async (root) => {
      const hub = worldFor(size, 'scatter', algorithm, root);
      for (let k = 0; k < rounds(size); k++) {
        const data = ranksOf(size).map((r) => item(k, r, size));
        const got = await valuesOnEveryRank(hub.hosts, (h, r) => coll.scatter(h, r === root ? data : ['ignored'], root));
        got.forEach((v, r) => expectSame(v, item(k, r, size), `round ${k}, rank ${r}`));
        if (typeof data[root] === 'object' && data[root] !== null) expect(got[root] === data[root]).toBe(false);
      }
      expect(hub.received).toBe(hub.sent);
      if (size === 1) expect(hub.sent).toBe(0);
    });
  });
});

describe.each(kSizes)('gather on %i ranks', (size) => {
  describe.each(algorithmsOf('gather'))('%s', (algorithm) => {
    it.each(ranksOf(size))('root %i: the root gets every value in rank order, the others undefined', async (root) => {
      const hub = worldFor(size, 'gather', algorithm, root);
      for (let k = 0; k < rounds(size); k++) {
        const got = await valuesOnEveryRank(hub.hosts, (h, r) => coll.gather(h, item(k, r, size), root));
        got.forEach((v, r) => {
          if (r !== root) return expect(v).toBeUndefined();
          expect(v).toHaveLength(size);
          (v as unknown[]).forEach((x, i) => expectSame(x, item(k, i, size), `round ${k}, item ${i}`));
        });
      }
      expect(hub.received).toBe(hub.sent);
      if (size === 1) expect(hub.sent).toBe(0);
    });
  });
});

describe.each(kSizes)('allgather on %i ranks', (size) => {
  it.each(algorithmsOf('allgather'))('%s: every rank gets every value in rank order, its own copy', async (algorithm) => {
    const hub = worldFor(size, 'allgather', algorithm);
    for (let k = 0; k < rounds(size); k++) {
      const got = await valuesOnEveryRank(hub.hosts, (h, r) => coll.allgather(h, item(k, r, size)));
      got.forEach((all, r) => {
        expect(all).toHaveLength(size);
        all.forEach((x, i) => expectSame(x, item(k, i, size), `round ${k}, rank ${r}, item ${i}`));
      });
      if (size > 1 && typeof item(k, 0, size) === 'object' && item(k, 0, size) !== null) expect(got[0][0] === got[1][0]).toBe(false);
    }
    expect(hub.received).toBe(hub.sent);
    if (size === 1) expect(hub.sent).toBe(0);
  });
});

describe.each(kSizes)('alltoall on %i ranks', (size) => {
  it.each(algorithmsOf('alltoall'))('%s: item j of rank i arrives as item i on rank j', async (algorithm) => {
    const hub = worldFor(size, 'alltoall', algorithm);
    const sent = (k: number, from: number, to: number): unknown =>
      k % 2 === 0 ? { from, to, payload: item(k, from * size + to, size * size) } : item(k, from * size + to, size * size);
    for (let k = 0; k < rounds(size); k++) {
      const got = await valuesOnEveryRank(hub.hosts, (h, r) =>
        coll.alltoall(
          h,
          ranksOf(size).map((to) => sent(k, r, to)),
        ),
      );
      got.forEach((all, r) => {
        expect(all).toHaveLength(size);
        all.forEach((x, from) => expectSame(x, sent(k, from, r), `round ${k}: ${from} → ${r}`));
      });
    }
    expect(hub.received).toBe(hub.sent);
    if (size === 1) expect(hub.sent).toBe(0);
  });
});

describe('large values', () => {
  it.each([5])('%i ranks: large arrays pass through every gather/scatter/allgather/alltoall algorithm', async (size) => {
    const bigs = ranksOf(size).map((r) => large(r));
    const big = (r: number): Float64Array => bigs[r];
    for (const algorithm of algorithmsOf('gather')) {
      const hub = worldFor(size, 'gather', algorithm);
      const got = await valuesOnEveryRank(hub.hosts, (h, r) => coll.gather(h, big(r), size - 1));
      got[size - 1]!.forEach((x, i) => expectSame(x, big(i)));
    }
    for (const algorithm of algorithmsOf('scatter')) {
      const hub = worldFor(size, 'scatter', algorithm);
      const got = await valuesOnEveryRank(hub.hosts, (h, r) => coll.scatter(h, r === 1 ? ranksOf(size).map(big) : undefined, 1));
      got.forEach((x, i) => expectSame(x, big(i)));
    }
    for (const algorithm of algorithmsOf('allgather')) {
      const hub = worldFor(size, 'allgather', algorithm);
      const got = await valuesOnEveryRank(hub.hosts, (h, r) => coll.allgather(h, big(r)));
      got.forEach((all) => all.forEach((x, i) => expectSame(x, big(i))));
    }
    for (const algorithm of algorithmsOf('alltoall')) {
      const hub = worldFor(size, 'alltoall', algorithm);
      const got = await valuesOnEveryRank(hub.hosts, (h, r) =>
        coll.alltoall(
          h,
          ranksOf(size).map((to) => (to === r + 1 ? big(r) : r)),
        ),
      );
      got.forEach((all, r) => all.forEach((x, from) => expectSame(x, r === from + 1 ? big(from) : from)));
    }
  });
});
