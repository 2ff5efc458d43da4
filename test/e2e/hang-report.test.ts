/**
 * The hang report through the real launcher: --timeout prints what every rank waits on before
 * stopping the job (status 124), SIGUSR1 prints it while the job goes on, and ranks that are
 * computing or done are reported as such. No process of the job is left behind.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, kTransports, onTransport, runMpi, startMpi, survivors, tempDir, type MpiResult } from '../helpers/run-mpi.js';

async function pidDir(): Promise<string> {
  return tempDir();
}

const seconds = String.raw`for \d+\.\d s`;

/**
 * Runs with --timeout 3, 6, 12, ... until the report shows the ranks where the test wants
 * them (`ready`): on a loaded machine, start-up alone may take longer than the timeout, and
 * the report then rightly says the ranks have not joined yet. Nothing about speed is asserted.
 */
async function runWithTimeout(args: (timeout: string) => string[], ready: (stderr: string) => boolean): Promise<{ run: MpiResult; timeout: string }> {
  for (let t = 3; ; t *= 2) {
    const run = await runMpi(args(String(t)), { killAfterMs: 45_000 + t * 1000 });
    if (ready(run.stderr) || t >= 24) return { run, timeout: String(t) };
  }
}

describe('hang report', () => {
  it.each(kTransports)('--timeout: reports the deadlock, grouped, with the program lines, then exits 124 (%s)', async (transport) => {
    const { run, timeout } = await runWithTimeout(
      (t) => [...onTransport(transport), '-n', '4', '--timeout', t, fixture('deadlock.ts')],
      (e) => e.includes('allreduce') && e.includes('recv'),
    );
    expect(run.code).toBe(124);
    const lines = run.stderr.split('\n');
    expect(lines[0]).toBe(`tsmpirun: job timed out after ${timeout} s`);
    expect(lines[1]).toMatch(new RegExp(String.raw`^tsmpirun: ranks 0,2,3 in allreduce #2 on COMM_WORLD ${seconds} at deadlock\.ts:8$`));
    expect(lines[2]).toMatch(new RegExp(String.raw`^tsmpirun: rank 1 in recv\(source=0, tag=5\) on COMM_WORLD ${seconds} at deadlock\.ts:6$`));
    expect(lines.slice(3)).toEqual(['tsmpirun: stopped 4 ranks', '']);
  });

  it('SIGUSR1: prints the report and the job goes on to finish with 0', async () => {
    const dir = await pidDir();
    const go = path.join(dir, 'go');
    const mpi = startMpi(['-n', '3', '-x', 'TSMPI_CALL_SITES=on', '-x', `PID_DIR=${dir}`, '-x', `GO_FILE=${go}`, fixture('waits.ts'), 'signal']);
    await mpi.waitForStdout('ready', 3);
    // Rank 2 has nothing more to do; wait until it is gone, then ask.
    while (!(await survivors(dir, 0)).every((name) => !name.startsWith('rank-2 '))) await new Promise((r) => setTimeout(r, 50));
    let report = '';
    for (let attempt = 0; attempt < 100 && !/rank 0 in/.test(report); attempt++) {
      mpi.child.kill('SIGUSR1');
      const before = mpi.stderr().length;
      while (mpi.stderr().length === before || !mpi.stderr().endsWith('\n')) await new Promise((r) => setTimeout(r, 50));
      report = mpi.stderr().slice(before);
    }
    expect(report.split('\n')).toEqual([
      expect.stringMatching(new RegExp(String.raw`^tsmpirun: rank 0 in recv\(source=1, tag=7\) on COMM_WORLD ${seconds} at waits\.ts:15$`)),
      'tsmpirun: rank 1 is not in a tsmpi call',
      'tsmpirun: rank 2 has finished',
      '',
    ]);
    await fs.writeFile(go, '');
    const run = await mpi.result;
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('got go\n');
    expect(await survivors(dir)).toEqual([]);
  });

  it('a rank computing without yielding is reported as not in a tsmpi call', async () => {
    const dir = await pidDir();
    const { run, timeout } = await runWithTimeout(
      (t) => ['-n', '2', '-x', `PID_DIR=${dir}`, '--timeout', t, fixture('waits.ts'), 'busy'],
      (e) => e.includes('barrier') && e.includes('busy'),
    );
    expect(run.code).toBe(124);
    expect(run.stderr.split('\n')).toEqual([
      `tsmpirun: job timed out after ${timeout} s`,
      'tsmpirun: rank 0 is not in a tsmpi call (busy: no answer within 1.0 s)',
      expect.stringMatching(new RegExp(String.raw`^tsmpirun: rank 1 in barrier #1 on COMM_WORLD ${seconds} at waits\.ts:13$`)),
      'tsmpirun: stopped 2 ranks',
      '',
    ]);
    expect(await survivors(dir)).toEqual([]);
  });
});
