import { describe, expect, it } from 'vitest';
import { kAny, MatchQueues, type Posted } from '../../../../src/comm/p2p/matching.js';

interface Recv extends Posted {
  id: string;
}
const recv = (id: string, ctx: number, src: number, tag: number): Recv => ({ id, ctx, src, tag });

describe('MatchQueues', () => {
  it('takes the earliest unexpected message from one source, skipping other tags', () => {
    const q = new MatchQueues<string, Recv>();
    q.deliver(0, 1, 5, 'a');
    q.deliver(0, 1, 7, 'b');
    q.deliver(0, 1, 5, 'c');
    expect(q.take(0, 1, 7)?.msg).toBe('b');
    expect(q.take(0, 1, 5)?.msg).toBe('a');
    expect(q.take(0, 1, kAny)?.msg).toBe('c');
    expect(q.take(0, 1, kAny)).toBeUndefined();
    expect(q.unexpectedCount).toBe(0);
  });

  it('ANY_SOURCE takes the earliest arrival across sources', () => {
    const q = new MatchQueues<string, Recv>();
    q.deliver(0, 2, 1, 'from2');
    q.deliver(0, 1, 1, 'from1');
    q.deliver(0, 2, 1, 'from2-again');
    expect(q.take(0, kAny, kAny)?.msg).toBe('from2');
    expect(q.take(0, kAny, 1)?.msg).toBe('from1');
    expect(q.take(0, kAny, kAny)?.msg).toBe('from2-again');
  });

  it('never matches across contexts, and wildcard tags never match negative tags', () => {
    const q = new MatchQueues<string, Recv>();
    q.deliver(1, 0, 3, 'collective');
    q.deliver(0, 0, -5, 'internal');
    expect(q.take(0, kAny, kAny)).toBeUndefined();
    expect(q.take(1, 0, 3)?.msg).toBe('collective');
    expect(q.take(0, 0, -5)?.msg).toBe('internal');
  });

  it('gives an arrival to the earliest-posted matching receive', () => {
    const q = new MatchQueues<string, Recv>();
    const wild = recv('wild', 0, kAny, kAny);
    const specific = recv('specific', 0, 3, 9);
    q.post(wild);
    q.post(specific);
    expect(q.deliver(0, 3, 9, 'm1')?.id).toBe('wild');
    expect(q.deliver(0, 3, 9, 'm2')?.id).toBe('specific');
    expect(q.deliver(0, 3, 9, 'm3')).toBeUndefined();
    expect(q.unexpectedCount).toBe(1);
  });

  it('skips posted receives of other sources, tags and contexts', () => {
    const q = new MatchQueues<string, Recv>();
    q.post(recv('src2', 0, 2, kAny));
    q.post(recv('tag4', 0, kAny, 4));
    q.post(recv('ctx2', 2, kAny, kAny));
    expect(q.deliver(0, 1, 4, 'x')?.id).toBe('tag4');
    expect(q.deliver(0, 1, 5, 'y')).toBeUndefined();
    expect(q.deliver(2, 1, 5, 'z')?.id).toBe('ctx2');
    expect(q.pending().map((r) => r.id)).toEqual(['src2']);
  });

  it('peek leaves the message in place; cancel withdraws a receive', () => {
    const q = new MatchQueues<string, Recv>();
    q.deliver(0, 1, 1, 'm');
    expect(q.peek(0, kAny, kAny)?.msg).toBe('m');
    expect(q.take(0, 1, 1)?.msg).toBe('m');
    const r = recv('r', 0, 1, 1);
    q.post(r);
    expect(q.cancel(r)).toBe(true);
    expect(q.cancel(r)).toBe(false);
    expect(q.deliver(0, 1, 1, 'n')).toBeUndefined();
  });

  it('keeps per-sender order over many messages (non-overtaking)', () => {
    const q = new MatchQueues<number, Recv>();
    for (let i = 0; i < 5000; i++) q.deliver(0, i % 3, i % 2, i);
    const seen = new Map<number, number>();
    for (let i = 0; i < 5000; i++) {
      const a = q.take(0, kAny, kAny)!;
      expect(a.msg).toBe(i);
      expect(a.msg).toBeGreaterThan(seen.get(a.src) ?? -1);
      seen.set(a.src, a.msg);
    }
  });
});
