import { describe, expect, it } from 'vitest';
import { PROC_NULL } from '../../../../src/comm/constants.js';
import { checkGrid, coordsOf, rankOf, shift, subGrid } from '../../../../src/comm/topology/grid.js';

describe('Cartesian grid arithmetic', () => {
  const grid = checkGrid([3, 4], [true, false], false, 12);

  it('numbers ranks row-major and round-trips every rank', () => {
    expect(coordsOf(grid, 0)).toEqual([0, 0]);
    expect(coordsOf(grid, 5)).toEqual([1, 1]);
    expect(coordsOf(grid, 11)).toEqual([2, 3]);
    for (let r = 0; r < 12; r++) expect(rankOf(grid, coordsOf(grid, r))).toBe(r);
    expect(rankOf(grid, [-1, 0])).toBe(8); // periodic wrap
    expect(() => rankOf(grid, [0, 4])).toThrow(new RangeError('coords[1] 4 is outside [0, 4) of a non-periodic dimension'));
    expect(() => rankOf(grid, [0])).toThrow(RangeError);
  });

  it('shift: wraps in periodic dimensions, PROC_NULL past other borders, any displacement', () => {
    expect(shift(grid, [0, 0], 0, 1)).toEqual({ source: 8, dest: 4 });
    expect(shift(grid, [0, 0], 1, 1)).toEqual({ source: PROC_NULL, dest: 1 });
    expect(shift(grid, [1, 3], 1, 1)).toEqual({ source: 6, dest: PROC_NULL });
    expect(shift(grid, [1, 1], 1, -1)).toEqual({ source: 6, dest: 4 });
    expect(shift(grid, [1, 1], 0, 4)).toEqual({ source: 1, dest: 9 });
    expect(() => shift(grid, [0, 0], 2, 1)).toThrow(new RangeError('direction 2 is out of range [0, 2) of this 2-dimensional grid'));
    expect(() => shift(grid, [0, 0], 0, 1.5)).toThrow(new RangeError('disp must be an integer, got 1.5'));
  });

  it('sub: colors by dropped coordinates, keys by kept ones', () => {
    expect(subGrid(grid, [2, 1], [false, true])).toEqual({ color: 2, key: 1, grid: { dims: [4], periods: [false] } });
    expect(subGrid(grid, [2, 1], [true, false])).toEqual({ color: 1, key: 2, grid: { dims: [3], periods: [true] } });
    expect(subGrid(grid, [2, 1], [false, false]).grid.dims).toEqual([]);
  });

  it('checkGrid names the bad argument', () => {
    expect(() => checkGrid([3, 3], undefined, false, 4)).toThrow(new RangeError('dims [3,3] need 9 ranks, more than the 4 of this communicator'));
    expect(() => checkGrid([2, 0], undefined, false, 4)).toThrow(new RangeError('dims[1] must be a positive integer, got 0'));
    expect(() => checkGrid([2], [true, true], false, 4)).toThrow(new RangeError('periods has 2 entries, dims 1: one per dimension'));
    expect(() => checkGrid('2', undefined, false, 4)).toThrow(TypeError);
    expect(() => checkGrid([2], [1] as never, false, 4)).toThrow(TypeError);
    expect(() => checkGrid([2], undefined, 'no', 4)).toThrow(TypeError);
    expect(checkGrid([2], undefined, false, 4).periods).toEqual([false]);
  });
});
