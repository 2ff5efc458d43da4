import { describe, expect, it } from 'vitest';
import { balancedFactors, computeDims } from '../../../../src/comm/topology/dims.js';

describe('computeDims', () => {
  it('balanced grids in non-increasing order, as MPI_Dims_create', () => {
    expect(computeDims(6, 2)).toEqual([3, 2]);
    expect(computeDims(7, 2)).toEqual([7, 1]);
    expect(computeDims(12, 3)).toEqual([3, 2, 2]);
    expect(computeDims(16, 2)).toEqual([4, 4]);
    expect(computeDims(24, 3)).toEqual([4, 3, 2]);
    expect(computeDims(72, 3)).toEqual([6, 4, 3]);
    expect(computeDims(1, 3)).toEqual([1, 1, 1]);
    expect(computeDims(1, 0)).toEqual([]);
  });

  it('keeps fixed entries and fills the zeros', () => {
    expect(computeDims(12, [0, 3, 0])).toEqual([2, 3, 2]);
    expect(computeDims(8, [2, 0])).toEqual([2, 4]);
    expect(computeDims(8, [2, 4])).toEqual([2, 4]);
  });

  it('is exhaustive: for every n <= 200 and k <= 4 the most balanced factorisation', () => {
    for (let n = 1; n <= 200; n++) {
      for (let k = 1; k <= 4; k++) {
        const got = balancedFactors(n, k);
        expect(got.reduce((a, b) => a * b, 1)).toBe(n);
        expect(got).toEqual([...got].sort((a, b) => b - a));
        // No factorisation has a smaller largest factor.
        const best = bruteMaxFactor(n, k);
        expect(got[0], `n=${n} k=${k}`).toBe(best);
      }
    }
  });

  it('bad arguments are RangeErrors naming them', () => {
    expect(() => computeDims(6, [4, 0])).toThrow(new RangeError('dims [4,0]: the fixed entries (product 4) must divide nnodes 6'));
    expect(() => computeDims(6, [2, 2])).toThrow(new RangeError('dims [2,2]: the fixed entries (product 4) must multiply to nnodes 6'));
    expect(() => computeDims(0, 2)).toThrow(new RangeError('nnodes must be a positive integer, got 0'));
    expect(() => computeDims(6, [-1, 0])).toThrow(new RangeError('dims[0] must be a non-negative integer (0: free), got -1'));
    expect(() => computeDims(6, -2)).toThrow(RangeError);
    expect(() => computeDims(6, 'x' as never)).toThrow(TypeError);
  });
});

function bruteMaxFactor(n: number, k: number): number {
  let best = Infinity;
  const walk = (m: number, slots: number, max: number): void => {
    if (slots === 0) {
      if (m === 1) best = Math.min(best, max);
      return;
    }
    for (let f = 1; f <= m; f++) if (m % f === 0) walk(m / f, slots - 1, Math.max(max, f));
  };
  walk(n, k, 0);
  return best;
}
