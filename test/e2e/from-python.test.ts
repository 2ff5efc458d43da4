// The Python idiom examples (examples/from-python/) run through the real launcher as the README
// says, and print the values the Python originals would.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runMpi, type MpiResult } from '../helpers/run-mpi.js';

const run = (np: number, name: string, ...args: string[]): Promise<MpiResult> =>
  runMpi(['-n', String(np), path.resolve('examples/from-python', name), ...args]);

/** The run succeeded with nothing on stderr; returns its output lines. */
function lines(r: MpiResult): string[] {
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r.stdout.split('\n').slice(0, -1);
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe.concurrent('examples/from-python at np=4', () => {
  it('workers-sleep.ts: every worker reports its pid after its sleep, the root joins them all', async () => {
    const out = lines(await run(4, 'workers-sleep.ts'));
    const workers = out.map((l) => /^worker (\d) \(pid (\d+)\) slept (\d+) ms$/.exec(l)).filter((m) => m !== null);
    expect(workers.map((m) => Number(m[1])).sort()).toEqual([0, 1, 2, 3]);
    for (const m of workers) expect(Number(m[3])).toBe(100 * Number(m[1]));
    const byRank = workers.sort((a, b) => Number(a[1]) - Number(b[1])).map((m) => m[2]);
    expect(new Set(byRank).size).toBe(4);
    // Ranks' lines reach the launcher through separate pipes, so the root's line may overtake
    // a worker's: only the content is certain, not the order.
    expect(out).toHaveLength(5);
    expect(out).toContain(`joined 4 workers: pids ${byRank.join(' ')}`);
  });

  it('queue-sentinel.ts: every item is consumed exactly once and each consumer stops at its sentinel', async () => {
    const out = lines(await run(4, 'queue-sentinel.ts'));
    expect(out).toContain('producer: put 20 items and 3 sentinels');
    const consumers = out.map((l) => /^consumer (\d): got \[([\d, ]*)\], sum of squares (\d+), then the sentinel$/.exec(l)).filter((m) => m !== null);
    expect(consumers.map((m) => Number(m[1])).sort()).toEqual([1, 2, 3]);
    const items: number[] = [];
    for (const m of consumers) {
      const got = m[2] === '' ? [] : m[2].split(', ').map(Number);
      expect(Number(m[3])).toBe(got.reduce((s, x) => s + x * x, 0));
      items.push(...got);
    }
    expect(items.sort((a, b) => a - b)).toEqual(range(20));
  });

  // Pipe 0 here is exactly the `-n 2` run; a separate job for it would only add start-up time.
  it('pipe.ts: each pair of ranks is one Pipe, both ends receive what the other sent', async () => {
    const out = lines(await run(4, 'pipe.ts'));
    expect(out.sort()).toEqual([
      'pipe 0 child (rank 1) got {"reply":"thanks"}',
      'pipe 0 parent (rank 0) got [42,null,"hello"]',
      'pipe 1 child (rank 3) got {"reply":"thanks"}',
      'pipe 1 parent (rank 2) got [42,null,"hello"]',
    ]);
  });

  it('pipe.ts with an odd rank count says it needs an even one and exits 1', async () => {
    const r = await run(3, 'pipe.ts');
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^pipe\.ts needs an even number of ranks \(-n 2 for one Pipe\), got -n 3\n/);
    expect(r.code).toBe(1);
  });

  it('manager-gather.ts: the list and dict filled by the workers arrive at the root in rank order', async () => {
    const out = lines(await run(4, 'manager-gather.ts'));
    expect(out).toHaveLength(2);
    expect(out[0]).toBe('list: [0,1,4,9]');
    const dict = JSON.parse(out[1].replace(/^dict: /, '')) as Record<string, number>;
    expect(Object.keys(dict)).toEqual(['worker-0', 'worker-1', 'worker-2', 'worker-3']);
    expect(new Set(Object.values(dict)).size).toBe(4);
    for (const pid of Object.values(dict)) expect(Number.isInteger(pid) && pid > 0).toBe(true);
  });

  it('shared-value.ts: a shared Int32Array counter under a shared lock, a shared Float64Array filled by the workers', async () => {
    expect(lines(await run(4, 'shared-value.ts'))).toEqual(['counter: 100 + 4 workers x 10 increments = 140', 'array: [0, 1, 4, 9]']);
  });

  it('shared-memory.ts: a prefix sum computed in place in one shared Float64Array', async () => {
    expect(lines(await run(4, 'shared-memory.ts', '200000'))).toEqual([
      'prefix sum of 0..199999 on 4 ranks, in place in one shared Float64Array',
      'last: 19999900000, n(n-1)/2 = 19999900000, every element right: true',
    ]);
  });

  it('lock-print.ts: 200 whole lines per rank, in order, none mixed with another rank', async () => {
    const out = lines(await run(4, 'lock-print.ts'));
    expect(out).toHaveLength(800);
    const next = [0, 0, 0, 0];
    for (const line of out) {
      const m = /^rank ([0-3]) line (\d+): (\d{120})$/.exec(line);
      expect(m, line).not.toBeNull();
      const rank = Number(m![1]);
      expect(m![3]).toBe(String(rank).repeat(120));
      expect(Number(m![2])).toBe(next[rank]++);
    }
    expect(next).toEqual([200, 200, 200, 200]);
  });

  it('mpi4py-scatter-gather.ts: each rank squares its item, the root gathers the squares in rank order', async () => {
    const out = lines(await run(4, 'mpi4py-scatter-gather.ts'));
    expect(out.filter((l) => l.startsWith('rank ')).sort()).toEqual(range(4).map((r) => `rank ${r} got ${r + 1}, squares it to ${(r + 1) ** 2}`));
    expect(out).toHaveLength(5);
    expect(out).toContain('gathered [1, 4, 9, 16]');
  });

  it('sum-of-squares.ts: the sum over 10 million elements matches the closed form', async () => {
    const out = lines(await run(4, 'sum-of-squares.ts'));
    expect(out).toHaveLength(3);
    const sum = /^sum of squares of 0\.\.9999999 on 4 ranks: (\S+)$/.exec(out[0]);
    const closed = /^closed form n\(n-1\)\(2n-1\)\/6: +(\S+), relative error (\S+)$/.exec(out[1]);
    expect(out[2]).toMatch(/^built and summed in \d+\.\d ms$/);
    const n = 10_000_000n;
    const exact = Number((n * (n - 1n) * (2n * n - 1n)) / 6n);
    expect(Number(closed![1])).toBe(exact);
    const error = Math.abs(Number(sum![1]) - exact) / exact;
    expect(error).toBeLessThan(1e-10); // naive float64 summation of 10^7 terms, as numba's loop
    expect(Math.abs(Number(closed![2]) - error)).toBeLessThanOrEqual(error * 0.01); // printed to 3 digits
  });

  it("amdahl.ts: one run times 1, 2 and 4 ranks of the world and prints Amdahl's predictions beside them", async () => {
    // A small workload keeps the test short; speed itself is never asserted.
    const out = lines(await run(4, 'amdahl.ts', '0.2', '20'));
    const header = /^Amdahl's law, serial fraction 0\.2, 20 million steps, (\d+) CPUs on this machine$/.exec(out[0]);
    expect(header).not.toBeNull();
    const cpus = Number(header![1]);
    expect(out[1]).toBe('ranks   time (ms)   measured speedup   Amdahl   Amdahl with p capped at CPUs');
    const amdahl = (p: number): string => (1 / (0.2 + 0.8 / p)).toFixed(2);
    const rows = out.slice(2, 5).map((l) => l.trim().split(/ +/));
    expect(rows.map((r) => r[0])).toEqual(['1', '2', '4']);
    for (const [p, ms, speedup, predicted, capped] of rows) {
      expect(Number(ms)).toBeGreaterThan(0);
      expect(Number(speedup)).toBeGreaterThan(0);
      expect(predicted).toBe(amdahl(Number(p)));
      expect(capped).toBe(amdahl(Math.min(Number(p), cpus)));
    }
    expect(rows[0][2]).toBe('1.00');
    expect(out.slice(5)).toEqual(cpus < 4 ? [`beyond ${cpus} ranks the ranks share ${cpus} CPUs: expect the capped column, not Amdahl's`] : []);
  });
});
