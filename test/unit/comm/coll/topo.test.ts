import { describe, expect, it } from 'vitest';
import {
  binomialTree,
  bruck,
  dissemination,
  fromVrank,
  largestPowerOfTwoAtMost,
  pairwise,
  recursiveDoubling,
  ringNeighbours,
  toVrank,
} from '../../../../src/comm/coll/topo.js';

const sizes = Array.from({ length: 64 }, (_, i) => i + 1);
const ceilLog2 = (n: number): number => (n <= 1 ? 0 : Math.ceil(Math.log2(n)));

describe('binomialTree', () => {
  // Plain checks collected into one list: a million expect() calls would take seconds.
  it.each(sizes)('size %i, every root: a spanning tree of depth ≤ ⌈log2 n⌉ with consistent links', (size) => {
    const bad: string[] = [];
    const check = (ok: boolean, what: string): void => {
      if (!ok && bad.length < 20) bad.push(what);
    };
    for (let root = 0; root < size; root++) {
      const trees = Array.from({ length: size }, (_, r) => binomialTree(r, size, root));
      for (let r = 0; r < size; r++) {
        const t = trees[r];
        const at = `root ${root} rank ${r}`;
        check(t.vrank === toVrank(r, size, root) && fromVrank(t.vrank, size, root) === r, `${at}: vrank`);
        if (r === root) check(t.parent === -1, `${at}: root has a parent`);
        else check(trees[t.parent].children.includes(r), `${at}: parent ${t.parent} does not list it`);
        for (const c of t.children) check(trees[c].parent === r, `${at}: child ${c} names another parent`);
        check(t.children.length === t.childVranks.length && t.children.length === t.childSizes.length, `${at}: lengths`);
        check(1 + t.childSizes.reduce((a, b) => a + b, 0) === t.subtree, `${at}: subtree sizes do not add up`);
        t.children.forEach((c, i) => {
          check(t.childVranks[i] === trees[c].vrank && t.childSizes[i] === trees[c].subtree, `${at}: child ${c} facts`);
          if (i > 0) check(t.childSizes[i - 1] >= t.childSizes[i], `${at}: not largest subtree first`);
        });
        // child subtrees tile [vrank + 1, vrank + subtree) contiguously
        const ranges = t.childVranks.map((v, i) => [v, v + t.childSizes[i]] as const).sort((a, b) => a[0] - b[0]);
        let next = t.vrank + 1;
        for (const [lo, hi] of ranges) {
          check(lo === next, `${at}: subtree ranges not contiguous`);
          next = hi;
        }
        check(next === t.vrank + t.subtree, `${at}: subtree ranges do not cover the subtree`);
      }
      // every rank reached exactly once from the root
      const seen = new Array<number>(size).fill(0);
      let depth = 0;
      const walk = (r: number, d: number): void => {
        seen[r]++;
        depth = Math.max(depth, d);
        for (const c of trees[r].children) walk(c, d + 1);
      };
      walk(root, 0);
      check(
        seen.every((n) => n === 1),
        `root ${root}: not every rank reached exactly once`,
      );
      check(depth <= ceilLog2(size), `root ${root}: depth ${depth}`);
      check(trees[root].subtree === size, `root ${root}: root subtree`);
    }
    expect(bad).toEqual([]);
  });

  it('sends to the largest subtree first even when the highest one is cut short', () => {
    expect(binomialTree(0, 5, 0)).toMatchObject({ parent: -1, children: [2, 4, 1], childSizes: [2, 1, 1], subtree: 5 });
    expect(binomialTree(3, 5, 2)).toMatchObject({ vrank: 1, parent: 2, children: [], subtree: 1 });
  });

  it('rounds: sending to children in order, everyone has the data after ⌈log2 n⌉ rounds', () => {
    for (const size of sizes) {
      for (const root of [0, size - 1, size >> 1]) {
        // A rank that got the data in round t sends to its i-th child in round t + i + 1.
        const when = new Array<number>(size).fill(-1);
        when[root] = 0;
        const order = [root];
        for (const r of order) {
          binomialTree(r, size, root).children.forEach((c, i) => {
            when[c] = when[r] + i + 1;
            order.push(c);
          });
        }
        expect(Math.max(...when)).toBe(ceilLog2(size));
      }
    }
  });
});

describe('recursiveDoubling', () => {
  it.each(sizes)('size %i: pairs fold, exchanges are symmetric, every block meets every other', (size) => {
    const pof2 = largestPowerOfTwoAtMost(size);
    const all = Array.from({ length: size }, (_, r) => recursiveDoubling(r, size));
    const rem = size - pof2;
    expect(all.filter((s) => s.newrank >= 0).length).toBe(pof2);
    // newrank order is real rank order
    const exchanging = all.map((s, r) => [s.newrank, r] as const).filter(([n]) => n >= 0);
    exchanging.forEach(([n], i) => expect(n).toBe(i));
    for (let r = 0; r < size; r++) {
      const s = all[r];
      expect(s.pof2).toBe(pof2);
      expect(s.rem).toBe(rem);
      if (r < 2 * rem) {
        expect(s.fold).toBe(r % 2 === 0 ? 'give' : 'take');
        expect(all[s.foldPeer].foldPeer).toBe(r);
      } else {
        expect(s.fold).toBe('none');
      }
      if (s.newrank < 0) {
        expect(s.rounds).toEqual([]);
        continue;
      }
      expect(s.rounds.length).toBe(Math.log2(pof2));
      s.rounds.forEach((round, i) => {
        const back = all[round.peer].rounds[i];
        expect(back.peer).toBe(r);
        expect(back.peerIsLower).toBe(!round.peerIsLower);
        expect(round.peerIsLower).toBe(round.peer < r);
      });
    }
    // Knowledge: folded pairs merge, then after the rounds every exchanging rank covers all.
    const know = all.map((_, r) => new Set([r]));
    for (let r = 0; r < size; r++) if (all[r].fold === 'take') know[r].add(all[r].foldPeer);
    for (let i = 0; i < Math.log2(pof2); i++) {
      const next = know.map((k) => new Set(k));
      for (let r = 0; r < size; r++) for (const round of all[r].rounds.slice(i, i + 1)) for (const x of know[round.peer]) next[r].add(x);
      next.forEach((k, r) => (know[r] = k));
      // groups stay contiguous ranges of real ranks (what keeps non-commutative order)
      for (let r = 0; r < size; r++) {
        if (all[r].newrank < 0) continue;
        const members = [...know[r]].sort((a, b) => a - b);
        expect(members[members.length - 1] - members[0] + 1).toBe(members.length);
      }
    }
    for (let r = 0; r < size; r++) if (all[r].newrank >= 0) expect(know[r].size).toBe(size);
  });
});

describe('other schedules', () => {
  it.each(sizes)('size %i: ring, bruck, dissemination and pairwise reach everyone', (size) => {
    const bad: string[] = [];
    const check = (ok: boolean, what: string): void => {
      if (!ok && bad.length < 20) bad.push(what);
    };
    for (let r = 0; r < size; r++) {
      const { left, right } = ringNeighbours(r, size);
      check(ringNeighbours(right, size).left === r && ringNeighbours(left, size).right === r, `ring at ${r}`);
    }
    // Bruck: rank r holds blocks r, r+1, ... and ends with all of them.
    const held = Array.from({ length: size }, (_, r) => [r]);
    const rounds = Array.from({ length: size }, (_, r) => bruck(r, size));
    check(rounds[0].length === ceilLog2(size), 'bruck rounds');
    for (let i = 0; i < rounds[0].length; i++) {
      const sent = held.map((h, r) => h.slice(0, rounds[r][i].count));
      for (let r = 0; r < size; r++) {
        const { from, to, count } = rounds[r][i];
        check(rounds[to][i].from === r && sent[from].length === count, `bruck round ${i} at ${r}`);
        held[r].push(...sent[from]);
      }
    }
    for (let r = 0; r < size; r++) check(held[r].every((b, i) => b === (r + i) % size) && held[r].length === size, `bruck result at ${r}`);
    // Dissemination: after the rounds every rank has heard from everyone.
    const diss = Array.from({ length: size }, (_, r) => dissemination(r, size));
    const heard = Array.from({ length: size }, (_, r) => new Set([r]));
    for (let i = 0; i < diss[0].length; i++) {
      const before = heard.map((h) => [...h]);
      for (let r = 0; r < size; r++) {
        const { to, from } = diss[r][i];
        check(diss[to][i].from === r, `dissemination round ${i} at ${r}`);
        for (const x of before[from]) heard[r].add(x);
      }
    }
    check(diss[0].length === ceilLog2(size) && heard.every((h) => h.size === size), 'dissemination coverage');
    // Pairwise: each step is a matching, and each pair meets exactly once.
    const pw = Array.from({ length: size }, (_, r) => pairwise(r, size));
    const met = new Set<string>();
    for (let r = 0; r < size; r++) {
      pw[r].forEach(({ to, from }, i) => {
        check(pw[to][i].from === r && pw[from][i].to === r, `pairwise step ${i} at ${r}`);
        met.add(`${r}>${to}`);
      });
    }
    check(met.size === size * (size - 1), 'pairwise coverage');
    expect(bad).toEqual([]);
  });
});
