/**
 * The job's private directory on one host: its ranks' ipc sockets and the key file live there.
 * Made by tsmpirun on its own host and by each agent on the others.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LaunchError } from './errors.js';
import { describeFsError, Texts } from './help.js';

/** ipc endpoint paths longer than about this fail to bind (sun_path is 108 bytes on Linux). */
export const kMaxIpcPath = 100;

/**
 * A private (0700) directory for the job's ipc sockets and key file, short enough for their
 * paths. Checked after creation: the key file and the same-host endpoints rely on nobody else
 * being able to enter it (a umask or a tmpdir with odd ACL defaults must not silently widen it).
 */
export async function makeJobDir(): Promise<string> {
  const base = path.join(os.tmpdir(), 'tsmpi-').length + 16 < kMaxIpcPath ? os.tmpdir() : '/tmp';
  let dir: string | undefined;
  try {
    dir = await fs.mkdtemp(path.join(base, 'tsmpi-'));
    const stat = await fs.lstat(dir);
    const uid = process.getuid?.();
    if (!stat.isDirectory() || (stat.mode & 0o777) !== 0o700 || (uid !== undefined && stat.uid !== uid)) {
      throw new Error(`${dir} is not a directory of mode 700 owned by this user`);
    }
    return dir;
  } catch (error) {
    if (dir !== undefined) await fs.rm(dir, { recursive: true, force: true });
    throw new LaunchError('ERR_CONTROL', Texts.jobDirFailed(describeFsError(error)), { cause: error });
  }
}

export async function removeJobDir(dir: string): Promise<void> {
  await fs.rm(dir, { recursive: true, force: true });
}
