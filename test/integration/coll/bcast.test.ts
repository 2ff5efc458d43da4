import { describe, expect, it } from 'vitest';
import * as coll from '../../../src/comm/coll/index.js';
import { createCollHub, valuesOnEveryRank } from '../../helpers/coll-hub.js';
import { algorithmsOf, corpus, expectSame, hostsOf, kHubHostMemory, kSizes, large, ranksOf, worldFor } from './corpus.js';

describe.each(kSizes)('bcast on %i ranks', (size) => {
  describe.each(algorithmsOf('bcast'))('%s', (algorithm) => {
    it.each(ranksOf(size))('root %i: every value reaches every rank as its own copy', async (root) => {
      const hub = worldFor(size, 'bcast', algorithm, root);
      for (const [name, value] of corpus()) {
        const got = await valuesOnEveryRank(hub.hosts, (h, r) => coll.bcast(h, r === root ? value : 'ignored', root));
        got.forEach((v, r) => expectSame(v, value, `${name} on rank ${r}`));
        if (typeof value === 'object' && value !== null) {
          // the root decodes its own copy too, and no two ranks share one
          // (plain === : vitest's not.toBe deep-compares for its hint, slow on 100k elements)
          expect(got[root] === value, name).toBe(false);
          if (size > 1) expect(got[0] === got[size - 1], name).toBe(false);
        }
      }
      expect(hub.received).toBe(hub.sent);
      if (size === 1) expect(hub.sent).toBe(0);
    });
  });
});

describe('bcast of large payloads', () => {
  it.each([
    [8, 'auto'],
    [8, 'scatter-allgather'],
    [5, 'scatter-allgather'],
    [3, 'scatter-allgather'],
  ])('%i ranks, %s: split payloads are joined back exactly, even tiny ones', async (size, algorithm) => {
    const hub = worldFor(size, 'bcast', algorithm);
    const values = [large(), new Uint8Array([1, 2]), Buffer.alloc(0), { nested: large(1) }];
    for (const root of ranksOf(size)) {
      for (const value of values) {
        const got = await valuesOnEveryRank(hub.hosts, (h, r) => coll.bcast(h, r === root ? value : undefined, root));
        got.forEach((v, r) => expectSame(v, value, `root ${root}, rank ${r}`));
      }
    }
    expect(hub.received).toBe(hub.sent);
  });

  it('the automatic choice splits a large payload on 8 ranks: less data through any rank than a tree', async () => {
    const busiest = async (algorithm: string): Promise<number> => {
      const hub = worldFor(8, 'bcast', algorithm);
      await valuesOnEveryRank(hub.hosts, (h, r) => coll.bcast(h, r === 0 ? large() : undefined, 0));
      return Math.max(...hub.bytesFrom);
    };
    const bytes = large().byteLength;
    const [auto, split, tree] = [await busiest('auto'), await busiest('scatter-allgather'), await busiest('binomial')];
    expect(tree).toBe(3 * bytes); // the root sends it whole to 3 children
    expect(auto).toBe(split);
    expect(split).toBeLessThanOrEqual(2 * (7 / 8) * bytes + 1000); // scatter 7/8 + ring 7/8
  });

  it('ranks sharing host memory get a large payload through it from any root: the root sends only notices', async () => {
    const hub = createCollHub(5, { hostMemoryBytes: kHubHostMemory, shuffleDelays: true });
    // Past two pieces of host memory, so slots are reused while others still copy.
    const pieces = new Uint8Array(9 * 1024 * 1024 + 3).map((_, i) => (i * 31) & 255);
    for (const root of ranksOf(5)) {
      for (const value of [large(root), { nested: large(1) }, ...(root < 2 ? [pieces] : [])]) {
        const got = await valuesOnEveryRank(hub.hosts, (h, r) => coll.bcast(h, r === root ? value : undefined, root));
        got.forEach((v, r) => expectSame(v, value, `root ${root}, rank ${r}`));
        expect(got[root] === value).toBe(false);
      }
    }
    expect(Math.max(...hub.bytesFrom)).toBeLessThan(20_000);
    expect(hub.received).toBe(hub.sent);
  });

  it('ranks on several hosts: a large payload crosses to each other host once, then through its host memory', async () => {
    for (const size of [3, 5, 8]) {
      const hub = createCollHub(size, { hostMemoryBytes: kHubHostMemory, hostOf: hostsOf(size), shuffleDelays: true });
      for (const root of ranksOf(size)) {
        const got = await valuesOnEveryRank(hub.hosts, (h, r) => coll.bcast(h, r === root ? large(root) : undefined, root));
        got.forEach((v, r) => expectSame(v, large(root), `${size} ranks, root ${root}, rank ${r}`));
      }
      const hosts = new Set(hostsOf(size)).size;
      expect(hub.bytes).toBeLessThan(size * (hosts - 1) * large().byteLength + 100_000);
    }
  });
});
