/**
 * Which job directories the sweep (src/launcher/stale-jobs.ts) removes, on a private base
 * directory of planted ones, so no other test's tsmpirun sweeps them meanwhile: only
 * directories of this user that are provably stale.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chownSync, existsSync, mkdirSync, mkdtempSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { ownerRecord, writeOwnerRecord, type OwnerRecord } from '../../../src/launcher/job-owner.js';
import { kRecordlessMinAgeMs, removeStaleJobDirs } from '../../../src/launcher/stale-jobs.js';
import { testDirPrefix } from '../../helpers/run-tag.js';

let base: string;

/** A job directory as tsmpi makes it (0700, a key file), with `record` as its owner record if given. */
function plant(record?: OwnerRecord): string {
  const dir = mkdtempSync(path.join(base, 'tsmpi-'));
  writeFileSync(path.join(dir, 'keys.json'), '{}', { mode: 0o600 });
  if (record !== undefined) writeOwnerRecord(dir, record);
  return dir;
}

/** Sets the directory's modification time `ms` into the past (nothing changed in it since). */
function age(dir: string, ms: number): string {
  const then = new Date(Date.now() - ms);
  utimesSync(dir, then, then);
  return dir;
}

/** A process that runs until the test ends. */
async function running(env: NodeJS.ProcessEnv = {}): Promise<number> {
  const child = spawn('sleep', ['60'], { stdio: 'ignore', env: { ...process.env, ...env } });
  onTestFinished(() => void child.kill('SIGKILL'));
  await once(child, 'spawn');
  return child.pid!;
}

/** The owner record of a process that has ended (recorded while it ran, then killed and reaped). */
async function deadOwner(): Promise<OwnerRecord> {
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  await once(child, 'spawn');
  const record = ownerRecord([child.pid!]);
  child.kill('SIGKILL');
  await once(child, 'exit');
  return record;
}

describe.skipIf(process.platform !== 'linux')('removing stale job directories', () => {
  it('removes a directory whose owners all ended, keeps one whose owner runs', async () => {
    base = mkdtempSync(testDirPrefix('stale'));
    onTestFinished(() => fs.rm(base, { recursive: true, force: true }));
    const stale = plant(await deadOwner());
    const oneAlive = plant(ownerRecord([(await deadOwner()).owners[0].pid, await running()]));
    const live = plant(ownerRecord([process.pid]));
    // A live pid with another start time: the recorded owner ended and its pid was reused.
    const reused = plant({ ...ownerRecord([process.pid]), owners: [{ pid: process.pid, start: '1' }] });
    // Another boot of this host: nothing of it still runs.
    const rebooted = plant({ ...ownerRecord([process.pid]), boot: 'another-boot' });
    // Another pid namespace: its pids cannot be judged from here.
    const foreign = plant({ ...ownerRecord([9_999_999]), pidns: 'pid:[1]' });
    expect((await removeStaleJobDirs([base])).sort()).toEqual([stale, reused, rebooted].sort());
    for (const dir of [oneAlive, live, foreign]) expect(existsSync(dir), dir).toBe(true);
  });

  it('without an owner record: removes it only when old and unused', async () => {
    base = mkdtempSync(testDirPrefix('stale'));
    onTestFinished(() => fs.rm(base, { recursive: true, force: true }));
    const old = age(plant(), 2 * kRecordlessMinAgeMs);
    const young = plant();
    const usedByEnv = age(plant(), 2 * kRecordlessMinAgeMs);
    await running({ TSMPI_JOB_DIR: usedByEnv });
    const unreadable = plant();
    writeFileSync(path.join(unreadable, 'owner.json'), '{"owners": "half a reco');
    age(unreadable, 2 * kRecordlessMinAgeMs);
    expect((await removeStaleJobDirs([base])).sort()).toEqual([old, unreadable].sort());
    for (const dir of [young, usedByEnv]) expect(existsSync(dir), dir).toBe(true);
  });

  it('never touches what is not a job directory of this user', async () => {
    base = mkdtempSync(testDirPrefix('stale'));
    onTestFinished(() => fs.rm(base, { recursive: true, force: true }));
    const dead = await deadOwner();
    // A link named like a job directory, to a directory that looks stale: neither goes.
    const elsewhere = path.join(base, 'elsewhere');
    mkdirSync(elsewhere);
    writeOwnerRecord(elsewhere, dead);
    const link = path.join(base, 'tsmpi-link00');
    symlinkSync(elsewhere, link);
    // Other names: the tests' folders, the loader's cache, a name mkdtemp does not make.
    const others = ['tsmpi-ts-0', 'tsmpi-test-abcdef', 'tsmpi-abcde'].map((name) => path.join(base, name));
    for (const dir of others) {
      mkdirSync(dir);
      writeOwnerRecord(dir, dead);
    }
    // Only root can make a directory of another user.
    const otherUser = process.getuid?.() === 0 ? plant(dead) : undefined;
    if (otherUser !== undefined) chownSync(otherUser, 65534, 65534);
    expect(await removeStaleJobDirs([base])).toEqual([]);
    for (const p of [link, elsewhere, ...others, ...(otherUser === undefined ? [] : [otherUser])]) expect(existsSync(p), p).toBe(true);
  });
});
