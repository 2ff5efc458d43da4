import { describe, expect, it } from 'vitest';
import * as coll from '../../../src/comm/coll/index.js';
import { valuesOnEveryRank } from '../../helpers/coll-hub.js';
import { algorithmsOf, expectSame, prefixes, kSizes, ranksOf, reductionCases, snapshot, worldFor } from './corpus.js';

const cases = reductionCases();

describe.each(kSizes)('reduce on %i ranks', (size) => {
  describe.each(algorithmsOf('reduce'))('%s', (algorithm) => {
    it.each(ranksOf(size))('root %i: rank-ordered result on the root, undefined elsewhere, inputs untouched', async (root) => {
      const hub = worldFor(size, 'reduce', algorithm, root);
      for (const c of cases) {
        if (c.large && root !== 0 && root !== size - 1) continue; // big operands: a couple of roots suffice
        const want = prefixes(c, size)[size - 1];
        const inputs = ranksOf(size).map((r) => c.value(r));
        const before = inputs.map(snapshot);
        const got = await valuesOnEveryRank(hub.hosts, (h, r) => coll.reduce(h, inputs[r], c.op, root));
        got.forEach((v, r) => (r === root ? expectSame(v, want, c.name) : expect(v, c.name).toBeUndefined()));
        inputs.forEach((v, r) => expect(snapshot(v).equals(before[r]), `${c.name}: input of rank ${r} changed`).toBe(true));
        if (typeof inputs[root] === 'object') expect(got[root] === inputs[root], c.name).toBe(false);
      }
      expect(hub.received).toBe(hub.sent);
      if (size === 1) expect(hub.sent).toBe(0);
    });
  });
});
