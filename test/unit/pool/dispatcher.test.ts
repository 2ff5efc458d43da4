// The driver loop and the serve loop joined by in-process links: bounds,
// early stop and cancellation, without starting a job.
import { describe, expect, it } from 'vitest';
import { inProcessLinks } from '../../helpers/pool-links.js';
import { Pool } from '../../../src/pool/pool.js';
import { TaskCancelledError, TaskError } from '../../../src/pool/errors.js';
import { serve } from '../../../src/pool/worker.js';

const tasks = {
  double: (x: number) => 2 * x,
  later: async (x: number) => {
    await new Promise((resolve) => setTimeout(resolve, 5));
    return x;
  },
  odd: (x: number) => {
    if (x % 2 === 1) throw new TypeError(`odd ${x}`);
    return x;
  },
};

function localPool(chunksPerWorker = 2): Pool<typeof tasks> {
  const { driver, worker } = inProcessLinks(0);
  return new Pool(tasks, driver, chunksPerWorker, serve(worker, tasks));
}

describe('dispatcher and worker over in-process links', () => {
  it('a slow consumer of an endless generator keeps the generator at most window × chunksize ahead', async () => {
    const pool = localPool(3);
    let pulled = 0;
    let closed = false;
    function* endless(): Generator<number> {
      try {
        for (let i = 0; ; i++) {
          pulled++;
          yield i;
        }
      } finally {
        closed = true;
      }
    }
    const bound = pool.stats.window * 4;
    let seen = 0;
    for await (const v of pool.imap('double', endless(), { chunksize: 4 })) {
      expect(v).toBe(2 * seen);
      seen++;
      expect(pulled - seen).toBeLessThanOrEqual(bound);
      if (seen % 10 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
      if (seen === 200) break;
    }
    expect(closed).toBe(true);
    expect(pool.stats.peakItemsInFlight).toBeLessThanOrEqual(bound);
    await pool.close();
    expect(pool.stats.itemsInFlight).toBe(0);
  });

  it('an empty input resolves at once; next() may be called again before the last one settled', async () => {
    const pool = localPool();
    expect(await pool.map('double', [])).toEqual([]);
    const it = pool.imap('later', [1, 2, 3], { chunksize: 1 });
    const results = await Promise.all([it.next(), it.next(), it.next(), it.next()]);
    expect(results).toEqual([
      { done: false, value: 1 },
      { done: false, value: 2 },
      { done: false, value: 3 },
      { done: true, value: undefined },
    ]);
    await pool.close();
  });

  it('imapUnordered gives every result once', async () => {
    const pool = localPool();
    const got: number[] = [];
    for await (const v of pool.imapUnordered('later', [5, 4, 3, 2, 1], { chunksize: 2 })) got.push(v);
    expect(got.sort()).toEqual([1, 2, 3, 4, 5]);
    await pool.close();
  });

  it('a failing task rejects with a TaskError and the pool goes on', async () => {
    const pool = localPool();
    const err = await pool.map('odd', [0, 2, 3, 4]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskError);
    expect(err).toMatchObject({ rank: 0, task: 'odd', remoteName: 'TypeError', remoteMessage: 'odd 3' });
    expect(await pool.map('double', [1, 2])).toEqual([2, 4]);
    await pool.close();
  });

  it('an abort before a task starts rejects it; terminate rejects what is pending', async () => {
    const pool = localPool(1);
    const ac = new AbortController();
    const first = pool.applyAsync('later', [1], { signal: ac.signal });
    const second = pool.applyAsync('later', [2], { signal: ac.signal });
    ac.abort('stop');
    await expect(second).rejects.toBeInstanceOf(TaskCancelledError);
    await expect(first).rejects.toMatchObject({ name: 'AbortError', reason: 'stop' });
    const pending = pool.map('later', [1, 2, 3]);
    await pool.terminate();
    await expect(pending).rejects.toThrow('the pool was terminated');
    expect(() => pool.imap('double', [1])).toThrow('pool.imap: the pool is closed');
  });

  it('an argument structured clone refuses rejects that call with a TypeError, nothing else', async () => {
    const pool = localPool();
    await expect(pool.map('double', [() => 1] as never)).rejects.toThrow(TypeError);
    expect(await pool.applyAsync('double', [21])).toBe(42);
    await pool.close();
  });
});
