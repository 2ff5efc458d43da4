/**
 * Collective mismatch detection over the in-process loopback world: ranks calling different
 * collectives (or roots, or typed-array lengths) at the same step all reject with ERR_MISMATCH
 * naming both sides, from the mismatched call or the next collective, and nothing hangs.
 */
import { describe, expect, it } from 'vitest';
import type { Communicator } from '../../../src/comm/communicator.js';
import type { ForcedAlgorithms } from '../../../src/comm/coll/channel.js';
import { MpiError } from '../../../src/comm/errors.js';
import { SUM } from '../../../src/comm/ops/builtin.js';
import { createLoopbackWorld } from '../../helpers/world.js';

type Outcome = { ok: true } | { ok: false; error: unknown };

/**
 * Runs `body` on every rank, then up to `followUps` barriers; gives each rank's first error.
 * A rank whose own part of the mismatched call had finished raises from a following barrier.
 */
async function firstErrors(comms: Communicator[], body: (c: Communicator) => Promise<unknown>, followUps = 3, timeoutMs = 3000): Promise<Outcome[]> {
  const done = comms.map(() => false);
  const all = Promise.all(
    comms.map(async (c, r): Promise<Outcome> => {
      try {
        await body(c);
        for (let i = 0; i < followUps; i++) await c.barrier();
        return { ok: true };
      } catch (error) {
        return { ok: false, error };
      } finally {
        done[r] = true;
      }
    }),
  );
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`hung: ranks ${done.flatMap((d, r) => (d ? [] : [r])).join(', ')} never finished`)), timeoutMs);
  });
  try {
    return await Promise.race([all, hung]);
  } finally {
    clearTimeout(timer);
  }
}

function expectMismatch(outcomes: Outcome[], sides: [string, string], where = 'COMM_WORLD', call = 1): void {
  outcomes.forEach((o, r) => {
    expect(o.ok, `rank ${r} finished without an error`).toBe(false);
    const error = (o as { error: unknown }).error;
    expect(error, `rank ${r}: ${String(error)}`).toBeInstanceOf(MpiError);
    expect((error as MpiError).code).toBe('ERR_MISMATCH');
    const message = (error as Error).message;
    expect(message).toMatch(/^rank \d+ called .+ where rank \d+ called .+, collective #\d+ on .+$/);
    for (const side of sides) expect(message, `rank ${r}`).toContain(side);
    expect(message).toContain(`, collective #${call} on ${where}`);
  });
}

const kVariants: Array<[string, { maxDelayMs?: number; algorithms?: ForcedAlgorithms }]> = [
  ['automatic algorithms', {}],
  [
    'linear algorithms, delayed delivery',
    {
      maxDelayMs: 2,
      algorithms: { barrier: 'linear', bcast: 'linear', gather: 'linear', reduce: 'linear', allreduce: 'reduce-bcast' },
    },
  ],
];

describe.each(kVariants)('%s', (_, options) => {
  describe.each([2, 3, 4, 5])('%i ranks', (size) => {
    it('bcast vs gather: rank 1 gathers while the others bcast', async () => {
      const comms = createLoopbackWorld(size, options);
      const out = await firstErrors(comms, (c) => (c.rank === 1 ? c.gather(c.rank, 0) : c.bcast(c.rank === 0 ? 'x' : undefined, 0)));
      expectMismatch(out, ['rank 1 called gather(root=0)', 'called bcast(root=0)']);
    });

    it('bcast(root=0) vs bcast(root=1)', async () => {
      const comms = createLoopbackWorld(size, options);
      const out = await firstErrors(comms, (c) => {
        const root = c.rank % 2;
        return c.bcast(c.rank === root ? `from ${root}` : undefined, root);
      });
      expectMismatch(out, ['called bcast(root=0)', 'called bcast(root=1)']);
    });

    it('allreduce of a Float64Array of length 3 vs 4', async () => {
      const comms = createLoopbackWorld(size, options);
      const out = await firstErrors(comms, (c) => c.allreduce(new Float64Array(c.rank === size - 1 ? 4 : 3), SUM), 0);
      expectMismatch(out, ['called allreduce(Float64Array of length 3)', 'called allreduce(Float64Array of length 4)']);
    });

    it('reduce vs allreduce', async () => {
      const comms = createLoopbackWorld(size, options);
      const out = await firstErrors(comms, (c) => (c.rank === size - 1 ? c.allreduce(c.rank, SUM) : c.reduce(c.rank, SUM, 0)));
      expectMismatch(out, [`rank ${size - 1} called allreduce()`, 'called reduce(root=0)']);
    });

    it('barrier vs bcast', async () => {
      const comms = createLoopbackWorld(size, options);
      const out = await firstErrors(comms, (c) => (c.rank === 1 ? c.barrier() : c.bcast(c.rank === 0 ? 1 : undefined, 0)));
      expectMismatch(out, ['rank 1 called barrier()', 'called bcast(root=0)']);
    });
  });
});

describe('after a mismatch', () => {
  it("the call number counts the communicator's collectives; earlier calls are untouched", async () => {
    const comms = createLoopbackWorld(3);
    const out = await firstErrors(comms, async (c) => {
      // #1 and #2 are fine and started together with the bad #3
      const good = Promise.all([c.allreduce(1, SUM), c.bcast(c.rank === 2 ? 'b' : undefined, 2)]);
      const bad = c.rank === 0 ? c.scatter([1, 2, 3], 0) : c.gather(c.rank, 0);
      expect(await good).toEqual([3, 'b']);
      await bad;
    });
    expectMismatch(out, ['rank 0 called scatter(root=0)', 'called gather(root=0)'], 'COMM_WORLD', 3);
  });

  it('every later collective on that communicator rejects, while point-to-point and other communicators work', async () => {
    const comms = createLoopbackWorld(4);
    const dups = await Promise.all(comms.map((c) => c.dup()));
    const out = await firstErrors(dups, (d) => (d.rank === 3 ? d.allgather(1) : d.alltoall([0, 1, 2, 3])));
    expectMismatch(out, ['rank 3 called allgather()', 'called alltoall()'], 'a dup of COMM_WORLD', 1);
    const later = await Promise.allSettled(dups.map((d) => d.allreduce(1, SUM)));
    later.forEach((s) => expect((s as PromiseRejectedResult).reason).toMatchObject({ code: 'ERR_MISMATCH' }));
    expect(await Promise.all(comms.map((c) => c.allreduce(c.rank, SUM)))).toEqual([6, 6, 6, 6]);
    const [, got] = await Promise.all([dups[0].send('p2p', 1, 5), dups[1].recv(0, 5)]);
    expect(got).toBe('p2p');
  });

  it('names split communicators and detects split against dup', async () => {
    const comms = createLoopbackWorld(4);
    const halves = await Promise.all(comms.map((c) => c.split(c.rank % 2, 0)));
    const out = await firstErrors(
      halves.map((h) => h!),
      (h) => (h.rank === 0 ? h.bcast('x', 0) : h.barrier()),
      2,
    );
    out.forEach((o) => expect((o as { error: Error }).error.message).toMatch(/on a split of COMM_WORLD \(color [01]\)$/));
    const out2 = await firstErrors(comms, (c) => (c.rank === 2 ? c.dup() : c.split(0)), 0);
    expectMismatch(out2, ['called dup()', 'called split()'], 'COMM_WORLD', 2);
  });
});
