import { describe, expect, it } from 'vitest';
import { decode, decodeShared, encode, encodeError, decodeError } from '../../../../src/comm/serialization/codec.js';
import { kCode } from '../../../../src/comm/serialization/packet.js';

const roundTrip = (v: unknown): unknown => decode(encode(v));

describe('codec', () => {
  it.each([
    ['number', 42],
    ['negative zero', -0],
    ['NaN', NaN],
    ['string', 'héllo'],
    ['bigint', 2n ** 70n],
    ['boolean', true],
    ['null', null],
    ['undefined', undefined],
    ['nested object', { a: [1, { b: 'c' }], d: null }],
    ['Map', new Map([[1, 'x']])],
    ['Set', new Set([1, 2])],
    ['Date', new Date(0)],
    ['RegExp', /a+b/gi],
    // eslint-disable-next-line no-sparse-arrays -- the hole is what this case sends
    ['array with holes', [1, , 3]],
    ['object with typed array', { v: new Float64Array([1.5, 2.5]) }],
  ])('round-trips %s', (_name, value) => {
    expect(roundTrip(value)).toEqual(value);
  });

  it('keeps cycles', () => {
    const a: { self?: unknown } = {};
    a.self = a;
    const b = roundTrip(a) as { self: unknown };
    expect(b.self).toBe(b);
  });

  it.each([
    [new Float64Array([1, 2.5, -3]), kCode.float64],
    [new Float32Array([1.5]), kCode.float32],
    [new Int8Array([-1, 2]), kCode.int8],
    [new Uint8Array([1, 2]), kCode.uint8],
    [new Uint8ClampedArray([255]), kCode.uint8Clamped],
    [new Int16Array([-300]), kCode.int16],
    [new Uint16Array([60000]), kCode.uint16],
    [new Int32Array([-5]), kCode.int32],
    [new Uint32Array([4e9]), kCode.uint32],
    [new BigInt64Array([-5n]), kCode.bigInt64],
    [new BigUint64Array([5n]), kCode.bigUint64],
    [Buffer.from('abc'), kCode.buffer],
  ])('sends %o as raw bytes and gives back the same type', (value, code) => {
    const p = encode(value);
    expect(p.code).toBe(code);
    const out = decode(p) as ArrayBufferView;
    expect(Object.getPrototypeOf(out)).toBe(Object.getPrototypeOf(value));
    expect(out).toEqual(value);
  });

  it('sends ArrayBuffer and DataView as themselves', () => {
    const ab = new Uint8Array([1, 2, 3]).buffer;
    const out = decode(encode(ab));
    expect(out).toBeInstanceOf(ArrayBuffer);
    expect([...new Uint8Array(out as ArrayBuffer)]).toEqual([1, 2, 3]);
    const dv = decode(encode(new DataView(ab, 1, 2))) as DataView;
    expect(dv).toBeInstanceOf(DataView);
    expect([dv.getUint8(0), dv.getUint8(1)]).toEqual([2, 3]);
  });

  it('captures the data at the call: changing the array afterwards does not change the message', () => {
    const a = new Float64Array([1, 2, 3]);
    const p = encode(a);
    a[0] = 99;
    expect((decode(p) as Float64Array)[0]).toBe(1);
  });

  it('sends only the viewed part of a typed array', () => {
    const whole = new Int32Array([1, 2, 3, 4]);
    expect(decode(encode(whole.subarray(1, 3)))).toEqual(new Int32Array([2, 3]));
  });

  it('copies a misaligned received frame into aligned memory', () => {
    const raw = Buffer.alloc(17);
    const src = new Float64Array([3.25, -1]);
    Buffer.from(src.buffer).copy(raw, 1);
    const out = decode({ code: kCode.float64, bytes: raw.subarray(1) }) as Float64Array;
    expect([...out]).toEqual([3.25, -1]);
  });

  it('decodeShared never returns a view on the packet', () => {
    const p = encode(new Float64Array([1, 2]));
    const out = decodeShared(p) as Float64Array;
    out[0] = 7;
    expect((decode(p) as Float64Array)[0]).toBe(1);
  });

  it.each([
    ['a function', () => 1, /cannot send a function: .*could not be cloned/],
    ['a symbol', Symbol('s'), /cannot send Symbol\(s\)/],
    ['a WeakMap', new WeakMap(), /cannot send a WeakMap/],
    ['a Promise', Promise.resolve(1), /cannot send a Promise/],
    ['an object holding a function', { f: () => 1 }, /cannot send an object: .*could not be cloned/],
  ])('rejects %s with a TypeError saying what could not be sent', (_name, value, message) => {
    expect(() => encode(value)).toThrow(TypeError);
    expect(() => encode(value)).toThrow(message);
  });

  it('carries errors as the same kind with the originating rank', () => {
    const e = decodeError(encodeError({ name: 'RangeError', message: 'bad length', rank: 3 }));
    expect(e).toBeInstanceOf(RangeError);
    expect(e.message).toBe('bad length (raised on rank 3)');
    expect(() => decode(encodeError({ name: 'TypeError', message: 'x', rank: 0 }))).toThrow(TypeError);
  });
});
