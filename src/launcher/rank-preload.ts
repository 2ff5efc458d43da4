/**
 * The first code in every rank (`node --import rank-preload.js program.js`). It turns an
 * uncaught exception or unhandled rejection into a `failed` report to the launcher, which
 * prints the stack once and stops the job, then exits with status 1. Installing the handlers
 * also keeps Node from printing the error itself, so the user sees it once, from tsmpirun.
 *
 * Node delivers a throw at the top level of an ESM main module, and a rejected top-level
 * await, to 'uncaughtException' (origin 'unhandledRejection'): the module's evaluation is a
 * promise. Both are reported as exceptions, which is what they are in the program's terms;
 * 'rejection' is kept for promises nobody awaited.
 *
 * It never imports the rank API: only the env contract, and the control client only when a
 * failure happens, so programs that never fail, or never use tsmpi, do not pay for ZeroMQ.
 */
import { rmSync } from 'node:fs';
import * as nodeModule from 'node:module';
import path from 'node:path';
import { inspect } from 'node:util';
import { kEnv } from '../comm/bootstrap/env.js';
import { compileErrorText } from './compile-error.js';
import { kRecorderKey, kWaitsKey, kWaitsSignal, type RankGlobals } from '../comm/bootstrap/rank-globals.js';

/** Exit status of a rank that failed with an uncaught error. */
const kFailureExitCode = 1;
/** Upper bound on reporting: import + send + flush; the rank exits even if the launcher is gone. */
const kReportDeadlineMs = 3000;
/** How often a rank checks that its launcher is still there. */
const kParentCheckMs = 1000;

// Node 22.1+: V8's compiled code of every module (tsmpi, the program) kept on disk for the next
// rank and job, as Node's own compile cache does it (in the system's temporary directory).
(nodeModule as { enableCompileCache?: () => unknown }).enableCompileCache?.();

let failing = false;

async function report(reason: 'exception' | 'rejection', error: unknown): Promise<void> {
  // A program that does not compile: where and what, not the loader's internals.
  const stack = compileErrorText(error) ?? inspect(error);
  // Before the failure report: once the launcher has that, it stops the job.
  // The rank's --trace/--stats record (comm/diagnostics/recorder.ts), when it records.
  await (globalThis as RankGlobals)[kRecorderKey]?.flush();
  try {
    const { controlClient } = await import('../comm/bootstrap/control-client.js');
    const client = controlClient();
    if (client === undefined) throw new Error('not started by tsmpirun');
    await client.reportFailure(reason, stack);
  } catch {
    // No launcher to tell: print the error the way Node would have.
    process.stderr.write(`${stack}\n`);
  }
}

function onFailure(reason: 'exception' | 'rejection', error: unknown): void {
  // A second error while the first is being reported changes nothing: the rank is done.
  if (failing) return;
  failing = true;
  process.exitCode = kFailureExitCode;
  // Referenced on purpose: it must fire even if the report hangs.
  setTimeout(() => process.exit(kFailureExitCode), kReportDeadlineMs);
  void report(reason, error).finally(() => process.exit(kFailureExitCode));
}

// As in plain Node, a program that handles these events itself decides what they mean: only
// when ours is the sole listener is the error fatal.
process.on('uncaughtException', (error) => {
  if (process.listenerCount('uncaughtException') === 1) onFailure('exception', error);
});
process.on('unhandledRejection', (reason) => {
  if (process.listenerCount('unhandledRejection') === 1) onFailure('rejection', reason);
});

/**
 * The hang report (tsmpirun --timeout, SIGUSR1 to tsmpirun): the launcher signals each rank,
 * which answers with its pending tsmpi calls (comm/diagnostics/waits.ts; none if the program
 * never imported tsmpi). Signal handlers do not keep the process alive, and the answer leaves
 * no receive pending. A rank busy in synchronous code cannot answer; the launcher says so.
 */
async function answerWaits(): Promise<void> {
  const waits = (globalThis as RankGlobals)[kWaitsKey]?.snapshot() ?? [];
  try {
    const { controlClient } = await import('../comm/bootstrap/control-client.js');
    await controlClient()?.reportWaits(waits);
  } catch {
    // No launcher to answer.
  }
}
process.on(kWaitsSignal, () => {
  if (!failing) void answerWaits();
});

// If the launcher dies without stopping us (SIGKILL, OOM), the rank is reparented; take the
// whole process group down then so nothing of the job outlives its launcher, and remove the
// job directory the launcher could not (every rank tries; `force` makes the race harmless).
const launcherPid = process.ppid;
setInterval(() => {
  if (process.ppid === launcherPid) return;
  const jobDir = process.env[kEnv.jobDir];
  if (jobDir !== undefined && path.basename(jobDir).startsWith('tsmpi-')) rmSync(jobDir, { recursive: true, force: true });
  try {
    process.kill(-process.pid, 'SIGKILL');
  } catch {
    process.exit(kFailureExitCode);
  }
}, kParentCheckMs).unref();
