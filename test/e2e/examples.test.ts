// Every example runs as the README says: `npx tsmpirun -n 4 examples/<name>.ts`.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runMpi } from '../helpers/run-mpi.js';

const example = (name: string): string => path.resolve('examples', name);

describe.concurrent('examples at np=4', () => {
  it.each([
    ['hello.ts', /^(hello from rank \d of 4 on .+ \(pid \d+\)\n){4}$/],
    ['pi.ts', /^pi is approximately 3\.14159265358\d+, error \d\.\d+e-1[0-9]\n\d+ intervals on 4 ranks in [\d.]+ ms\n$/],
    ['ring.ts', /^token came back through ranks 0 -> 1 -> 2 -> 3 -> 0\n$/],
    ['scatter-gather.ts', /^0 1 4 9 16 25 36 49 64 81 100 121 144 169 196 225\n$/],
    ['producer-consumer.ts', /producer: all items handed out, every consumer stopped/],
    ['typed-allreduce.ts', /^allreduce of 2000000 float64 \(16\.0 MB\) on 4 ranks: [\d.]+ ms, correct\n$/],
  ])('%s', async (name, expected) => {
    const r = await runMpi(['-n', '4', example(name)]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(expected);
    expect(r.code).toBe(0);
  });

  it.each([
    [
      'heat-2d.ts',
      ['48', '40'],
      /^heat-2d: 48x48 plate on a 2x2 grid of ranks, 40 Jacobi iterations\nresidual \S+ \(serial \S+\), [\d.]+ ms per iteration\nmatches the serial computation\n$/,
    ],
    ['sample-sort.ts', ['5000'], /^sample-sort: 23000 keys on 4 ranks in [\d.]+ ms; bucket sizes( \d+){4}\nglobally ordered, matches the serial sort\n$/],
    [
      'kmeans.ts',
      ['20000', '4', '10'],
      /^kmeans: 20000 points, k=4, 10 iterations on 4 ranks in [\d.]+ ms\ncentroids( \(\S+, \S+\)){4}\nmatches the serial computation \(max difference \S+\)\n$/,
    ],
    [
      'overlap.ts',
      ['200000', '1000000'],
      /^overlap: iallreduce of 200000 float64 \(1\.6 MB\) on 4 ranks with 1000000 steps of computation\nallreduce alone [\d.]+ ms, computation alone [\d.]+ ms, overlapped [\d.]+ ms\nsaved -?[\d.]+ ms \(-?\d+% of the two in sequence\)\nresults match the serial computation\n$/,
    ],
  ])('%s %j checks itself against the serial computation', async (name, args, expected) => {
    const r = await runMpi(['-n', '4', example(name), ...args]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(expected);
    expect(r.code).toBe(0);
  });

  it('crash.ts fails on purpose: status 1 and the report the README shows', async () => {
    const r = await runMpi(['-n', '4', example('crash.ts')]);
    // Rank 2 throws at step 3, after the step-2 allreduce, which rank 0 joins only after printing
    // step 1: steps 0 and 1 are certain; rank 0 may be stopped before it prints step 2.
    expect(r.stdout).toMatch(/^step 0: residual 0\nstep 1: residual 6\n(step 2: residual 12\n)?$/);
    expect(r.stderr).toMatch(
      /^tsmpirun: rank 2 \(pid \d+\) failed with an uncaught exception:\nError: step 3 diverged on rank 2\n {4}at solve \(.*examples\/crash\.ts:6:44\)\n[^]*tsmpirun: stopped the other 3 ranks\n$/,
    );
    expect(r.code).toBe(1);
  });

  it('producer-consumer hands out every item exactly once', async () => {
    const r = await runMpi(['-n', '4', example('producer-consumer.ts')]);
    const sums = [...r.stdout.matchAll(/processed (\d+) items, sum of squares (\d+)/g)];
    expect(sums.reduce((n, m) => n + Number(m[1]), 0)).toBe(20);
    expect(sums.reduce((n, m) => n + Number(m[2]), 0)).toBe(Array.from({ length: 20 }, (_, i) => (i + 1) ** 2).reduce((a, b) => a + b));
  });
});
