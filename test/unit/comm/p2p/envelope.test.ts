import { describe, expect, it } from 'vitest';
import { decodeEnvelope, encodeEnvelope, envelopeProblem, kFlag, kHeaderFixedBytes, kKind } from '../../../../src/comm/p2p/envelope.js';

describe('envelope', () => {
  it('round-trips every field, including the largest values', () => {
    const e = { kind: 1, flags: 1, ctx: 2 ** 32 - 1, src: 12345, tag: 2 ** 31 - 1, seq: 2 ** 32 - 1, codes: [0, 11, 255] };
    const b = encodeEnvelope(e);
    expect(b.length).toBe(kHeaderFixedBytes + 3);
    expect(envelopeProblem(b, 3)).toBeUndefined();
    expect(decodeEnvelope(b)).toEqual(e);
  });

  it('keeps negative tags (collective internals) intact', () => {
    expect(decodeEnvelope(encodeEnvelope({ ctx: 1, src: 0, tag: -7, seq: 0, codes: [0] })).tag).toBe(-7);
  });

  it('has the documented byte layout', () => {
    const b = encodeEnvelope({ ctx: 3, src: 2, tag: 9, seq: 1, codes: [11] });
    expect([...b]).toEqual([1, 1, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 9, 0, 0, 0, 1, 0, 0, 0, 11]);
    expect(encodeEnvelope({ flags: 1, ctx: 0, src: 0, tag: 0, seq: 0, codes: [] })[2]).toBe(1);
  });

  it('names what is wrong with a malformed header', () => {
    expect(envelopeProblem(Buffer.alloc(3), 1)).toBe('header of 3 bytes is shorter than 20');
    const good = encodeEnvelope({ ctx: 0, src: 0, tag: 0, seq: 0, codes: [0] });
    expect(envelopeProblem(good, 2)).toBe('header announces 1 packets but 2 frames followed');
    const badKind = Buffer.from(good);
    badKind[0] = 9;
    expect(envelopeProblem(badKind, 1)).toBe('unknown message kind 9');
    expect(envelopeProblem(good.subarray(0, 20), 1)).toBe('header announces 1 packets but is 20 bytes long');
  });

  it('signals (ack, pull, decline, credit) carry no packets', () => {
    for (const kind of [kKind.ack, kKind.pull, kKind.decline, kKind.credit]) {
      const signal = encodeEnvelope({ kind, ctx: 0, src: 1, tag: 0, seq: 41, codes: [] });
      expect(envelopeProblem(signal, 0)).toBeUndefined();
      expect(decodeEnvelope(signal)).toMatchObject({ kind, seq: 41 });
      expect(envelopeProblem(signal, 1)).toBe(`a signal of kind ${kind} carries no packets, this one announces 0 and has 1 frames`);
      const bad = encodeEnvelope({ kind, ctx: 0, src: 1, tag: 0, seq: 41, codes: [0] });
      expect(envelopeProblem(bad, 1)).toBe(`a signal of kind ${kind} carries no packets, this one announces 1 and has 1 frames`);
    }
  });

  it('a rendezvous header is followed by one frame of sizes; its payload by the packets', () => {
    const rts = encodeEnvelope({ flags: kFlag.rendezvous, ctx: 0, src: 1, tag: 3, seq: 7, codes: [1, 2, 3] });
    expect(envelopeProblem(rts, 1)).toBeUndefined();
    expect(envelopeProblem(rts, 3)).toBe('a rendezvous header is followed by one frame of sizes, this one by 3');
    const payload = encodeEnvelope({ kind: kKind.payload, ctx: 0, src: 1, tag: 3, seq: 7, codes: [1, 2, 3] });
    expect(envelopeProblem(payload, 3)).toBeUndefined();
    expect(envelopeProblem(payload, 1)).toBe('header announces 3 packets but 1 frames followed');
  });

  it('allows a message of no packets (a signal) and refuses too many', () => {
    expect(decodeEnvelope(encodeEnvelope({ ctx: 0, src: 0, tag: 0, seq: 0, codes: [] })).codes).toEqual([]);
    expect(() => encodeEnvelope({ ctx: 0, src: 0, tag: 0, seq: 0, codes: new Array(256).fill(0) })).toThrow(RangeError);
  });
});
