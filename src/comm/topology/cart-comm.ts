/**
 * CartComm: a communicator whose ranks form a Cartesian grid (MPI_Cart_create), made by
 * `comm.createCart(dims, periods)`. It is a Communicator (every call works on it) that also
 * knows the grid: this rank's coordinates, ranks and coordinates of the others, the neighbours
 * along a dimension (`shift`, PROC_NULL past a non-periodic border) and sub-grids (`sub`).
 */
import { Communicator, kSplitParts, provideCartComm, type CommunicatorParts } from '../communicator.js';
import { tracked } from '../diagnostics/waits.js';
import { assertRank } from '../validate.js';
import { type Grid, coordsOf, rankOf, shift, subGrid } from './grid.js';

/**
 * A communicator whose ranks form a Cartesian grid (MPI_Cart_create), made by
 * {@link Communicator.createCart}: every Communicator call works on it, and it knows the grid.
 *
 * ```ts
 * const grid = await comm.createCart(computeDims(comm.size, 2), [true, false]);
 * const { source, dest } = grid!.shift(0, 1);
 * ```
 */
export class CartComm extends Communicator {
  readonly #grid: Grid;
  readonly #coords: readonly number[];

  /** @internal Made by `createCart` and `sub`. */
  constructor(parts: CommunicatorParts, grid: Grid) {
    super(parts);
    this.#grid = grid;
    this.#coords = Object.freeze(coordsOf(grid, parts.rank));
  }

  /** The number of ranks along each dimension. */
  get dims(): number[] {
    return this.#grid.dims.slice();
  }

  /** Whether each dimension wraps around. */
  get periods(): boolean[] {
    return this.#grid.periods.slice();
  }

  /** This rank's coordinates. */
  get coords(): number[] {
    return this.#coords.slice();
  }

  /** The coordinates of `rank` (MPI_Cart_coords). */
  coordsOf(rank: number): number[] {
    assertRank('rank', rank, this.size);
    return coordsOf(this.#grid, rank);
  }

  /** The rank at `coords` (MPI_Cart_rank): periodic dimensions wrap; outside a non-periodic one is a RangeError. */
  rankOf(coords: number[]): number {
    return rankOf(this.#grid, coords);
  }

  /**
   * The ranks `disp` steps down (`source`) and up (`dest`) dimension `direction` from this
   * rank (MPI_Cart_shift), PROC_NULL past a non-periodic border: pass them to `sendrecv`.
   *
   * ```ts
   * const { source, dest } = grid.shift(0, 1);
   * const fromBelow = await grid.sendrecv(myTopRow, dest, 0, source, 0); // undefined at the border
   * ```
   */
  shift(
    direction: number,
    disp = 1,
  ): {
    /** The rank `disp` steps back along `direction` (PROC_NULL past a non-periodic border). */
    source: number;
    /** The rank `disp` steps forward along `direction` (PROC_NULL past a non-periodic border). */
    dest: number;
  } {
    return shift(this.#grid, this.#coords, direction, disp);
  }

  /**
   * Collective: the sub-grid of the ranks that share this rank's coordinates in the dimensions
   * `keep` drops (MPI_Cart_sub), ranked by the kept coordinates. `sub([false, true])` on a
   * 2-D grid gives this rank's row.
   */
  async sub(keep: boolean[]): Promise<CartComm> {
    const { color, key, grid } = subGrid(this.#grid, this.#coords, keep);
    const parts = await this[kSplitParts](color, key, `a sub-grid ${JSON.stringify(grid.dims)} of ${this.name}`);
    return new CartComm(parts!, grid);
  }
}

// A rank waiting in sub() shows as such in a hang report, like the Communicator's collectives.
CartComm.prototype.sub = tracked('sub', undefined, true, CartComm.prototype.sub);

provideCartComm((parts, grid) => new CartComm(parts, grid));
