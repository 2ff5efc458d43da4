import { describe, expect, it } from 'vitest';
import { Accumulator, resultMemory } from '../../../../src/comm/coll/accumulator.js';
import { Fault } from '../../../../src/comm/coll/fault.js';
import { ScratchPool } from '../../../../src/comm/coll/scratch-pool.js';
import { SUM } from '../../../../src/comm/ops/builtin.js';
import { createOp } from '../../../../src/comm/ops/create.js';

const f64 = (...xs: number[]): Float64Array => Float64Array.from(xs);

describe('Accumulator', () => {
  it('writes the first step into recvbuf and later steps in place, never into an operand it does not own', () => {
    const into = new Float64Array(3);
    const acc = new Accumulator(SUM, new Fault(0), { into });
    const a = f64(1, 2, 3);
    const b = f64(10, 20, 30);
    const first = acc.combine(a, b) as Float64Array;
    expect(first).toBe(into);
    expect([...into]).toEqual([11, 22, 33]);
    expect([...a]).toEqual([1, 2, 3]);
    const second = acc.combine(f64(100, 100, 100), first) as Float64Array;
    expect(second).toBe(into);
    expect([...into]).toEqual([111, 122, 133]);
  });

  it('takes a view of a longer recvbuf, and leaves a recvbuf that overlaps an operand alone', () => {
    const long = new Float64Array(5).fill(-1);
    const viaLong = new Accumulator(SUM, new Fault(0), { into: long }).combine(f64(1, 1), f64(2, 2)) as Float64Array;
    expect(viaLong.buffer).toBe(long.buffer);
    expect([...long]).toEqual([3, 3, -1, -1, -1]);
    const input = f64(1, 2);
    const out = new Accumulator(SUM, new Fault(0), { into: input }).combine(input, f64(5, 5)) as Float64Array;
    expect(out).not.toBe(input);
    expect([...out]).toEqual([6, 7]);
    expect([...input]).toEqual([1, 2]);
  });

  it('writes into the part of its memory an operand lies in (a shrinking range, as recursive halving keeps)', () => {
    const pool = new ScratchPool();
    const acc = new Accumulator(SUM, new Fault(0), { pool });
    const whole = acc.combine(f64(1, 1, 1, 1), f64(1, 2, 3, 4)) as Float64Array;
    const upper = whole.subarray(2);
    const kept = acc.combine(f64(10, 10), upper) as Float64Array;
    expect(kept.buffer).toBe(whole.buffer);
    expect(kept.byteOffset).toBe(upper.byteOffset);
    expect([...kept]).toEqual([14, 15]);
    acc.release();
  });

  it('gives user ops, mixed types and unequal lengths to op.apply, whose errors the fault records', () => {
    const fault = new Fault(2);
    const acc = new Accumulator(SUM, fault);
    expect(acc.combine(f64(1, 2), f64(1))).toBeUndefined();
    expect(() => fault.throwIfFailed()).toThrow(RangeError);
    const concat = createOp((a: number[], b: number[]) => [...a, ...b]);
    expect(new Accumulator(concat, new Fault(0)).combine([1], [2])).toEqual([1, 2]);
    expect(new Accumulator(SUM, new Fault(0)).combine(Int32Array.of(1), Int32Array.of(2))).toEqual(Int32Array.of(3));
  });
});

describe('resultMemory', () => {
  it('is recvbuf when it fits and does not overlap the operand, unless the operand is done with', () => {
    const like = f64(1, 2);
    const into = new Float64Array(4);
    expect(resultMemory(into, like, 2).buffer).toBe(into.buffer);
    expect(resultMemory(like, like, 2)).not.toBe(like);
    expect(resultMemory(like, like, 2, true)).toBe(like);
    expect(resultMemory(new Int32Array(2), like, 2)).toBeInstanceOf(Float64Array);
    expect(resultMemory(undefined, Buffer.from([1, 2]) as unknown as Uint8Array, 2)).toBeInstanceOf(Uint8Array);
  });
});

describe('ScratchPool', () => {
  it('lends the smallest kept buffer that fits, as the element type asked for', () => {
    const pool = new ScratchPool();
    const big = pool.borrow(new Float64Array(0), 2000);
    const small = pool.borrow(new Uint8Array(0), 100);
    pool.giveBack(big);
    pool.giveBack(small);
    const again = pool.borrow(new Float32Array(0), 10);
    expect(again).toBeInstanceOf(Float32Array);
    expect(again.length).toBe(10);
    expect(again.buffer).toBe(small.buffer);
    const next = pool.borrow(new Float64Array(0), 1500);
    expect(next.buffer).toBe(big.buffer);
  });

  it('never lends one buffer twice, and keeps a bounded amount', () => {
    const pool = new ScratchPool();
    const a = pool.borrow(new Uint8Array(0), 10);
    pool.giveBack(a);
    pool.giveBack(a);
    const b = pool.borrow(new Uint8Array(0), 10);
    const c = pool.borrow(new Uint8Array(0), 10);
    expect(b.buffer).not.toBe(c.buffer);
    const many = Array.from({ length: 40 }, () => pool.borrow(new Uint8Array(0), 4096));
    for (const m of many) pool.giveBack(m);
    const lent = new Set(Array.from({ length: 40 }, () => pool.borrow(new Uint8Array(0), 4096).buffer));
    expect(lent.size).toBe(40);
    const reused = many.filter((m) => lent.has(m.buffer)).length;
    expect(reused).toBeGreaterThan(0);
    expect(reused).toBeLessThan(40);
  });
});
