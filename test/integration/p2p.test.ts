import { describe, expect, it } from 'vitest';
import { ANY_SOURCE, ANY_TAG, TAG_UB } from '../../src/comm/constants.js';
import { waitall, waitany } from '../../src/comm/request.js';
import { Status } from '../../src/comm/status.js';
import { createLoopbackWorld, spmd } from '../helpers/world.js';

describe('point-to-point over the loopback transport', () => {
  it('ping-pong with objects and typed arrays', async () => {
    const [a, b] = createLoopbackWorld(2);
    const pong = (async () => {
      const v = await b.recv<{ x: number }>(0, 1);
      await b.send(new Float64Array([v.x, 2]), 0, 2);
    })();
    await a.send({ x: 1 }, 1, 1);
    const back = await a.recv<Float64Array>(1, 2);
    await pong;
    expect(back).toEqual(new Float64Array([1, 2]));
  });

  it('keeps order per sender with wildcards and random delays between pairs (non-overtaking)', async () => {
    const comms = createLoopbackWorld(4, { maxDelayMs: 2 });
    const n = 300;
    const results = await spmd(comms, async (c) => {
      if (c.rank === 0) {
        const last = [-1, -1, -1, -1];
        const status = new Status();
        for (let i = 0; i < 3 * n; i++) {
          const v = await c.recv<number>(ANY_SOURCE, ANY_TAG, status);
          expect(v).toBe(last[status.source] + 1);
          expect(status.tag).toBe(v % 5);
          last[status.source] = v;
        }
        return last;
      }
      for (let i = 0; i < n; i++) await c.send(i, 0, i % 5);
      return [];
    });
    expect(results[0]).toEqual([-1, n - 1, n - 1, n - 1]);
  });

  it('matches by tag out of arrival order, and the earliest posted receive wins', async () => {
    const [a, b] = createLoopbackWorld(2);
    await a.send('t1', 1, 1);
    await a.send('t2', 1, 2);
    expect(await b.recv(0, 2)).toBe('t2');
    expect(await b.recv(0, 1)).toBe('t1');
    const first = b.irecv(ANY_SOURCE, ANY_TAG);
    const second = b.irecv(0, 3);
    await a.send('x', 1, 3);
    await a.send('y', 1, 3);
    expect(await waitall([first, second])).toEqual(['x', 'y']);
  });

  it('fills Status with source, tag and payload bytes; probe and iprobe do not consume', async () => {
    const [a, b] = createLoopbackWorld(2);
    expect(b.iprobe()).toBe(false);
    await a.send(new Uint8Array(10), 1, 7);
    const s = new Status();
    await b.probe(ANY_SOURCE, 7, s);
    expect([s.source, s.tag, s.count]).toEqual([0, 7, 10]);
    expect(b.iprobe(0, 7)).toBe(true);
    const r = new Status();
    expect(await b.recv(0, 7, r)).toEqual(new Uint8Array(10));
    expect(r.count).toBe(10);
    expect(b.iprobe()).toBe(false);
  });

  it('self-send delivers a private copy', async () => {
    const [a] = createLoopbackWorld(1);
    const data = new Int32Array([1, 2]);
    await a.send(data, 0, 0);
    data[0] = 9;
    expect(await a.recv(0, 0)).toEqual(new Int32Array([1, 2]));
  });

  it('sendrecv exchanges without deadlock; test and waitany', async () => {
    const comms = createLoopbackWorld(3);
    const got = await spmd(comms, (c) => c.sendrecv(c.rank, (c.rank + 1) % 3, 0, (c.rank + 2) % 3, 0));
    expect(got).toEqual([2, 0, 1]);
    const [a, b] = createLoopbackWorld(2);
    const r1 = b.irecv(0, 1);
    const r2 = b.irecv(0, 2);
    expect(r1.test()).toEqual([false, undefined]);
    await a.send('two', 1, 2);
    expect(await waitany([r1, r2])).toEqual([1, 'two']);
    await a.send('one', 1, 1);
    expect(await r1).toBe('one');
    expect(r1.test()).toEqual([true, 'one']);
    expect(await r1.wait()).toBe('one');
  });

  it('rejects bad arguments before anything is sent, naming the argument and value', async () => {
    const [a, b] = createLoopbackWorld(2);
    await expect(a.send(1, 2)).rejects.toThrow(new RangeError('dest 2 is out of range [0, 2) of this communicator'));
    await expect(a.send(1, -1)).rejects.toThrow(RangeError);
    await expect(a.send(1, 1.5)).rejects.toThrow('dest 1.5 is out of range');
    await expect(a.send(1, 1, -1)).rejects.toThrow(`tag -1 is out of range: expected an integer in [0, ${TAG_UB}]`);
    await expect(a.send(1, 1, TAG_UB + 1)).rejects.toThrow(RangeError);
    await expect(a.recv(5)).rejects.toThrow('source 5 is out of range: expected ANY_SOURCE (-1) or a rank in [0, 2)');
    await expect(a.recv(0, -2)).rejects.toThrow('tag -2 is out of range: expected ANY_TAG (-1)');
    await expect(a.send(() => 1, 1)).rejects.toThrow(TypeError);
    expect(() => a.isend(1, 9)).toThrow(RangeError);
    // Nothing was sent by the failed calls: the next message is the first one b sees.
    await a.send('ok', 1, 0);
    expect(await b.recv()).toBe('ok');
    expect(b.iprobe()).toBe(false);
  });
});
