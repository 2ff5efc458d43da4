/**
 * One job on this host: plan (hosts → placements, job-plan.ts) → job directory (job-resources.ts)
 * → control plane → ranks (job-start.ts) → supervision (job-watch.ts) → cleanup. Everything a
 * job creates (processes, their process groups, the job directory, the control socket) is
 * released before runJob settles, and on a crash of the launcher by the process 'exit' hook.
 */
import type { LaunchOptions } from './args.js';
import type { LaunchError } from './errors.js';
import type { JobEnd, JobResult } from './job-end.js';
import { defaultIo, type JobIo } from './job-io.js';
import { planJob } from './job-plan.js';
import { JobResources } from './job-resources.js';
import { openControl, startRanks } from './job-start.js';
import { watchJob } from './job-watch.js';
import { exitStatusOf } from './supervise.js';

export type { JobResult } from './job-end.js';
export type { JobIo } from './job-io.js';

/**
 * Runs `program` as a job. Rejects with a {@link LaunchError} when the job cannot start; a
 * job that starts always resolves, with how it ended.
 *
 * ```ts
 * const { exitStatus } = await runJob({ ...kDefaultLaunchOptions, np: 4 }, 'examples/hello.ts', []);
 * ```
 */
export async function runJob(options: LaunchOptions, program: string, programArgs: readonly string[], io: JobIo = defaultIo()): Promise<JobResult> {
  const plan = await planJob(options, program, programArgs, io);
  const job = await JobResources.claim();
  try {
    const control = await openControl(plan, job);
    // A signal that came while the job was being set up ends it here: no rank starts for it.
    const signal = job.signals.received;
    if (signal !== undefined) {
      const end: JobEnd = { kind: 'interrupted', signal };
      return { end, exitStatus: exitStatusOf(end), stopped: 0, size: plan.size };
    }
    return await watchJob(plan, await startRanks(plan, job, control), job.signals, io);
  } finally {
    await job.release();
  }
}
