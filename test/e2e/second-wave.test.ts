// The second-wave calls through the real launcher on both transports: PROC_NULL and recvInto,
// Cartesian grids, variable-size collectives and reduce-scatter, nonblocking collectives and
// results written into the caller's arrays, at np 1, 2, 3, 4, 5 and 8, then with each
// algorithm of the new collectives forced. One job per case holds every check of it.
import { describe, expect, it } from 'vitest';
import { fixture, kTransports, onTransport, runMpi } from '../helpers/run-mpi.js';

/** `-x TSMPI_COLL_<NAME>=<algorithm>` forcing the k-th algorithm of each new collective. */
const kNewCollectives: Record<string, readonly string[]> = {
  SCATTERV: ['binomial', 'linear'],
  GATHERV: ['binomial', 'linear'],
  ALLGATHERV: ['bruck', 'ring', 'gather-bcast'],
  ALLTOALLV: ['pairwise', 'linear'],
  REDUCE_SCATTER_BLOCK: ['recursive-halving', 'ring', 'reduce-scatterv'],
  REDUCE_SCATTER: ['recursive-halving', 'ring', 'reduce-scatterv'],
};
const forceNth = (k: number): string[] =>
  Object.entries(kNewCollectives).flatMap(([name, algorithms]) => (algorithms[k] === undefined ? [] : ['-x', `TSMPI_COLL_${name}=${algorithms[k]}`]));

describe.each(kTransports)('second wave over %s', (transport) => {
  async function expectOk(args: string[], n: number): Promise<void> {
    const r = await runMpi([...onTransport(transport), ...args, '-n', String(n), fixture('second-wave.ts')], { killAfterMs: 90_000 });
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(`second-wave ok ${n}`);
    expect(r.code).toBe(0);
  }

  describe.concurrent('every new call', () => {
    it.each([1, 2, 3, 4, 5, 8])('np=%i', async (n) => expectOk([], n), 120_000);
  });

  describe.concurrent('algorithms forced', () => {
    it.each([
      [1, 4],
      [1, 5],
      [2, 5],
      [2, 3],
    ])(
      'algorithm #%i of every new collective, np=%i',
      async (k, n) => {
        await expectOk([...forceNth(k), '-x', 'SECTIONS=vector,nonblocking,into'], n);
      },
      120_000,
    );
  });
});
