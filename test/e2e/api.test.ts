// The rank API's lifecycle through the real launcher, singleton mode without it, and abort().
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, runMpi, tempDir } from '../helpers/run-mpi.js';

const tsxLoader = createRequire(import.meta.url).resolve('tsx/esm');

/** Runs a program with plain node + tsx, no launcher: a world of size 1. */
function runSingleton(program: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', tsxLoader, program], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe.concurrent('rank API', () => {
  it('wtime, getProcessorName, the environment and finalize(), np=3', async () => {
    const r = await runMpi(['-n', '3', fixture('lifecycle.ts')]);
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n').filter(Boolean).sort()).toEqual([0, 1, 2].map((i) => `lifecycle ok rank ${i} of 3`));
    expect(r.code).toBe(0);
  });

  it.each([
    ['collectives.ts', 'collectives ok 1'],
    ['p2p.ts', 'p2p ok 1'],
    ['lifecycle.ts', 'lifecycle ok rank 0 of 1'],
  ])('singleton mode: %s without the launcher is a world of size 1', async (program, line) => {
    const r = await runSingleton(fixture(program));
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(line);
    expect(r.code).toBe(0);
  });

  it('abort() without a code ends the job with status 1', async () => {
    const r = await runMpi(['-n', '3', fixture('api/abort-default.ts')]);
    expect(r.stderr).toMatch(/^tsmpirun: rank 1 \(pid \d+\) called abort\(1\)\ntsmpirun: stopped the other 2 ranks\n$/);
    expect(r.code).toBe(1);
  });

  it('new Status() is the empty status: ANY_SOURCE, ANY_TAG, count 0', async () => {
    const r = await runMpi(['-n', '2', fixture('api/status-default.ts')]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('fresh true true -1 -1 0\nfilled 0 7 true\n');
    expect(r.code).toBe(0);
  });

  it('waitany gives the lowest index among the complete requests, not the first to complete', async () => {
    const r = await runMpi(['-n', '2', fixture('api/waitany-lowest.ts')]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('waitany 1 two tag 2, index 0 complete: false\nthen 0 one\n');
    expect(r.code).toBe(0);
  });

  it.each([
    ['program-kinds.mts', 'mts ok 3 6'],
    ['program-kinds.js', 'js ok 3 6'],
  ])('a %s rank program runs like a .ts one', async (program, line) => {
    const r = await runMpi(['-n', '3', fixture(`api/${program}`)]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`${line}\n`);
    expect(r.code).toBe(0);
  });

  it('a rank that exits with a receive pending says so in one line; the status stays 0', async () => {
    const r = await runMpi(['-n', '2', fixture('api/missing-await.ts')]);
    expect(r.stdout).toBe('rank 1 got object\n');
    expect(r.stderr).toBe(
      'tsmpi: rank 1 ended with recv(source=0, tag=4) on COMM_WORLD still pending: a missing await? (tsmpirun --timeout names the program line)\n',
    );
    expect(r.code).toBe(0);
    // Where call sites are recorded, the line names the program's line.
    const timed = await runMpi(['--timeout', '600', '-n', '2', fixture('api/missing-await.ts')]);
    expect(timed.stderr).toBe('tsmpi: rank 1 ended with recv(source=0, tag=4) on COMM_WORLD at missing-await.ts:6 still pending: a missing await?\n');
    expect(timed.code).toBe(0);
  });

  it.each(['light', 'tsx'])('a TypeScript syntax error (%s loader) prints the file, line, column and message only', async (loader) => {
    const dir = await tempDir();
    const program = path.join(dir, 'broken.ts');
    await writeFile(program, 'const a = 1;\nconst x: number = ;\nconsole.log(a, x);\n');
    const r = await runMpi(['-n', '1', program], { env: { TSMPI_TS_LOADER: loader === 'tsx' ? 'tsx' : '' } });
    expect(r.stderr).toMatch(
      new RegExp(`^tsmpirun: rank 0 \\(pid \\d+\\) failed with an uncaught exception:\nSyntaxError: ${program}:2:19: Unexpected ";"\n$`),
    );
    expect(r.code).toBe(1);
  });

  it('comm.abort(3) ends every rank, even ranks blocked in recv; the launcher exits 3', async () => {
    const r = await runMpi(['-n', '4', fixture('comm-abort.ts')]);
    expect(r.stderr).toMatch(/^tsmpirun: rank 1 \(pid \d+\) called abort\(3\)\ntsmpirun: stopped the other 3 ranks\n$/);
    expect(r.code).toBe(3);
  });
});
