/**
 * The arithmetic of a Cartesian grid of ranks, pure: ranks are numbered row-major over the grid
 * (the last dimension varies fastest), as MPI does; periodic dimensions wrap. CartComm
 * (cart-comm.ts) holds one of these; every check names the argument and the value.
 */
import { PROC_NULL } from '../constants.js';
import { Errors } from '../errors.js';

export interface Grid {
  readonly dims: readonly number[];
  readonly periods: readonly boolean[];
}

/** Checks createCart's arguments against a communicator of `size` ranks; gives the grid. */
export function checkGrid(dims: unknown, periods: unknown, reorder: unknown, size: number): Grid {
  if (!Array.isArray(dims)) throw new TypeError(`dims must be an array of positive integers, got ${Errors.describe(dims)}`);
  dims.forEach((d, i) => {
    if (!Number.isSafeInteger(d) || (d as number) < 1) throw new RangeError(`dims[${i}] must be a positive integer, got ${Errors.describe(d)}`);
  });
  const nodes = product(dims as number[]);
  if (nodes > size) throw new RangeError(`dims ${JSON.stringify(dims)} need ${nodes} ranks, more than the ${size} of this communicator`);
  const p = periods ?? dims.map(() => false);
  if (!Array.isArray(p) || p.some((x) => typeof x !== 'boolean')) throw new TypeError(`periods must be an array of booleans, got ${Errors.describe(periods)}`);
  if (p.length !== dims.length) throw new RangeError(`periods has ${p.length} entries, dims ${dims.length}: one per dimension`);
  if (typeof reorder !== 'boolean') throw new TypeError(`reorder must be a boolean, got ${Errors.describe(reorder)}`);
  return { dims: Object.freeze(dims.slice() as number[]), periods: Object.freeze(p.slice() as boolean[]) };
}

export function product(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

/** The coordinates of `rank` (checked to be in the grid by the caller). */
export function coordsOf(grid: Grid, rank: number): number[] {
  const { dims } = grid;
  const coords = new Array<number>(dims.length);
  for (let i = dims.length - 1; i >= 0; i--) {
    coords[i] = rank % dims[i];
    rank = Math.floor(rank / dims[i]);
  }
  return coords;
}

/** The rank at `coords`; periodic dimensions wrap, outside a non-periodic one is a RangeError. */
export function rankOf(grid: Grid, coords: unknown): number {
  const { dims } = grid;
  if (!Array.isArray(coords) || coords.length !== dims.length) {
    throw new RangeError(`coords must be an array of ${dims.length} integers (one per dimension), got ${Errors.describe(coords)}`);
  }
  let rank = 0;
  for (let i = 0; i < dims.length; i++) {
    const c = coords[i] as unknown;
    if (!Number.isSafeInteger(c)) throw new RangeError(`coords[${i}] must be an integer, got ${Errors.describe(c)}`);
    const at = wrapOrNull(grid, i, c as number);
    if (at === undefined) throw new RangeError(`coords[${i}] ${c as number} is outside [0, ${dims[i]}) of a non-periodic dimension`);
    rank = rank * dims[i] + at;
  }
  return rank;
}

/** Coordinate `c` of dimension `i` wrapped if periodic; undefined past a non-periodic border. */
function wrapOrNull(grid: Grid, i: number, c: number): number | undefined {
  const d = grid.dims[i];
  if (grid.periods[i]) return ((c % d) + d) % d;
  return c >= 0 && c < d ? c : undefined;
}

/**
 * The neighbours `disp` steps down (source) and up (dest) dimension `direction` from `coords`,
 * PROC_NULL past a non-periodic border (MPI_Cart_shift).
 */
export function shift(grid: Grid, coords: readonly number[], direction: unknown, disp: unknown): { source: number; dest: number } {
  const n = grid.dims.length;
  if (!Number.isInteger(direction) || (direction as number) < 0 || (direction as number) >= n) {
    throw new RangeError(`direction ${Errors.describe(direction)} is out of range [0, ${n}) of this ${n}-dimensional grid`);
  }
  if (!Number.isSafeInteger(disp)) throw new RangeError(`disp must be an integer, got ${Errors.describe(disp)}`);
  const neighbour = (step: number): number => {
    const at = wrapOrNull(grid, direction as number, coords[direction as number] + step);
    if (at === undefined) return PROC_NULL;
    const c = coords.slice();
    c[direction as number] = at;
    return rankOf(grid, c);
  };
  return { source: neighbour(-(disp as number)), dest: neighbour(disp as number) };
}

/**
 * How `sub(keep)` splits the grid: ranks that agree on the dropped coordinates form one
 * sub-grid (`color`: their row-major index over the dropped dimensions), ranked by the kept
 * coordinates (`key`).
 */
export function subGrid(grid: Grid, coords: readonly number[], keep: unknown): { color: number; key: number; grid: Grid } {
  const n = grid.dims.length;
  if (!Array.isArray(keep) || keep.some((x) => typeof x !== 'boolean')) throw new TypeError(`keep must be an array of booleans, got ${Errors.describe(keep)}`);
  if (keep.length !== n) throw new RangeError(`keep has ${keep.length} entries, the grid ${n} dimensions: one per dimension`);
  let color = 0;
  let key = 0;
  const dims: number[] = [];
  const periods: boolean[] = [];
  for (let i = 0; i < n; i++) {
    if (keep[i]) {
      key = key * grid.dims[i] + coords[i];
      dims.push(grid.dims[i]);
      periods.push(grid.periods[i]);
    } else {
      color = color * grid.dims[i] + coords[i];
    }
  }
  return { color, key, grid: { dims: Object.freeze(dims), periods: Object.freeze(periods) } };
}
