/**
 * Who owns a job directory: a record (`owner.json`) written into it when it is made, so that a
 * later tsmpirun or agent can tell the directory of a job that is over from one in use, as Open
 * MPI removes stale session directories. The owner is the process that made the directory and
 * removes it when it ends: the launcher, an agent, or a task started by srun. Killed with
 * SIGKILL (or by the OOM killer) it cannot; the record then names only dead processes.
 *
 * A pid alone may have been reused, so each owner is recorded with its start time (clock ticks
 * since boot, /proc/<pid>/stat), together with the boot and the pid namespace in which those
 * numbers mean something. A record from another pid namespace (a container sharing /dev/shm)
 * or another machine (a shared temporary directory) cannot be judged here and is left alone.
 */
import { readFileSync, readlinkSync, renameSync, writeFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export const kOwnerFileName = 'owner.json';

export interface Owner {
  pid: number;
  start: string;
}

export interface OwnerRecord {
  host: string;
  /** The kernel's boot id; '' without /proc. */
  boot: string;
  /** The pid namespace (`pid:[4026531836]`); '' without /proc. */
  pidns: string;
  owners: Owner[];
}

function readOr(read: () => string, fallback: string): string {
  try {
    return read().trim();
  } catch {
    return fallback;
  }
}

let place: Pick<OwnerRecord, 'host' | 'boot' | 'pidns'> | undefined;
/** Where this process's pids mean something (read once: none of it changes while it runs). */
function here(): Pick<OwnerRecord, 'host' | 'boot' | 'pidns'> {
  place ??= {
    host: os.hostname(),
    boot: readOr(() => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8'), ''),
    pidns: readOr(() => readlinkSync('/proc/self/ns/pid'), ''),
  };
  return place;
}

/**
 * The start time of live process `pid`: '' when it runs but its start time cannot be read (no
 * /proc: then only whether the pid exists is known), null when it is gone or a zombie (dead,
 * waiting to be reaped).
 */
export function processStart(pid: number): string | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (error) {
    // With /proc only ENOENT proves it gone; an error such as EACCES (hidepid) does not.
    if (here().boot !== '') return (error as NodeJS.ErrnoException).code === 'ENOENT' ? null : '';
    try {
      process.kill(pid, 0);
      return '';
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'EPERM' ? '' : null;
    }
  }
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses; starttime is field 22.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[0] === 'Z' ? null : (fields[19] ?? '');
}

/** The record naming `pids` (default: this process) as the owners. */
export function ownerRecord(pids: readonly number[] = [process.pid]): OwnerRecord {
  return { ...here(), owners: pids.map((pid) => ({ pid, start: processStart(pid) ?? '' })) };
}

/** Writes the record into `dir` whole (a reader never sees half of it). */
export function writeOwnerRecord(dir: string, record: OwnerRecord = ownerRecord()): void {
  const file = path.join(dir, kOwnerFileName);
  writeFileSync(`${file}.new`, JSON.stringify(record), { mode: 0o600 });
  renameSync(`${file}.new`, file);
}

const isOwner = (o: unknown): o is Owner =>
  typeof o === 'object' && o !== null && Number.isInteger((o as Owner).pid) && (o as Owner).pid > 0 && typeof (o as Owner).start === 'string';

/** The record in `dir`; undefined when it is missing or unreadable. */
export async function readOwnerRecord(dir: string): Promise<OwnerRecord | undefined> {
  try {
    const r = JSON.parse(await fs.readFile(path.join(dir, kOwnerFileName), 'utf8')) as Partial<OwnerRecord>;
    if (typeof r.host !== 'string' || typeof r.boot !== 'string' || typeof r.pidns !== 'string') return undefined;
    if (!Array.isArray(r.owners) || r.owners.length === 0 || !r.owners.every(isOwner)) return undefined;
    return r as OwnerRecord;
  } catch {
    return undefined;
  }
}

/** Whether owner `o` (of a record judged here) still runs: same pid, same start time. */
export function ownerAlive(o: Owner): boolean {
  const start = processStart(o.pid);
  return start !== null && (o.start === '' || start === '' || start === o.start);
}

/**
 * Whether every owner in `record` has ended; undefined when this process cannot tell (the
 * owners' pids belong to another pid namespace or machine).
 */
export function ownersGone(record: OwnerRecord): boolean | undefined {
  const me = here();
  if (record.boot !== me.boot) {
    // This machine booted again since: every process of the record has ended.
    return record.host === me.host && record.boot !== '' && me.boot !== '' ? true : undefined;
  }
  if (record.pidns !== me.pidns) return undefined;
  return !record.owners.some(ownerAlive);
}
