import { describe, expect, it } from 'vitest';
import type { CollectiveName } from '../../../../src/comm/coll/channel.js';
import { type PayloadFacts, kAlgorithms, kThresholds, selectAlgorithm } from '../../../../src/comm/coll/select.js';

const collectives = Object.keys(kAlgorithms) as CollectiveName[];
const bigTyped: PayloadFacts = { size: 8, typedLength: 1e5, bytes: 8e5, commutative: true, elementwise: true };

describe('selectAlgorithm', () => {
  it.each(collectives)('%s: a forced name is used; an unknown one is a RangeError listing the valid ones', (c) => {
    for (const name of kAlgorithms[c]) {
      if (c === 'allreduce' && (name === 'ring' || name === 'shared-memory' || name === 'hierarchical')) continue; // needs suitable input, see below
      const where = name === 'hierarchical' ? { spansHosts: true } : { hostShared: true };
      // reduce-scatter's ring and halving need a commutative op
      const facts = c.startsWith('reduce_scatter') ? { size: 4, commutative: true } : { size: 4, ...where };
      expect(selectAlgorithm(c, facts, { [c]: name })).toBe(name);
    }
    expect(() => selectAlgorithm(c, { size: 4 }, { [c]: 'foo' })).toThrow(
      new RangeError(`TSMPI_COLL_${c.toUpperCase()}="foo" is not an algorithm of ${c}: use one of ${kAlgorithms[c].join(', ')}`),
    );
    expect(selectAlgorithm(c, { size: 4 }, { [c]: 'auto' })).toBe(selectAlgorithm(c, { size: 4 }, {}));
  });

  it('the allreduce message names the valid algorithms', () => {
    expect(() => selectAlgorithm('allreduce', { size: 2 }, { allreduce: 'foo' })).toThrow(
      'TSMPI_COLL_ALLREDUCE="foo" is not an algorithm of allreduce: use one of recursive-doubling, ring, shared-memory, hierarchical, reduce-bcast',
    );
  });

  it('never picks a linear or root-centred algorithm automatically', () => {
    const rootCentred = new Set(['linear', 'gather-bcast', 'reduce-bcast']);
    for (const c of collectives) {
      for (let size = 1; size <= 64; size++) {
        for (const facts of [{ size }, { ...bigTyped, size }, { size, bytes: 1e8 }, { size, typedLength: 3, bytes: 24, commutative: false }]) {
          expect(rootCentred.has(selectAlgorithm(c, facts))).toBe(false);
        }
      }
    }
  });

  it('automatic choices', () => {
    expect(selectAlgorithm('barrier', { size: 5 })).toBe('dissemination');
    expect(selectAlgorithm('scatter', { size: 5 })).toBe('binomial');
    expect(selectAlgorithm('gather', { size: 5 })).toBe('binomial');
    expect(selectAlgorithm('allgather', { size: 5 })).toBe('bruck');
    expect(selectAlgorithm('alltoall', { size: 5 })).toBe('pairwise');
    expect(selectAlgorithm('reduce', { size: 5 })).toBe('binomial');
    expect(selectAlgorithm('scan', { size: 5 })).toBe('recursive-doubling');
    expect(selectAlgorithm('exscan', { size: 5 })).toBe('recursive-doubling');
    // bcast: only the root knows the size; it splits large payloads on many ranks
    expect(selectAlgorithm('bcast', { size: 8 })).toBe('binomial');
    expect(selectAlgorithm('bcast', { size: 8, bytes: 100 })).toBe('binomial');
    expect(selectAlgorithm('bcast', { size: 8, bytes: kThresholds.bcastSplitBytes })).toBe('scatter-allgather');
    expect(selectAlgorithm('bcast', { size: 7, bytes: 1e8 })).toBe('binomial');
    // allreduce: the ring for large typed arrays under element-wise built-ins only
    expect(selectAlgorithm('allreduce', bigTyped)).toBe('ring');
    expect(selectAlgorithm('allreduce', { ...bigTyped, bytes: kThresholds.allreduceRingBytes - 8 })).toBe('recursive-doubling');
    expect(selectAlgorithm('allreduce', { ...bigTyped, commutative: false })).toBe('recursive-doubling');
    expect(selectAlgorithm('allreduce', { ...bigTyped, elementwise: false })).toBe('recursive-doubling');
    expect(selectAlgorithm('allreduce', { ...bigTyped, size: 1 })).toBe('recursive-doubling');
    expect(selectAlgorithm('allreduce', { size: 8, commutative: true, elementwise: true })).toBe('recursive-doubling');
  });

  it('ranks of one host with host memory: large bcasts and allreduces go through it', () => {
    const shared = { ...bigTyped, hostShared: true, bytes: kThresholds.allreduceSharedBytes };
    expect(selectAlgorithm('allreduce', shared)).toBe('shared-memory');
    expect(selectAlgorithm('allreduce', { ...shared, bytes: kThresholds.allreduceSharedBytes - 8 })).toBe('ring');
    expect(selectAlgorithm('allreduce', { ...shared, elementwise: false })).toBe('recursive-doubling');
    expect(selectAlgorithm('allreduce', { ...shared, hostShared: false })).toBe('ring');
    expect(selectAlgorithm('bcast', { size: 8, hostShared: true, bytes: kThresholds.bcastSharedBytes })).toBe('shared-memory');
    expect(selectAlgorithm('bcast', { size: 8, hostShared: true, bytes: kThresholds.bcastSharedBytes - 1 })).toBe('binomial');
    expect(selectAlgorithm('bcast', { size: 8, hostShared: true })).toBe('binomial'); // a non-root follows the root
    // forced where there is no host memory: the automatic choice
    expect(selectAlgorithm('allreduce', bigTyped, { allreduce: 'shared-memory' })).toBe('ring');
    expect(selectAlgorithm('bcast', { size: 8, bytes: 100 }, { bcast: 'shared-memory' })).toBe('binomial');
    expect(selectAlgorithm('bcast', { size: 8 }, { bcast: 'shared-memory' })).toBe('binomial');
  });

  it('ranks on several hosts sharing memory inside them: hierarchical bcast at any size, allreduce when large', () => {
    const spans = { ...bigTyped, spansHosts: true, bytes: kThresholds.allreduceSharedBytes };
    expect(selectAlgorithm('bcast', { size: 8, spansHosts: true })).toBe('hierarchical');
    expect(selectAlgorithm('bcast', { size: 8, spansHosts: true, bytes: 10 })).toBe('hierarchical');
    expect(selectAlgorithm('allreduce', spans)).toBe('hierarchical');
    expect(selectAlgorithm('allreduce', { ...spans, bytes: kThresholds.allreduceSharedBytes - 8 })).toBe('ring');
    expect(selectAlgorithm('allreduce', { ...spans, commutative: false })).toBe('recursive-doubling');
    expect(selectAlgorithm('allreduce', bigTyped, { allreduce: 'hierarchical' })).toBe('ring');
    expect(selectAlgorithm('bcast', { size: 8, bytes: 10 }, { bcast: 'hierarchical' })).toBe('binomial');
  });

  it('reduce-scatter: halving or ring for element-wise commutative ops, reduce + scatterv otherwise', () => {
    for (const c of ['reduce_scatter', 'reduce_scatter_block'] as const) {
      const elementwise = { commutative: true, elementwise: true };
      expect(selectAlgorithm(c, { size: 8, ...elementwise, bytes: 1e8 })).toBe('recursive-halving');
      expect(selectAlgorithm(c, { size: 6, ...elementwise, bytes: 100 })).toBe('recursive-halving');
      expect(selectAlgorithm(c, { size: 6, ...elementwise, bytes: kThresholds.reduceScatterRingBytes })).toBe('ring');
      expect(selectAlgorithm(c, { size: 8, commutative: true, elementwise: false })).toBe('reduce-scatterv');
      expect(selectAlgorithm(c, { size: 8, commutative: false })).toBe('reduce-scatterv');
      // forced halving or ring with a non-commutative op gives way
      expect(selectAlgorithm(c, { size: 8, commutative: false }, { [c]: 'ring' })).toBe('reduce-scatterv');
      expect(selectAlgorithm(c, { size: 8, commutative: true }, { [c]: 'ring' })).toBe('ring');
    }
    for (const c of ['scatterv', 'gatherv', 'allgatherv', 'alltoallv'] as const) expect(selectAlgorithm(c, { size: 5 })).toBe(kAlgorithms[c][0]);
  });

  it('a forced ring gives way to the automatic choice when it cannot take the input', () => {
    const ring = { allreduce: 'ring' };
    expect(selectAlgorithm('allreduce', { ...bigTyped, bytes: 16, typedLength: 8 }, ring)).toBe('ring');
    expect(selectAlgorithm('allreduce', { ...bigTyped, elementwise: false }, ring)).toBe('ring'); // a user op declared commutative
    expect(selectAlgorithm('allreduce', { size: 8, commutative: true }, ring)).toBe('recursive-doubling'); // not a typed array
    expect(selectAlgorithm('allreduce', { ...bigTyped, commutative: false }, ring)).toBe('recursive-doubling');
    expect(selectAlgorithm('allreduce', { ...bigTyped, typedLength: 7 }, ring)).toBe('recursive-doubling'); // fewer elements than ranks
    expect(selectAlgorithm('allreduce', { ...bigTyped, size: 1 }, ring)).toBe('recursive-doubling');
  });
});
