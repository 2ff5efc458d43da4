/**
 * `computeDims`, MPI_Dims_create: a balanced grid of `nnodes` ranks. Fixed (non-zero) entries
 * are kept, free (zero) entries are filled so their product is nnodes / (product of the fixed
 * ones), as close to each other as possible and in non-increasing order. "As close as
 * possible" is exact here, not greedy: among all non-increasing factorisations the one whose
 * largest factor is smallest, then whose second is smallest, and so on (the lexicographically
 * smallest), found by a search over divisors (the grids people ask for are small).
 */
import { Errors } from '../errors.js';

/**
 * A balanced grid for `nnodes` ranks.
 *
 * ```ts
 * computeDims(6, 2);          // [3, 2]
 * computeDims(12, 3);         // [3, 2, 2]
 * computeDims(12, [0, 3, 0]); // [2, 3, 2]
 * ```
 */
export function computeDims(nnodes: number, dims: number[] | number): number[] {
  if (!Number.isSafeInteger(nnodes) || nnodes < 1) throw new RangeError(`nnodes must be a positive integer, got ${Errors.describe(nnodes)}`);
  const given = typeof dims === 'number' ? checkedCount(dims) : checkedDims(dims);
  let fixed = 1;
  for (const d of given) if (d > 0) fixed *= d;
  const free = given.filter((d) => d === 0).length;
  if (nnodes % fixed !== 0 || (free === 0 && fixed !== nnodes)) {
    throw new RangeError(
      `dims ${JSON.stringify(given)}: the fixed entries (product ${fixed}) ${free === 0 ? 'must multiply to' : 'must divide'} nnodes ${nnodes}`,
    );
  }
  const factors = balancedFactors(nnodes / fixed, free);
  let next = 0;
  return given.map((d) => (d === 0 ? factors[next++] : d));
}

function checkedCount(n: number): number[] {
  if (!Number.isSafeInteger(n) || n < 0)
    throw new RangeError(`dims must be a number of dimensions (a non-negative integer) or an array, got ${Errors.describe(n)}`);
  return new Array<number>(n).fill(0);
}

function checkedDims(dims: unknown): number[] {
  if (!Array.isArray(dims)) throw new TypeError(`dims must be an array of non-negative integers or a number of dimensions, got ${Errors.describe(dims)}`);
  dims.forEach((d, i) => {
    if (!Number.isSafeInteger(d) || (d as number) < 0) throw new RangeError(`dims[${i}] must be a non-negative integer (0: free), got ${Errors.describe(d)}`);
  });
  return dims.slice() as number[];
}

/** `n` as `k` factors in non-increasing order, lexicographically smallest (most balanced). */
export function balancedFactors(n: number, k: number): number[] {
  if (k === 0) return [];
  const divisors: number[] = [];
  for (let d = 1; d * d <= n; d++) {
    if (n % d === 0) divisors.push(d, n / d);
  }
  divisors.sort((a, b) => a - b);
  // Smallest possible first factor: the smallest divisor f with f^k >= n, from which a
  // non-increasing completion exists; then recurse on n / f with factors no larger than f.
  const search = (m: number, slots: number, cap: number): number[] | undefined => {
    if (slots === 1) return m <= cap ? [m] : undefined;
    for (const f of divisors) {
      if (f > cap || f > m) break;
      if (m % f !== 0 || f ** slots < m) continue;
      const rest = search(m / f, slots - 1, f);
      if (rest !== undefined) return [f, ...rest];
    }
    return undefined;
  };
  return search(n, k, n)!;
}
