/**
 * What killed jobs leave behind goes with the next job: a starting tsmpirun removes the job
 * directories of this user whose owners have all ended (keys of dead jobs, their sockets and
 * segments), and leaves those of running jobs alone. Which directories count as stale is
 * tested in test/unit/launcher/stale-jobs.test.ts; this is the real launcher doing it.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { jobDirBase } from '../../src/launcher/job-dir.js';
import { ownerRecord, writeOwnerRecord, type OwnerRecord } from '../../src/launcher/job-owner.js';
import { fixture, runMpi } from '../helpers/run-mpi.js';

/** A job directory where tsmpirun makes them, with a key file, a socket's name and `record`. */
function plant(record: OwnerRecord): string {
  const dir = mkdtempSync(path.join(jobDirBase(), 'tsmpi-'));
  onTestFinished(() => fs.rm(dir, { recursive: true, force: true }));
  writeFileSync(path.join(dir, 'keys.json'), '{}', { mode: 0o600 });
  writeFileSync(path.join(dir, '0'), '');
  writeOwnerRecord(dir, record);
  return dir;
}

describe.skipIf(process.platform !== 'linux')('stale job directories', () => {
  it('a starting tsmpirun removes the directory of a job whose launcher was killed, and not that of a running one', async () => {
    // The killed launcher: recorded while it ran, then SIGKILLed (and reaped).
    const killed = spawn('sleep', ['60'], { stdio: 'ignore' });
    await once(killed, 'spawn');
    const stale = plant(ownerRecord([killed.pid!]));
    killed.kill('SIGKILL');
    await once(killed, 'exit');
    // A running job's launcher: this test's process.
    const live = plant(ownerRecord([process.pid]));

    const run = await runMpi(['-n', '2', fixture('../../examples/hello.ts')]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(path.join(live, 'keys.json'))).toBe(true);
    expect(existsSync(path.join(live, '0'))).toBe(true);
  });
});
