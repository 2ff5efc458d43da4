/**
 * vitest globalSetup: after every test file has run, fails the run if the tests left anything
 * of theirs on this machine (leftovers.ts): a job directory, a tsmpi entry in /dev/shm, a
 * temporary folder of a test, a process of a tsmpi job. tsmpi promises to leave nothing behind
 * however a job ends; this holds the whole suite, every way it ends jobs, to that.
 *
 * Its teardown runs after all test files (before vitest stops its workers). Processes of the
 * last jobs may still be ending (ranks notice a killed launcher within a second, agents a lost
 * one within seconds), so it waits up to kSettleMs for them. A teardown that throws does not
 * change vitest's exit status (4.1: logged as "error during close"), so it sets it. Whatever
 * it found is then removed, so one failed run does not spoil the next.
 *
 * Linux only (it reads /proc); elsewhere it does nothing.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { leftovers, snapshot, type Leftover } from './leftovers.js';
import { kRunVar } from './run-tag.js';

/** How long the last jobs' processes get to end after the last test. */
const kSettleMs = 20_000;

export default function setup(): (() => Promise<void>) | undefined {
  if (!existsSync('/proc/self/stat')) return undefined;
  const run = randomBytes(6).toString('hex');
  // Set before any worker starts: every process of the run inherits it.
  process.env[kRunVar] = run;
  const before = snapshot();
  return async () => {
    const deadline = Date.now() + kSettleMs;
    let left: Leftover[];
    while ((left = await leftovers(before, run)).length > 0 && Date.now() < deadline) await delay(250);
    if (left.length === 0) return;
    console.error(
      `[leftovers] the tests left ${left.length} thing(s) behind ${kSettleMs / 1000} s after the last test (removed now):\n${left.map((l) => `  ${l.what}`).join('\n')}`,
    );
    process.exitCode = 1;
    for (const l of left) {
      if (l.pid !== undefined) {
        try {
          process.kill(l.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      if (l.path !== undefined) rmSync(l.path, { recursive: true, force: true });
    }
  };
}
