// The task pool's Python-bridge examples run as their headers say:
// `npx tsmpirun -n 4 examples/from-python/<name>.ts`. Only output is checked, never speed.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runMpi } from '../helpers/run-mpi.js';

const example = (name: string): string => path.resolve('examples/from-python', name);
// Seconds each on a quiet machine; a loaded one may take many times that.
const kJob = { killAfterMs: 110_000 };
const kTest = { timeout: 120_000 };

describe.concurrent('from-python pool examples at np=4', () => {
  it('pool-map.ts prints the squares in order', kTest, async () => {
    const r = await runMpi(['-n', '4', example('pool-map.ts')], kJob);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('[0, 1, 4, 9, 16, 25, 36, 49, 64, 81, 100, 121, 144, 169, 196, 225]\n');
    expect(r.code).toBe(0);
  });

  it('apply-async.ts prints the serial and the pool time and the speedup', kTest, async () => {
    const r = await runMpi(['-n', '4', example('apply-async.ts')], kJob);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(
      /^20 tasks, \d+ ms of sleep in all; results in order: true\nserial on rank 0: \d+ ms\napplyAsync on 3 workers: \d+ ms\nspeedup: \d+\.\d\dx\n$/,
    );
    expect(r.code).toBe(0);
  });

  it('imap.ts prints each result in input order as it arrives', kTest, async () => {
    const r = await runMpi(['-n', '4', example('imap.ts')], kJob);
    expect(r.stderr).toBe('');
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.map((l) => l.replace(/ {2}\(at \d+ ms\)$/, ''))).toEqual(Array.from({ length: 10 }, (_, x) => `${x}^2 = ${x * x}`));
    expect(r.code).toBe(0);
  });
});
