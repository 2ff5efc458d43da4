import { describe, expect, it } from 'vitest';
import { ResultBuffer } from '../../../src/pool/result-buffer.js';

describe('ResultBuffer', () => {
  it('gives chunks back in seq order whatever order they arrive in', () => {
    const b = new ResultBuffer<number>();
    b.put(2, [5, 6]);
    expect(b.take()).toBeUndefined();
    b.put(0, [1, 2]);
    expect([b.chunks, b.items]).toEqual([2, 4]);
    expect(b.take()).toEqual({ values: [1, 2] });
    expect(b.take()).toBeUndefined();
    b.put(1, [3, 4]);
    expect(b.take()).toEqual({ values: [3, 4] });
    expect(b.take()).toEqual({ values: [5, 6] });
    expect([b.chunks, b.items, b.nextSeq]).toEqual([0, 0, 3]);
  });

  it("keeps a failed chunk's error after its values", () => {
    const b = new ResultBuffer<number, string>();
    b.put(0, [1], 'boom');
    expect(b.take()).toEqual({ values: [1], error: 'boom' });
  });

  it('refuses a seq stored twice', () => {
    const b = new ResultBuffer<number>();
    b.put(0, [1]);
    expect(() => b.put(0, [1])).toThrow(RangeError);
    b.take();
    expect(() => b.put(0, [1])).toThrow('chunk 0 was already stored');
  });
});
