/**
 * Nonblocking collectives and the recvbuf option over the in-process loopback world (real
 * engine, matching and guard; delayed delivery): many calls in flight per communicator, results
 * equal to the blocking calls', recvbuf filled in place.
 */
import { describe, expect, it } from 'vitest';
import { MpiError } from '../../../src/comm/errors.js';
import { MAX, SUM } from '../../../src/comm/ops/builtin.js';
import { Request, waitall } from '../../../src/comm/request.js';
import { createLoopbackWorld, spmd } from '../../helpers/world.js';
import { kSizes, ranksOf } from './corpus.js';

const tri = (n: number): number => (n * (n + 1)) / 2;

describe.each(kSizes)('%i ranks', (size) => {
  it('three rounds of every nonblocking collective in flight at once, every root', async () => {
    const comms = createLoopbackWorld(size, { maxDelayMs: 1 });
    const results = await spmd(comms, async (c) => {
      const reqs: Request<unknown>[] = [];
      for (let k = 0; k < 3; k++) {
        const root = (k + c.rank * 0) % size;
        reqs.push(
          c.ibarrier(),
          c.ibcast(c.rank === root ? [k, root] : undefined, root),
          c.iscatter(c.rank === root ? ranksOf(size).map((i) => i + k) : undefined, root),
          c.igather(c.rank + k, root),
          c.iallgather(c.rank * k),
          c.ialltoall(ranksOf(size).map((j) => c.rank * 10 + j + k)),
          c.ireduce(c.rank + k, SUM, root),
          c.iallreduce(new Int32Array([c.rank, k]), MAX),
          c.iscan(c.rank + 1),
          c.iexscan(c.rank + 1),
        );
      }
      return waitall(reqs);
    });
    results.forEach((got, r) => {
      for (let k = 0; k < 3; k++) {
        const root = k % size;
        expect(got.slice(k * 10, k * 10 + 10), `rank ${r} round ${k}`).toEqual([
          undefined,
          [k, root],
          r + k,
          r === root ? ranksOf(size).map((i) => i + k) : undefined,
          ranksOf(size).map((i) => i * k),
          ranksOf(size).map((i) => i * 10 + r + k),
          r === root ? tri(size - 1) + size * k : undefined,
          new Int32Array([size - 1, k]),
          tri(r + 1),
          r === 0 ? undefined : tri(r),
        ]);
      }
    });
  });

  it('recvbuf: results written in place, recvbuf itself returned', async () => {
    const comms = createLoopbackWorld(size);
    await spmd(comms, async (c) => {
      const out = new Float64Array(3).fill(-1);
      expect(await c.allreduce(new Float64Array([1, c.rank, 2]), SUM, { recvbuf: out })).toBe(out);
      expect(Array.from(out)).toEqual([size, tri(size - 1), 2 * size]);
      const got = await c.reduce(new Float64Array([c.rank, 1]), SUM, 0, { recvbuf: out });
      if (c.rank === 0) {
        expect(got).toEqual(new Float64Array([tri(size - 1), size]));
        expect((got as Float64Array).buffer).toBe(out.buffer);
      } else expect(got).toBeUndefined();
      const scanned = new Int32Array(1);
      expect(await c.scan(new Int32Array([c.rank + 1]), SUM, { recvbuf: scanned })).toBe(scanned);
      expect(scanned[0]).toBe(tri(c.rank + 1));
      const b = new Uint8Array(4);
      const bc = await c.bcast(c.rank === 0 ? new Uint8Array([7, 8]) : undefined, 0, { recvbuf: b });
      expect(Array.from(bc as Uint8Array)).toEqual([7, 8]);
      expect((bc as Uint8Array).buffer).toBe(b.buffer);
      const pieces = new Int16Array(size);
      const all = await c.allgatherv(new Int16Array([c.rank]), { recvbuf: pieces });
      expect(all.data).toBe(pieces);
      expect(Array.from(pieces)).toEqual(ranksOf(size));
      const block = new Float64Array(2);
      expect(await c.reduceScatterBlock(new Float64Array(2 * size).fill(1), SUM, { recvbuf: block })).toBe(block);
      expect(Array.from(block)).toEqual([size, size]);
      // Wrong type or too short: before anything is sent.
      await expect(c.allreduce(new Float64Array(3), SUM, { recvbuf: new Float32Array(3) })).rejects.toThrow(TypeError);
      await expect(c.allreduce(new Float64Array(3), SUM, { recvbuf: new Float64Array(2) })).rejects.toThrow(
        new RangeError('allreduce: recvbuf has 2 elements, the result 3'),
      );
      // Longer than recvbuf, known only on arrival: ERR_TRUNCATE on that rank, after the call.
      const err = await c.bcast(c.rank === 0 ? new Uint8Array(5) : undefined, 0, { recvbuf: new Uint8Array(c.rank === 0 ? 5 : 4) }).catch((e: unknown) => e);
      if (c.rank === 0) expect(err).toBeInstanceOf(Uint8Array);
      else expect((err as MpiError).code).toBe('ERR_TRUNCATE');
      expect(await c.allreduce(1)).toBe(size);
    });
  });
});
