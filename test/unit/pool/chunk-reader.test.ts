import { describe, expect, it } from 'vitest';
import { ChunkReader, defaultChunksize, sizeOf } from '../../../src/pool/chunk-reader.js';

const single = (item: unknown): unknown[] => [item];

async function all(reader: ChunkReader): Promise<Array<[number, number, unknown[][]]>> {
  const out: Array<[number, number, unknown[][]]> = [];
  for (let c = await reader.next(); c !== null; c = await reader.next()) out.push([c.seq, c.start, c.args]);
  return out;
}

describe('ChunkReader', () => {
  it('cuts an array into chunks of chunksize, the last one shorter', async () => {
    expect(await all(new ChunkReader([1, 2, 3, 4, 5], 2, single))).toEqual([
      [0, 0, [[1], [2]]],
      [1, 2, [[3], [4]]],
      [2, 4, [[5]]],
    ]);
  });

  it('reads async iterables and passes starmap tuples through', async () => {
    async function* gen(): AsyncGenerator<[number, number]> {
      yield [1, 2];
      yield [3, 4];
      yield [5, 6];
    }
    expect(await all(new ChunkReader(gen(), 2, (t) => t as unknown[]))).toEqual([
      [
        0,
        0,
        [
          [1, 2],
          [3, 4],
        ],
      ],
      [1, 2, [[5, 6]]],
    ]);
  });

  it('pulls nothing ahead of the chunk asked for', async () => {
    let pulled = 0;
    function* endless(): Generator<number> {
      for (let i = 0; ; i++) {
        pulled++;
        yield i;
      }
    }
    const reader = new ChunkReader(endless(), 3, single);
    expect(pulled).toBe(0);
    await reader.next();
    expect([pulled, reader.pulled]).toEqual([3, 3]);
    await reader.next();
    expect(pulled).toBe(6);
  });

  it("close() runs a generator's finally and ends the reader", async () => {
    let closed = false;
    function* gen(): Generator<number> {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        closed = true;
      }
    }
    const reader = new ChunkReader(gen(), 2, single);
    await reader.next();
    await reader.close();
    expect(closed).toBe(true);
    expect(await reader.next()).toBeNull();
  });

  it('an input that throws rejects next()', async () => {
    function* bad(): Generator<number> {
      yield 1;
      throw new Error('input broke');
    }
    const reader = new ChunkReader(bad(), 5, single);
    await expect(reader.next()).rejects.toThrow('input broke');
  });

  it('an empty input gives no chunk', async () => {
    expect(await new ChunkReader([], 4, single).next()).toBeNull();
  });
});

describe('default chunksize', () => {
  it("is ceil(n / (4 × workers)) for sized inputs, as Python's Pool.map", () => {
    expect(defaultChunksize(100, 3)).toBe(9);
    expect(defaultChunksize(12, 3)).toBe(1);
    expect(defaultChunksize(13, 3)).toBe(2);
    expect(defaultChunksize(0, 3)).toBe(1);
  });

  it('is 1 when the length is unknown', () => {
    expect(defaultChunksize(undefined, 8)).toBe(1);
  });

  it('knows the size of arrays, typed arrays, Sets, Maps and array-likes, not of generators', () => {
    expect(sizeOf([1, 2, 3])).toBe(3);
    expect(sizeOf(new Float64Array(7))).toBe(7);
    expect(sizeOf(new Set([1, 2]))).toBe(2);
    expect(sizeOf(new Map([[1, 2]]))).toBe(1);
    expect(sizeOf({ length: 4, [Symbol.iterator]: [][Symbol.iterator] })).toBe(4);
    expect(sizeOf((function* () {})())).toBeUndefined();
  });
});
