/**
 * Programs started directly by Slurm (`srun -n 4 node prog.js`) form one world from Slurm's
 * environment, without tsmpirun. Each task turns its SLURM_* variables into the launcher
 * contract (env.ts) in its own process, so the rest of the rank runs exactly as under
 * tsmpirun:
 *
 * - rank, size, local rank and size: SLURM_PROCID, SLURM_STEP_NUM_TASKS, SLURM_LOCALID and the
 *   step's tasks per node;
 * - the rendezvous: task 0 (always on the step's first node) serves the control plane on
 *   tcp port stepRendezvousPort(job, step) of that node; every task connects there;
 * - the job secret: task 0 writes fresh CURVE keys to `<TSMPI_KEY_DIR or ~/.tsmpi>/slurm-<job>.<step>.json`
 *   (0600, in a 0700 directory), which the other tasks read: that directory must be shared by
 *   the nodes (a home directory usually is). Task 0 removes it once the world has formed.
 *
 * Without tsmpirun nobody supervises the tasks: `srun --kill-on-bad-exit=1` makes Slurm end the
 * step when one task fails. Each task removes its own job directory when it ends, also by
 * Slurm's SIGTERM.
 *
 * Launcher side of the rank: the package entry (src/index.ts) imports this module only when
 * SLURM_STEP_ID is set and no launcher set the contract, and calls it before the world
 * connects; comm/ never imports the launcher.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { formatRankEnv } from '../../comm/bootstrap/env.js';
import { formatKeys, kKeyFileName, readKeyFile, serverOptions, writeKeyFile, type JobKeys } from '../../comm/bootstrap/keys.js';
import { MpiError } from '../../comm/errors.js';
import { hostAddress } from '../hosts.js';
import { makeJobDir, removeJobDir } from '../job-dir.js';
import { addressToward } from '../net/address.js';
import { newJobKeys, RendezvousServer } from '../rendezvous-server.js';
import { stepFromEnv, stepRendezvousPort, type SlurmStep } from './environment.js';

/** How long a task waits for task 0's key file (nodes start tasks at different times). */
const kKeyWaitMs = 60_000;
/** The directory replies may still be on their way when task 0 closes the rendezvous. */
const kDirectoryLingerMs = 5_000;

/** Signals by which srun and Slurm end a step's tasks (--kill-on-bad-exit, scancel, Ctrl-C at srun). */
const kEndSignals = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

/**
 * Removes the task's job directory (its key file, sockets and segments) however the task ends.
 * Nobody else does: the task is its owner. 'exit' does not run when a signal kills Node, so
 * each ending signal removes it too, then kills the task with that same signal again, so that
 * srun and the shell see what they would have seen. Prepended, so a listener that flushes and
 * re-raises (the trace recorder) still counts; while the program listens for the signal itself
 * it decides what the signal means, as in plain Node, and 'exit' removes the directory if it
 * ends. SIGKILL (Slurm's, after KillWait) leaves it to the next tsmpirun's sweep (stale-jobs.ts).
 */
function removeWhenEnded(jobDir: string): void {
  const remove = (): void => rmSync(jobDir, { recursive: true, force: true });
  process.on('exit', remove);
  for (const signal of kEndSignals) {
    const onSignal = (): void => {
      if (process.listenerCount(signal) > 1) return;
      remove();
      process.off(signal, onSignal);
      process.kill(process.pid, signal);
    };
    process.prependListener(signal, onSignal);
  }
}

/**
 * If this process is a task of a multi-task srun step, sets up the launcher contract in
 * `env` and returns true; false otherwise (the caller makes a singleton world).
 */
export async function joinSlurmStep(env: NodeJS.ProcessEnv): Promise<boolean> {
  const step = stepFromEnv(env);
  if (step === undefined || step.size === 1) return false;
  const port = stepRendezvousPort(step.jobId, step.stepId);
  const rootNode = step.nodes[0];
  const node = step.nodes[step.nodeId];
  const rootAddress = await hostAddress(rootNode, true);
  const keyDir = env.TSMPI_KEY_DIR || path.join(os.homedir(), '.tsmpi');
  const shared: SharedKeys = { dir: keyDir, file: path.join(keyDir, `slurm-${step.jobId}.${step.stepId}.json`) };
  const jobDir = await makeJobDir();
  removeWhenEnded(jobDir);
  const keyFile = path.join(jobDir, kKeyFileName);
  try {
    if (step.rank === 0) await serveRendezvous(step, port, keyFile, shared);
    else writeKeyFile(keyFile, await readSharedKeys(step, shared));
  } catch (error) {
    await removeJobDir(jobDir);
    throw error;
  }
  Object.assign(
    env,
    formatRankEnv({
      rank: step.rank,
      size: step.size,
      localRank: step.localRank,
      localSize: step.tasksPerNode[step.nodeId],
      jobId: `slurm-${step.jobId}.${step.stepId}`,
      control: `tcp://${rootAddress}:${port}`,
      jobDir,
      keys: keyFile,
      address: await addressToward(rootAddress),
      node,
    }),
  );
  return true;
}

/** The step's keys as task 0 hands them to the others: `file` in `dir`, which the nodes share. */
interface SharedKeys {
  dir: string;
  file: string;
}

/**
 * Task 0: fresh keys in its own key file, the rendezvous served with them, and the keys shared
 * with the other tasks, then removed once the world has formed.
 */
async function serveRendezvous(step: SlurmStep, port: number, keyFile: string, shared: SharedKeys): Promise<void> {
  const keys = newJobKeys('on');
  writeKeyFile(keyFile, keys);
  const server = await RendezvousServer.bind(
    `tcp://*:${port}`,
    step.size,
    {
      formed: () => {
        rmSync(shared.file, { force: true });
        void server.flush().then(() => server.close());
      },
    },
    serverOptions(keys),
    kDirectoryLingerMs,
  ).catch((error: unknown) => {
    throw new MpiError(
      'ERR_BOOTSTRAP',
      `task 0 of Slurm step ${step.jobId}.${step.stepId} cannot serve the rendezvous on port ${port}: ${(error as Error).message}`,
      { cause: error },
    );
  });
  mkdirSync(shared.dir, { recursive: true, mode: 0o700 });
  // Written whole, then renamed, so a reader never sees half a file.
  const partial = `${shared.file}.${randomBytes(4).toString('hex')}`;
  writeFileSync(partial, formatKeys(keys), { mode: 0o600 });
  renameSync(partial, shared.file);
}

/** Every other task: the keys task 0 shares, once they are there. */
async function readSharedKeys(step: SlurmStep, shared: SharedKeys): Promise<JobKeys> {
  const deadline = Date.now() + kKeyWaitMs;
  while (!existsSync(shared.file)) {
    if (Date.now() > deadline) {
      throw new MpiError(
        'ERR_BOOTSTRAP',
        `task ${step.rank} of Slurm step ${step.jobId}.${step.stepId} waited ${kKeyWaitMs / 1000} s for ${shared.file}, which task 0 writes: is ${shared.dir} shared by the nodes? Set TSMPI_KEY_DIR to a directory they share`,
      );
    }
    await delay(50);
  }
  return readKeyFile(shared.file);
}
