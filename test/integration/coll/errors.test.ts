/**
 * Failures of one rank's part of a collective: every rank finishes the call (nobody hangs),
 * the ranks the contract names raise, the lowest failing rank's error wins where two meet, and
 * the next collective on the same hosts works.
 */
import { describe, expect, it } from 'vitest';
import type { CollHost } from '../../../src/comm/coll/channel.js';
import * as coll from '../../../src/comm/coll/index.js';
import { Errors } from '../../../src/comm/errors.js';
import { encode } from '../../../src/comm/serialization/codec.js';
import { createOp } from '../../../src/comm/ops/create.js';
import { SUM } from '../../../src/comm/ops/builtin.js';
import type { Op } from '../../../src/comm/ops/op.js';
import { onEveryRank } from '../../helpers/coll-hub.js';
import { algorithmsOf, ranksOf, worldFor } from './corpus.js';

/** Above the ring threshold (64 KiB), small enough to keep the error matrix quick. */
const large = (offset = 0): Float64Array => new Float64Array(10_000).fill(offset);

type Settled = PromiseSettledResult<unknown>;
const sizes = [2, 3, 4, 5, 8];

/** Rejected with `kind`; `origin` says whose error: this rank's own, or another's (named in the message). */
function expectError(s: Settled, kind: new (...a: never[]) => Error, message: string, origin: 'own' | number, where: string): void {
  expect(s.status, `${where}: ${s.status === 'fulfilled' ? String(s.value) : ''}`).toBe('rejected');
  const err = (s as PromiseRejectedResult).reason as Error;
  expect(err, `${where}: ${err}`).toBeInstanceOf(kind);
  if (origin === 'own') expect(err.message, where).toBe(message);
  else expect(err.message, where).toBe(`${message} (raised on rank ${origin})`);
}

/** The collective works normally after the failure. */
async function expectHealthy(hosts: readonly CollHost[]): Promise<void> {
  const size = hosts.length;
  const settled = await onEveryRank(hosts, async (h, r) => {
    await coll.barrier(h);
    return [await coll.allreduce(h, r, SUM), await coll.bcast(h, r === size - 1 ? 'ok' : undefined, size - 1)];
  });
  settled.forEach((s) => expect(s).toEqual({ status: 'fulfilled', value: [(size * (size - 1)) / 2, 'ok'] }));
}

/** The message encode gives a value it cannot send. */
const unsendable = (value: unknown): string => {
  try {
    encode(value);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('encode took it');
};

const sumMessage = (bad: unknown): string => {
  try {
    SUM.check(bad);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('SUM took it');
};

describe.each(['allreduce', 'scan', 'exscan'] as const)('%s: every rank raises', (name) => {
  const run = (h: CollHost, value: unknown, op: Op): Promise<unknown> => coll[name](h, value, op);
  describe.each(sizes)('%i ranks', (size) => {
    it.each(algorithmsOf(name))('%s', async (algorithm) => {
      const hub = worldFor(size, name, algorithm);
      for (const bad of ranksOf(size)) {
        // one bad operand among small values, then among large typed arrays
        const larges = bad === 0 || bad === size - 1 ? [(r: number) => large(r)] : []; // ring territory: two spots suffice
        for (const good of [(r: number) => r, ...larges]) {
          const settled = await onEveryRank(hub.hosts, (h, r) => run(h, r === bad ? 'text' : good(r), SUM));
          settled.forEach((s, r) => expectError(s, TypeError, sumMessage('text'), r === bad ? 'own' : bad, `bad ${bad}, rank ${r}`));
        }
        // two bad ranks: the lower one's error wins wherever they meet
        const other = (bad + 2) % size;
        if (other !== bad) {
          const settled = await onEveryRank(hub.hosts, (h, r) => run(h, r === bad || r === other ? { x: r } : r, SUM));
          const first = Math.min(bad, other);
          settled.forEach((s, r) => {
            const own = r === bad || r === other;
            expectError(s, TypeError, sumMessage({ x: r }), own ? 'own' : first, `bad ${bad} and ${other}, rank ${r}`);
          });
        }
      }
      // operands that pass check() but do not combine: RangeError/TypeError on every rank
      for (const [odd, even, kind] of [
        [[1, 2, 3], [1, 2], RangeError],
        [large().subarray(1), large(), RangeError],
        [7, large(), TypeError],
        [new Int32Array(4), new Float64Array(4), TypeError],
      ] as const) {
        const settled = await onEveryRank(hub.hosts, (h, r) => run(h, r === size - 1 ? odd : even, SUM));
        settled.forEach((s, r) => {
          expect(s.status, `rank ${r}`).toBe('rejected');
          expect((s as PromiseRejectedResult).reason).toBeInstanceOf(kind);
        });
      }
      // an op that throws its own kind of error whenever the last rank's contribution is involved
      class Grumpy extends Error {
        override name = 'Grumpy';
      }
      const grumpy = createOp((a: number[], b: number[]) => {
        if (a.includes(size - 1) || b.includes(size - 1)) throw new Grumpy('the last rank is not welcome');
        return [...a, ...b];
      });
      const settled = await onEveryRank(hub.hosts, (h, r) => run(h, [r], grumpy));
      settled.forEach((s, r) => {
        expect(s.status, `rank ${r}`).toBe('rejected');
        const err = (s as PromiseRejectedResult).reason as Error;
        expect(err.name).toBe('Grumpy');
        expect(err.message).toMatch(/^the last rank is not welcome/);
      });
      await expectHealthy(hub.hosts);
    });
  });
});

describe.each(sizes)('reduce on %i ranks: the root and the offending ranks raise', (size) => {
  it.each(algorithmsOf('reduce'))('%s', async (algorithm) => {
    const hub = worldFor(size, 'reduce', algorithm);
    for (const root of ranksOf(size)) {
      for (const bad of ranksOf(size)) {
        const settled = await onEveryRank(hub.hosts, (h, r) => coll.reduce(h, r === bad ? 'text' : r, SUM, root));
        settled.forEach((s, r) => {
          if (r === bad) expectError(s, TypeError, sumMessage('text'), 'own', `rank ${r}`);
          else if (r === root) expectError(s, TypeError, sumMessage('text'), bad, `root ${r}`);
          else expect(s, `rank ${r}`).toEqual({ status: 'fulfilled', value: undefined });
        });
      }
      const settled = await onEveryRank(hub.hosts, (h, r) => coll.reduce(h, r === 0 ? [1, 2, 3] : [1, 2], SUM, root));
      expect(settled[root].status).toBe('rejected');
      expect((settled[root] as PromiseRejectedResult).reason).toBeInstanceOf(RangeError);
    }
    await expectHealthy(hub.hosts);
  });
});

describe.each([1, ...sizes])('rooted collectives on %i ranks: a mistake of the root reaches every rank', (size) => {
  it.each(algorithmsOf('bcast'))('bcast, %s: an unsendable value', async (algorithm) => {
    const hub = worldFor(size, 'bcast', algorithm);
    for (const root of ranksOf(size)) {
      const bad = { f: () => 1 };
      const settled = await onEveryRank(hub.hosts, (h, r) => coll.bcast(h, r === root ? bad : undefined, root));
      const message = unsendable(bad);
      settled.forEach((s, r) => expectError(s, TypeError, message, r === root ? 'own' : root, `rank ${r}`));
    }
    await expectHealthy(hub.hosts);
  });

  it.each(algorithmsOf('scatter'))('scatter, %s: wrong length, not an array, an unsendable item', async (algorithm) => {
    const hub = worldFor(size, 'scatter', algorithm);
    for (const root of ranksOf(size)) {
      for (const data of [ranksOf(size + 1), ranksOf(size - 1), undefined, 'abc']) {
        const settled = await onEveryRank(hub.hosts, (h, r) => coll.scatter(h, r === root ? (data as unknown[]) : ranksOf(size), root));
        const message = Errors.scatterLength(data, size).message;
        settled.forEach((s, r) => expectError(s, RangeError, message, r === root ? 'own' : root, `rank ${r}`));
      }
      const items = ranksOf(size).map((i) => (i === size - 1 ? Symbol('no') : i));
      const settled = await onEveryRank(hub.hosts, (h, r) => coll.scatter(h, r === root ? items : undefined, root));
      const message = unsendable(items[size - 1]);
      settled.forEach((s, r) => expectError(s, TypeError, message, r === root ? 'own' : root, `rank ${r}`));
    }
    await expectHealthy(hub.hosts);
  });
});

describe.each(sizes)('gathering collectives on %i ranks: an unsendable value', (size) => {
  const bad = (): unknown => new WeakMap();
  const message = unsendable(new WeakMap());

  it.each(algorithmsOf('gather'))('gather, %s: the sender and the root raise', async (algorithm) => {
    const hub = worldFor(size, 'gather', algorithm);
    for (const root of ranksOf(size)) {
      for (const culprit of ranksOf(size)) {
        const settled = await onEveryRank(hub.hosts, (h, r) => coll.gather(h, r === culprit ? bad() : r, root));
        settled.forEach((s, r) => {
          if (r === culprit) expectError(s, TypeError, message, 'own', `rank ${r}`);
          else if (r === root) expectError(s, TypeError, message, culprit, `root ${r}`);
          else expect(s).toEqual({ status: 'fulfilled', value: undefined });
        });
      }
    }
    await expectHealthy(hub.hosts);
  });

  it.each(algorithmsOf('allgather'))('allgather, %s: every rank raises, the lowest culprit wins', async (algorithm) => {
    const hub = worldFor(size, 'allgather', algorithm);
    for (const culprit of ranksOf(size)) {
      const also = (culprit + 1) % size;
      const settled = await onEveryRank(hub.hosts, (h, r) => coll.allgather(h, r === culprit || r === also ? bad() : r));
      const first = Math.min(culprit, also);
      settled.forEach((s, r) => expectError(s, TypeError, message, r === culprit || r === also ? 'own' : first, `rank ${r}`));
    }
    await expectHealthy(hub.hosts);
  });

  it.each(algorithmsOf('alltoall'))('alltoall, %s: a wrong length or an unsendable item on one rank', async (algorithm) => {
    const hub = worldFor(size, 'alltoall', algorithm);
    for (const culprit of ranksOf(size)) {
      const wrong = ranksOf(size + 1);
      let settled = await onEveryRank(hub.hosts, (h, r) => coll.alltoall(h, r === culprit ? wrong : ranksOf(size)));
      const lengthMessage = Errors.alltoallLength(wrong, size).message;
      settled.forEach((s, r) => expectError(s, RangeError, lengthMessage, r === culprit ? 'own' : culprit, `rank ${r}`));
      settled = await onEveryRank(hub.hosts, (h, r) =>
        coll.alltoall(
          h,
          ranksOf(size).map((to) => (r === culprit && to === 0 ? bad() : to)),
        ),
      );
      settled.forEach((s, r) => expectError(s, TypeError, message, r === culprit ? 'own' : culprit, `rank ${r}`));
    }
    await expectHealthy(hub.hosts);
  });
});
