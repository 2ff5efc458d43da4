/**
 * The job's private directory on one host: its ranks' ipc sockets and the key file live there.
 * Made by tsmpirun on its own host, by each agent on the others, and by each task of a srun
 * step; each names itself its owner in it (job-owner.ts), so that what a killed owner leaves
 * behind can be told stale and removed (stale-jobs.ts).
 */
import { accessSync, constants, statfsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LaunchError } from './errors.js';
import { describeFsError, Texts } from './help.js';
import { writeOwnerRecord } from './job-owner.js';

/** ipc endpoint paths longer than about this fail to bind (sun_path is 108 bytes on Linux). */
export const kMaxIpcPath = 100;

/** statfs(2) type of a tmpfs: memory, never written back to a disk. */
const kTmpfsMagic = 0x01021994;
const kDevShm = '/dev/shm';

function isTmpfs(dir: string): boolean {
  try {
    return statfsSync(dir).type === kTmpfsMagic;
  } catch {
    return false;
  }
}

/**
 * Where job directories go: the temporary directory when it is a tmpfs, else /dev/shm when
 * this user may write there, else the temporary directory all the same. The shared-memory
 * transport maps its segments from the job directory, and a segment on a disk-backed file
 * system would be written back to the disk (measured nowhere, avoided everywhere).
 */
export function jobDirBase(): string {
  const tmp = tmpBase();
  if (isTmpfs(tmp)) return tmp;
  try {
    accessSync(kDevShm, constants.W_OK | constants.X_OK);
    if (isTmpfs(kDevShm)) return kDevShm;
  } catch {
    // not writable: fall through
  }
  return tmp;
}

/** Every place a job directory of this user may be (the ones a cleanup scans). */
export function jobDirBases(): string[] {
  return [...new Set([tmpBase(), kDevShm])];
}

/** The temporary directory, or /tmp when its path leaves too little room for ipc endpoints. */
function tmpBase(): string {
  return path.join(os.tmpdir(), 'tsmpi-').length + 16 < kMaxIpcPath ? os.tmpdir() : '/tmp';
}

/**
 * A private (0700) directory for the job's ipc sockets, shared-memory segments and key file,
 * short enough for their paths, owned by this process. Checked after creation: the key file
 * and the same-host endpoints rely on nobody else being able to enter it (a umask or a tmpdir
 * with odd ACL defaults must not silently widen it).
 */
export async function makeJobDir(): Promise<string> {
  const base = jobDirBase();
  let dir: string | undefined;
  try {
    dir = await fs.mkdtemp(path.join(base, 'tsmpi-'));
    const stat = await fs.lstat(dir);
    const uid = process.getuid?.();
    if (!stat.isDirectory() || (stat.mode & 0o777) !== 0o700 || (uid !== undefined && stat.uid !== uid)) {
      throw new Error(`${dir} is not a directory of mode 700 owned by this user`);
    }
    writeOwnerRecord(dir);
    return dir;
  } catch (error) {
    if (dir !== undefined) await fs.rm(dir, { recursive: true, force: true });
    throw new LaunchError('ERR_CONTROL', Texts.jobDirFailed(describeFsError(error)), { cause: error });
  }
}

export async function removeJobDir(dir: string): Promise<void> {
  await fs.rm(dir, { recursive: true, force: true });
}
