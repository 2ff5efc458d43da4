// The p2p engine's stamp hook: stamped arrivals go to the ctx's watcher first (false drops them),
// and arrivals on a ctx nobody watches yet wait for its watcher instead of reaching matching.
import { describe, expect, it } from 'vitest';
import { P2PEngine } from '../../src/comm/p2p/p2p-engine.js';
import { createLoopbackTransports } from '../../src/comm/transport/loopback-transport.js';
import { encode, decode } from '../../src/comm/serialization/codec.js';

function pair(): [P2PEngine, P2PEngine] {
  const [a, b] = createLoopbackTransports(2, {});
  return [new P2PEngine(0, 2, a), new P2PEngine(1, 2, b)];
}

const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 10));

describe('stamp watchers', () => {
  it('hold stamped arrivals until the ctx is watched, then replay them in order', async () => {
    const [e0, e1] = pair();
    const stamp = { code: 7, a: 1, b: 2 };
    await e0.send(9, 1, 4, [encode('first')], stamp);
    await e0.send(9, 1, 4, [encode('dropped')], { code: 8, a: 1, b: 2 });
    await e0.send(9, 1, 4, [encode('second')], stamp);
    await tick();
    expect(e1.iprobe(9, 0, 4)).toBeUndefined(); // held, not matchable yet
    const seen: Array<[number, number, number]> = [];
    e1.watch(9, (src, tag, s) => {
      seen.push([src, tag, s.code]);
      return s.code === 7;
    });
    expect(seen).toEqual([
      [0, 4, 7],
      [0, 4, 8],
      [0, 4, 7],
    ]);
    expect(decode((await e1.recv(9, 0, 4)).packets[0])).toBe('first');
    expect(decode((await e1.recv(9, 0, 4)).packets[0])).toBe('second');
    await e0.send(9, 1, 5, [encode('live')], { code: 8, a: 0, b: 0 });
    await tick();
    expect(seen.at(-1)).toEqual([0, 5, 8]);
    expect(e1.iprobe(9, 0, 5)).toBeUndefined(); // dropped by the watcher
    await Promise.all([e0.close(), e1.close()]);
  });

  it('unstamped messages never go to a watcher; cancelReceives rejects only the chosen tags', async () => {
    const [e0, e1] = pair();
    let calls = 0;
    e1.watch(3, () => (calls++, true));
    await e0.send(3, 1, 1, [encode('plain')]);
    expect(decode((await e1.recv(3, 0, 1)).packets[0])).toBe('plain');
    expect(calls).toBe(0);
    const keep = e1.recv(3, 0, 2);
    const drop = e1.recv(3, 0, 6);
    e1.cancelReceives(3, (tag) => tag >= 5, new Error('gone'));
    await expect(drop).rejects.toThrow('gone');
    await e0.send(3, 1, 2, [encode('kept')]);
    expect(decode((await keep).packets[0])).toBe('kept');
    await Promise.all([e0.close(), e1.close()]);
  });
});
