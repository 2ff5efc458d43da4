// How busy the machine is with work that is not the benchmark's. Between steps the benchmark
// runs nothing, so the CPU time used during a short idle window is other processes' — a
// better signal than the load average, which still counts the benchmark's own last step.
// On a 2-core machine shared with other jobs this decides whether a run's figures mean much.
import { readFileSync } from 'node:fs';

function cpuTimes(): { busy: number; total: number } | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!; // "cpu  user nice system idle iowait irq softirq steal ..."
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const idle = (v[3] ?? 0) + (v[4] ?? 0);
    const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
    return { busy: total - idle, total };
  } catch {
    return null; // not Linux: unknown
  }
}

/** Share of all CPUs (0–1) other processes used over `ms`; NaN where /proc/stat is missing. */
export async function othersBusy(ms = 500): Promise<number> {
  const a = cpuTimes();
  await new Promise((r) => setTimeout(r, ms));
  const b = cpuTimes();
  if (!a || !b || b.total === a.total) return NaN;
  return (b.busy - a.busy) / (b.total - a.total);
}

/** A step's figures are suspect when others used more than this share of the CPUs before it. */
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
