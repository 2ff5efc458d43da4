/**
 * Removes this user's job directories whose jobs are over: left behind by owners that were
 * killed before they could remove them (a launcher killed together with its ranks, srun tasks
 * SIGKILLed by Slurm, the OOM killer). They hold the dead job's secret keys and, with the
 * shared-memory transport, its segments, which on /dev/shm take memory until the next boot.
 *
 * Every tsmpirun and agent sweeps while its own job starts (job-start.ts, agent/main.ts), as Open MPI
 * removes stale session directories. Only what is provably stale goes: a `tsmpi-XXXXXX`
 * directory of this user whose owner record (job-owner.ts) names only ended processes, however
 * young (the owner writes the record before anyone else can know of the directory, so a record
 * of dead owners is never one still being made); one without a record (made by an older tsmpi,
 * or by an owner between mkdtemp and writing its record) when nothing has changed in it for a
 * while, no process was started with it as its job directory and no socket in it is bound.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { kEnv } from '../comm/bootstrap/env.js';
import { jobDirBases } from './job-dir.js';
import { ownersGone, readOwnerRecord } from './job-owner.js';

/** What mkdtemp(`tsmpi-`) makes (and nothing else in the temporary directory). */
const kJobDirName = /^tsmpi-[A-Za-z0-9]{6}$/;
/** A directory without a record that changed more recently than this may be being made right now. */
export const kRecordlessMinAgeMs = 10_000;

/** Removes the stale job directories in `bases`; returns their paths. Never throws. */
export async function removeStaleJobDirs(bases: readonly string[] = jobDirBases()): Promise<string[]> {
  const uid = process.getuid?.();
  // Without user ids (Windows) ownership cannot be checked: nothing is provably ours.
  if (uid === undefined) return [];
  const removed: string[] = [];
  let inUse: Promise<Set<string> | undefined> | undefined;
  for (const base of bases) {
    const names = await fs.readdir(base).catch(() => [] as string[]);
    for (const name of names.filter((n) => kJobDirName.test(n))) {
      const dir = path.join(base, name);
      try {
        if (!(await isStale(dir, uid, () => (inUse ??= dirsInUse())))) continue;
        await fs.rm(dir, { recursive: true, force: true });
        removed.push(dir);
      } catch {
        // Gone meanwhile, or not ours to remove: either way nothing to do.
      }
    }
  }
  return removed;
}

async function isStale(dir: string, uid: number, inUse: () => Promise<Set<string> | undefined>): Promise<boolean> {
  const stat = await fs.lstat(dir);
  // Never another user's directory, nor a symbolic link planted to make us remove something else.
  if (!stat.isDirectory() || stat.uid !== uid) return false;
  const owned = await readOwnerRecord(dir);
  if (owned !== undefined) return ownersGone(owned) === true;
  if (Date.now() - stat.mtimeMs < kRecordlessMinAgeMs) return false;
  const used = await inUse();
  return used !== undefined && !used.has(dir);
}

/**
 * Job directories something still uses: named in the environment a process started with
 * (TSMPI_JOB_DIR, which tsmpirun and agents give every rank), or holding a bound Unix socket
 * (/proc/net/unix; a rank's or launcher's ipc endpoint). Undefined without /proc: then
 * nothing is known to be unused.
 */
async function dirsInUse(): Promise<Set<string> | undefined> {
  const used = new Set<string>();
  let sockets: string;
  let pids: string[];
  try {
    [sockets, pids] = await Promise.all([fs.readFile('/proc/net/unix', 'utf8'), fs.readdir('/proc')]);
  } catch {
    return undefined;
  }
  for (const line of sockets.split('\n')) {
    const at = line.indexOf(' /');
    if (at >= 0) used.add(path.dirname(line.slice(at + 1)));
  }
  await Promise.all(
    pids
      .filter((p) => /^[0-9]+$/.test(p))
      .map(async (pid) => {
        const environ = await fs.readFile(`/proc/${pid}/environ`, 'utf8').catch(() => '');
        const entry = environ.split('\0').find((e) => e.startsWith(`${kEnv.jobDir}=`));
        if (entry !== undefined) used.add(entry.slice(kEnv.jobDir.length + 1));
      }),
  );
  return used;
}
