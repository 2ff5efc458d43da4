// How busy the machine is with work that is not the benchmark's. Two measures, both as a share
// of all CPUs: before a step, the CPU time used during a short window in which the benchmark
// runs nothing; during a step, the machine's CPU time minus the benchmark's own (its process and
// every descendant it has waited for: /proc/self/stat's utime, stime, cutime and cstime). Both
// beat the load average, which still counts the benchmark's own last step. On a 2-core machine
// shared with other jobs this decides whether a run's figures mean much.
// The busy loops of the step "coll np=4 loaded" are the benchmark's children (reaped before
// the step ends), so they count as its own. Ranks started over ssh on the test hosts are not its
// descendants: a step may name other processes whose CPU time (with their reaped descendants')
// counts as its own too (the hosts' sshd listeners, which reap every ssh session).
import { readFileSync } from 'node:fs';

/** Machine CPU time (busy, total) in clock ticks, from /proc/stat; null where it is missing. */
function machineTicks(): { busy: number; total: number } | null {
  try {
    const v = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number); // cpu user nice system idle iowait irq softirq steal
    const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
    return { busy: total - (v[3] ?? 0) - (v[4] ?? 0), total };
  } catch {
    return null;
  }
}

/** CPU ticks of a process (default: this one) and of its waited-for descendants; NaN when it is gone. */
function ticksOf(pid: number | 'self' = 'self'): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat
      .slice(stat.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number); // fields from 3 (state) on
    return f[11]! + f[12]! + f[13]! + f[14]!; // utime stime cutime cstime (fields 14–17)
  } catch {
    return NaN;
  }
}

/** This process's ticks plus those of `also` (each counted from its value at `since`). */
function ownTicks(also: number[] = [], since?: Map<number, number>): number {
  let t = ticksOf();
  for (const pid of also) {
    const x = ticksOf(pid) - (since?.get(pid) ?? 0);
    if (Number.isFinite(x)) t += x;
  }
  return t;
}

/**
 * Starts measuring others' share of the CPUs; the function returned stops and gives it (NaN:
 * unknown). `also`: other processes whose CPU time is the benchmark's own during this window.
 */
export function othersMeter(also: number[] = []): () => number {
  const base = new Map(also.map((pid) => [pid, ticksOf(pid)]));
  const a = machineTicks(),
    own = ownTicks();
  return () => {
    const b = machineTicks();
    if (!a || !b || b.total === a.total) return NaN;
    return Math.max(0, (b.busy - a.busy - (ownTicks(also, base) - own)) / (b.total - a.total));
  };
}

/** Others' share of the CPUs over an idle window of `ms`. */
export async function othersBusy(ms = 500): Promise<number> {
  const stop = othersMeter();
  await new Promise((r) => setTimeout(r, ms));
  return stop();
}

/** Figures are suspect when others used more than this share of the CPUs. */
export const kBusyLimit = 0.15;

/**
 * Waits (up to `maxS` seconds) for a window in which others use less than kBusyLimit; returns
 * the last share measured and the seconds waited.
 */
export async function waitQuiet(maxS: number): Promise<{ busy: number; waitedS: number }> {
  const t0 = Date.now();
  let busy = await othersBusy();
  while (!(busy < kBusyLimit) && Number.isFinite(busy) && (Date.now() - t0) / 1000 < maxS) {
    await new Promise((r) => setTimeout(r, 2000));
    busy = await othersBusy(1000);
  }
  return { busy, waitedS: (Date.now() - t0) / 1000 };
}
