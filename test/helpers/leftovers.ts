/**
 * What a test run may leave behind on this machine, and which of it is this run's: job
 * directories (with their keys, sockets and shared-memory segments), other tsmpi entries in
 * /dev/shm, the tests' own temporary folders, and processes of tsmpi jobs. Used by the check
 * after the whole run (leftovers-setup.ts); compared with a snapshot taken before it, so
 * nothing that was there already counts.
 *
 * Telling this run's things from those of other runs or jobs of the same user on this machine:
 * processes carry the run's variable (run-tag.ts) in their environment or run a file of this
 * checkout; temporary folders carry the run tag in their name. Job directories carry neither:
 * one counts when its owner record (src/launcher/job-owner.ts) says its job is over; one whose
 * owner still runs is left to the process check; one without a record was made by a tsmpi
 * that writes none (another checkout), so is not this run's.
 */
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { jobDirBases } from '../../src/launcher/job-dir.js';
import { ownersGone, readOwnerRecord } from '../../src/launcher/job-owner.js';
import { kRunVar } from './run-tag.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const kJobDirName = /^tsmpi-[A-Za-z0-9]{6}$/;
/** The TypeScript loader's compile cache (ts-loader/register.ts): kept on purpose, across runs. */
const kKeptCache = /^tsmpi-ts-/;

export interface Snapshot {
  entries: Set<string>;
  processes: Set<string>;
}
export interface Leftover {
  what: string;
  path?: string;
  pid?: number;
}

const bases = (): string[] => [...new Set([os.tmpdir(), ...jobDirBases()])];

function tsmpiEntries(): string[] {
  return bases().flatMap((base) => {
    try {
      return readdirSync(base)
        .filter((name) => name.startsWith('tsmpi-'))
        .map((name) => path.join(base, name));
    } catch {
      return [];
    }
  });
}

interface Proc {
  key: string;
  pid: number;
  zombie: boolean;
}

/** Every process, keyed by pid and start time (a pid reused during the run is a new process). */
function processes(): Proc[] {
  const out: Proc[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.push({ key: `${entry}:${fields[19]}`, pid: Number(entry), zombie: fields[0] === 'Z' });
    } catch {
      // ended meanwhile
    }
  }
  return out;
}

export function snapshot(): Snapshot {
  return { entries: new Set(tsmpiEntries()), processes: new Set(processes().map((p) => p.key)) };
}

const read = (file: string): string => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
};

/**
 * Whether `pid` is a process of a tsmpi job of this run: a launcher, agent, rank (or what a
 * rank started: it inherits TSMPI_JOB_ID) or srun task of this checkout's fixtures.
 */
function jobProcessOfRun(pid: number, run: string): string | undefined {
  const command = read(`/proc/${pid}/cmdline`).replace(/\0+$/, '').split('\0').join(' ');
  const environ = read(`/proc/${pid}/environ`).split('\0');
  // A process marked by another run (a second vitest in the same checkout) is that run's:
  // only an unmarked one falls back to running a file of this checkout.
  const marker = environ.find((e) => e.startsWith(`${kRunVar}=`));
  const ours = marker !== undefined ? marker === `${kRunVar}=${run}` : command.includes(`${root}/`);
  const tsmpi = environ.some((e) => e.startsWith('TSMPI_JOB_ID=')) || /dist\/launcher\/|test\/fixtures\//.test(command);
  return ours && tsmpi ? command : undefined;
}

/** The job directories on this machine that name process `pid` as an owner. */
export async function jobDirsOwnedBy(pid: number): Promise<string[]> {
  const dirs = tsmpiEntries().filter((entry) => kJobDirName.test(path.basename(entry)));
  const records = await Promise.all(dirs.map(readOwnerRecord));
  return dirs.filter((_, i) => records[i]?.owners.some((o) => o.pid === pid) === true);
}

/** What this run left that was not there at `before`. */
export async function leftovers(before: Snapshot, run: string): Promise<Leftover[]> {
  const left: Leftover[] = [];
  for (const entry of tsmpiEntries()) {
    if (before.entries.has(entry)) continue;
    const name = path.basename(entry);
    if (kJobDirName.test(name)) {
      const record = await readOwnerRecord(entry);
      if (record !== undefined && ownersGone(record) === true) {
        left.push({ what: `job directory ${entry} (owners ${record.owners.map((o) => o.pid).join(', ')} ended)`, path: entry });
      }
    } else if (name.includes(`-${run}-`)) {
      left.push({ what: `test folder ${entry}`, path: entry });
    } else if (path.dirname(entry) === '/dev/shm' && !kKeptCache.test(name)) {
      left.push({ what: `${entry} in /dev/shm`, path: entry });
    }
  }
  for (const p of processes()) {
    if (p.zombie || p.pid === process.pid || before.processes.has(p.key)) continue;
    const command = jobProcessOfRun(p.pid, run);
    if (command !== undefined) left.push({ what: `process ${p.pid}: ${command.slice(0, 200)}`, pid: p.pid });
  }
  return left;
}
