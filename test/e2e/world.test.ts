// COMM_WORLD across real processes: every collective at every root, point-to-point semantics,
// bad input, a flood past the high-water mark and a 256 MiB message, through the real launcher.
import { describe, expect, it } from 'vitest';
import { kAlgorithms } from '../../src/comm/coll/select.js';
import { fixture, kTransports, onTransport, runMpi } from '../helpers/run-mpi.js';

const kSizes = [1, 2, 3, 4, 5, 8];

/** `-x TSMPI_COLL_<NAME>=<algorithm>` forcing the k-th algorithm of every collective that has one. */
function forceNth(k: number): string[] {
  return Object.entries(kAlgorithms).flatMap(([name, algorithms]) =>
    algorithms[k] === undefined ? [] : ['-x', `TSMPI_COLL_${name.toUpperCase()}=${algorithms[k]}`],
  );
}

describe.each(kTransports)('over %s', (transport) => {
  async function expectOk(args: string[], line: string): Promise<void> {
    const r = await runMpi([...onTransport(transport), ...args]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(line);
    expect(r.code).toBe(0);
  }

  describe.concurrent('collectives', () => {
    it.each(kSizes)('every collective, every root, automatic algorithms, np=%i', async (n) => {
      await expectOk(['-n', String(n), fixture('collectives.ts')], `collectives ok ${n}`);
    });

    const maxAlgorithms = Math.max(...Object.values(kAlgorithms).map((a) => a.length));
    it.each(
      Array.from({ length: maxAlgorithms }, (_, k) => k).flatMap((k) => [
        [k, 4],
        [k, 5],
      ]),
    )('every collective with algorithm #%i forced, np=%i', async (k, n) => {
      await expectOk([...forceNth(k), '-n', String(n), fixture('collectives.ts')], `collectives ok ${n}`);
    });
  });

  describe.concurrent('value semantics of collectives', () => {
    it.each([
      [4, []],
      [3, ['-x', 'TSMPI_COLL_BCAST=binomial']],
      [5, ['-x', 'TSMPI_COLL_BCAST=scatter-allgather', '-x', 'TSMPI_COLL_ALLGATHER=ring']],
    ])('a result changed at once never changes what other ranks receive, np=%i %j', async (n, force) => {
      await expectOk([...force, '-n', String(n), fixture('bcast-capture.ts')], `bcast-capture ok ${n}`);
    });
  });

  describe.concurrent('point-to-point', () => {
    it.each(kSizes)('ordering, wildcards, probe, requests, self-send, split and dup, np=%i', async (n) => {
      await expectOk(['-x', `PER_PAIR=${n >= 5 ? 500 : 2000}`, '-n', String(n), fixture('p2p.ts')], `p2p ok ${n}`);
    });

    it.each([1, 2, 4])('bad input gives the named errors and the program goes on, np=%i', async (n) => {
      await expectOk(['-n', String(n), fixture('bad-input.ts')], `bad-input ok ${n}`);
    });

    it('a flood far past the high-water mark before the first recv: every message arrives, counted', async () => {
      await expectOk(['-x', 'FLOOD_COUNT=20000', '-n', '3', fixture('flood.ts')], 'flood ok: 40000 of 40000 messages');
    });

    it('a sender may reuse its array once send or isend completes, the receiver posting late', async () => {
      const r = await runMpi([...onTransport(transport), '-n', '2', fixture('reuse-after-send.ts')]);
      expect(r.stdout).toContain('reuse-after-send ok');
      expect(r.code).toBe(0);
    }, 60_000);

    it('receives that copy let the receive memory be reused; received arrays kept by recv still hold what was sent', async () => {
      const r = await runMpi([...onTransport(transport), '-n', '3', fixture('receive-reuse.ts')]);
      expect(r.stdout).toContain('receive-reuse ok 600');
      expect(r.code).toBe(0);
    }, 60_000);

    it('a 256 MiB Float64Array round-trips intact', async () => {
      const r = await runMpi([...onTransport(transport), '-n', '2', fixture('big-message.ts')], { killAfterMs: 120_000 });
      expect(r.stdout).toContain(`big-message ok ${256 * 1024 * 1024} bytes`);
      expect(r.code).toBe(0);
    }, 150_000);
  });
});
