// The task pool through the real launcher: test/fixtures/pool-api.ts checks every part on the
// ranks (a failed check fails the job) and prints one line per part on rank 0.
import { describe, expect, it } from 'vitest';
import { fixture, runMpi, startOnTerminal } from '../helpers/run-mpi.js';

// A job pushes a million items through the pool: seconds on a quiet machine, but several times
// that on a loaded one, so both limits are generous (nothing here is about speed).
const kJob = { killAfterMs: 150_000 };
const kTest = { timeout: 160_000 };

describe.concurrent('task pool', () => {
  it(
    'np=4: map, starmap, imap order, imapUnordered, chunking, errors, cancel, validation, a lazy million-item imap, close then a collective, terminate',
    kTest,
    async () => {
      const r = await runMpi(['-n', '4', fixture('pool-api.ts')], kJob);
      expect(r.stderr).toBe(''); // no progress bar either: stderr is not a terminal
      const lines = r.stdout.split('\n');
      expect(lines).toContain('map ok: 0 1 4 9 16 ... 9801; starmap 3 7 11');
      expect(lines).toContain('imap ok: 60 5 40 1 30 10 0 20; imapUnordered 10 1000');
      expect(r.stdout).toMatch(/^chunking ok: 20 items by 5 -> 4 chunks on ranks [123],[123],[123],[123]; default 10 chunks$/m);
      expect(r.stdout).toMatch(/^errors ok: TaskError from rank [123]: task "fail" failed on rank [123]: RangeError: bad item 3$/m);
      const cancel = /^cancel ok: (\d+) ran, (\d+) cancelled$/m.exec(r.stdout);
      expect(cancel).not.toBeNull();
      // Never more than the chunks already at the workers (3 workers × 2): the rest never left the driver.
      expect(Number(cancel![1])).toBeLessThanOrEqual(6);
      expect(lines).toContain('validation ok');
      const lazy = /^lazy ok: 1000000 items, peak in flight (\d+) <= bound 6000, generator ahead of consumer at most (\d+)$/m.exec(r.stdout);
      expect(lazy).not.toBeNull();
      expect(Number(lazy![1])).toBeLessThanOrEqual(6000);
      expect(Number(lazy![2])).toBeLessThanOrEqual(6000);
      expect(lines).toContain('terminate ok: 12 cancelled');
      expect(lines).toContain('pool-api ok size 4');
      expect(r.code).toBe(0);
    },
  );

  it('np=1: the root runs the tasks itself', kTest, async () => {
    const r = await runMpi(['-n', '1', fixture('pool-api.ts')], kJob);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('chunking ok: 20 items by 5 -> 4 chunks on ranks 0,0,0,0; default 4 chunks');
    expect(r.stdout).toContain('errors ok: TaskError from rank 0');
    expect(r.stdout).toMatch(/^lazy ok: 1000000 items, peak in flight \d+ <= bound 2000, /m);
    expect(r.stdout).toContain('pool-api ok size 1');
    expect(r.code).toBe(0);
  });

  it('progress: true draws a bar through the launcher when its stderr is a terminal, nothing otherwise', kTest, async () => {
    const shown = startOnTerminal(['-n', '3', fixture('pool-progress.ts')], 120_000);
    expect(await shown.closed).toBe(0);
    expect(shown.output()).toContain('sum of squares 70210');
    expect(shown.output()).toMatch(/square \[[█░]+\] 60\/60 100%/);
    expect(shown.output()).toContain('\x1b['); // drawn in place, not line after line
    const piped = await runMpi(['-n', '3', fixture('pool-progress.ts')], kJob);
    expect(piped.code).toBe(0);
    expect(piped.stderr).toBe('');
    expect(piped.stdout).toBe('sum of squares 70210\n');
  });
});
