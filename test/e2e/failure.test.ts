/**
 * A failing rank ends the whole job: the launcher stops the others, prints one diagnostic
 * naming the rank and the cause, exits with the documented status, and leaves no process of
 * the job (ranks or anything they started) behind. Every fixture rank starts a grandchild and
 * records both pids in the test's own directory.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixture, leftoverJobDirs, pidsIn, runMpi, startMpi, survivors, tempDir, type MpiResult } from '../helpers/run-mpi.js';

async function runFixture(n: number, program: string, args: string[], extra: string[] = []): Promise<{ run: MpiResult; dir: string }> {
  const dir = await tempDir();
  const run = await runMpi(['-n', String(n), '-x', `PID_DIR=${dir}`, ...extra, fixture(program), ...args]);
  return { run, dir };
}

const pidOf = (dir: string, rank: number): number | undefined => pidsIn(dir).get(`rank-${rank}`);

async function expectNothingLeft(dir: string, n: number): Promise<void> {
  const names = [...pidsIn(dir).keys()];
  // Every rank got far enough to record itself and its grandchild.
  expect(names.filter((name) => name.startsWith('rank-'))).toHaveLength(n);
  expect(names.filter((name) => name.startsWith('grandchild-'))).toHaveLength(n);
  expect(await survivors(dir)).toEqual([]);
  expect(await leftoverJobDirs(dir)).toEqual([]);
}

describe('one failing rank ends the job', () => {
  it('exit N on one rank: status N, "exited with code N"', async () => {
    const { run, dir } = await runFixture(4, 'exit-code.ts', ['2', '7']);
    expect(run.code).toBe(7);
    expect(run.stderr).toBe(`tsmpirun: rank 2 (pid ${pidOf(dir, 2)}) exited with code 7\ntsmpirun: stopped the other 3 ranks\n`);
    await expectNothingLeft(dir, 4);
  });

  it('a throw at the top level of a module: status 1, the stack printed once', async () => {
    const { run, dir } = await runFixture(3, 'throw-on-rank.ts', ['1', 'top']);
    expect(run.code).toBe(1);
    const [first, ...rest] = run.stderr.split('\n');
    expect(first).toBe(`tsmpirun: rank 1 (pid ${pidOf(dir, 1)}) failed with an uncaught exception:`);
    expect(rest[0]).toBe('Error: boom on rank 1');
    expect(rest[1]).toMatch(/^ {4}at .*throw-on-rank\.ts:\d+:\d+/);
    expect(run.stderr.split('boom on rank 1')).toHaveLength(2);
    expect(run.stderr).toMatch(/\ntsmpirun: stopped the other 2 ranks\n$/);
    await expectNothingLeft(dir, 3);
  });

  it('a throw from a timer callback: status 1, reported as an uncaught exception', async () => {
    const { run, dir } = await runFixture(2, 'throw-on-rank.ts', ['0', 'timer']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`tsmpirun: rank 0 (pid ${pidOf(dir, 0)}) failed with an uncaught exception:\nTypeError: boom from a timer on rank 0\n`);
    await expectNothingLeft(dir, 2);
  });

  it('an unhandled rejection: status 1, "failed with an unhandled rejection"', async () => {
    const { run, dir } = await runFixture(3, 'reject-on-rank.ts', ['2', 'floating']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`tsmpirun: rank 2 (pid ${pidOf(dir, 2)}) failed with an unhandled rejection:\nRangeError: rejected on rank 2\n`);
    expect(run.stderr.split('rejected on rank 2')).toHaveLength(2);
    await expectNothingLeft(dir, 3);
  });

  it('a rejected top-level await: status 1, the error reaches the launcher', async () => {
    const { run, dir } = await runFixture(2, 'reject-on-rank.ts', ['1', 'await']);
    expect(run.code).toBe(1);
    // Node throws an awaited rejection into the module body: an uncaught exception.
    expect(run.stderr).toContain(`tsmpirun: rank 1 (pid ${pidOf(dir, 1)}) failed with an uncaught exception:\nError: awaited rejection on rank 1\n`);
    await expectNothingLeft(dir, 2);
  });

  it('a rank killed by SIGKILL: status 137', async () => {
    const { run, dir } = await runFixture(3, 'kill-self.ts', ['1']);
    expect(run.code).toBe(137);
    expect(run.stderr).toBe(`tsmpirun: rank 1 (pid ${pidOf(dir, 1)}) was killed by signal SIGKILL\ntsmpirun: stopped the other 2 ranks\n`);
    await expectNothingLeft(dir, 3);
  });

  it('abort(code) reported over the control plane: status code', async () => {
    const { run, dir } = await runFixture(3, 'abort-rank.ts', ['0', '5']);
    expect(run.code).toBe(5);
    expect(run.stderr).toBe(`tsmpirun: rank 0 (pid ${pidOf(dir, 0)}) called abort(5)\ntsmpirun: stopped the other 2 ranks\n`);
    await expectNothingLeft(dir, 3);
  });
});

describe('the launcher stops the job', () => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ] as const)('on %s: forwards SIGTERM to every rank, exits %i', async (signal, status) => {
    const dir = await tempDir();
    const mpi = startMpi(['-n', '3', '-x', `PID_DIR=${dir}`, fixture('forever.ts')]);
    await mpi.waitForStdout('ready', 3);
    mpi.child.kill(signal);
    const run = await mpi.result;
    expect(run.code).toBe(status);
    expect(run.stderr).toBe(`tsmpirun: received ${signal}\ntsmpirun: stopped 3 ranks\n`);
    await expectNothingLeft(dir, 3);
  });

  it('kills ranks that ignore SIGTERM after the grace period', async () => {
    const dir = await tempDir();
    const mpi = startMpi(['-n', '2', '-x', `PID_DIR=${dir}`, fixture('forever.ts'), 'ignore-term']);
    await mpi.waitForStdout('ready', 2);
    mpi.child.kill('SIGTERM');
    const run = await mpi.result;
    expect(run.code).toBe(143);
    await expectNothingLeft(dir, 2);
  });

  it('even a SIGKILLed launcher leaves nothing behind: ranks notice and take their groups down', async () => {
    const dir = await tempDir();
    const mpi = startMpi(['-n', '2', '-x', `PID_DIR=${dir}`, fixture('forever.ts')]);
    await mpi.waitForStdout('ready', 2);
    mpi.child.kill('SIGKILL');
    expect((await mpi.result).signal).toBe('SIGKILL');
    expect(await survivors(dir, 10_000)).toEqual([]);
    const jobDir = mpi.stdout().split('\n')[0].split(' ')[2];
    expect(jobDir).toMatch(/tsmpi-/);
    expect(existsSync(jobDir)).toBe(false);
  });

  it('--timeout: stops every rank and exits 124', async () => {
    const { run, dir } = await runFixture(2, 'forever.ts', [], ['--timeout', '1.5']);
    expect(run.code).toBe(124);
    const lines = run.stderr.split('\n');
    expect(lines[0]).toBe('tsmpirun: job timed out after 1.5 s');
    expect(lines.slice(-2)).toEqual(['tsmpirun: stopped 2 ranks', '']);
    // Between them the hang report: forever.ts never calls tsmpi (nor joins the job).
    expect(lines.slice(1, -2).length).toBeGreaterThan(0);
    for (const line of lines.slice(1, -2))
      expect(line).toMatch(
        /^tsmpirun: ranks? [0-9,]+ (is not in a tsmpi call|are not in a tsmpi call|has not joined the job yet|have not joined the job yet)$/,
      );
    // On a loaded machine a rank may not have recorded its pids yet when time is up; whatever
    // it had started must be gone all the same.
    expect(await survivors(dir)).toEqual([]);
  });
});
