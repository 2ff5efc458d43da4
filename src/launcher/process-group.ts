/**
 * Process groups on this host: every rank leads its own (spawned detached), so one signal
 * reaches the rank and whatever it started.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Sends `signal` to the process group led by `pid`; errors (ESRCH: already gone) are ignored. */
export function signalGroup(pid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** State letter and process group of `pid` from /proc (Linux); undefined when it cannot be read. */
function procStat(pid: number | string): { state: string; pgrp: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid pgrp ...": comm may contain spaces and parentheses.
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state, pgrp: Number(pgrp) };
  } catch {
    return undefined; // gone, or no /proc
  }
}

/**
 * Whether the group led by `pgid` still has a member that is not a zombie. A zombie has
 * already died; it lingers only until its new parent, init, reaps it, which some inits do
 * lazily, and that is no reason to keep the launcher waiting.
 */
export function groupAlive(pgid: number): boolean {
  if (!signalGroup(pgid, 0)) return false;
  if (process.platform !== 'linux') return true;
  for (const entry of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(entry)) continue;
    const stat = procStat(entry);
    if (stat !== undefined && stat.pgrp === pgid && stat.state !== 'Z') return true;
  }
  return false;
}

/** Whether process `pid` has died: gone, or a zombie its parent has not reaped yet. */
export function processEnded(pid: number): boolean {
  const stat = procStat(pid);
  if (stat !== undefined) return stat.state === 'Z';
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
}
