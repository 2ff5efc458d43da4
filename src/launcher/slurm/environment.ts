/**
 * What Slurm tells a process through its environment, pure: the allocation a `tsmpirun` run
 * inside `salloc`/`sbatch` may use, and the place in the world of a task `srun` started.
 *
 * Which command sets what (Slurm's src/common/env.c):
 * - `salloc` and `sbatch` (the allocation): SLURM_JOB_ID, SLURM_JOB_NODELIST,
 *   SLURM_JOB_CPUS_PER_NODE, and SLURM_TASKS_PER_NODE (from -n/--ntasks-per-node, else
 *   derived from the CPUs); no SLURM_STEP_ID. A batch script also sees SLURM_PROCID=0,
 *   SLURM_NODEID=0 and SLURM_LOCALID=0, so those alone do not mean "started by srun".
 * - `srun` (a step), for every task: SLURM_STEP_ID, SLURM_STEP_NODELIST,
 *   SLURM_STEP_NUM_TASKS, SLURM_STEP_TASKS_PER_NODE, and per task SLURM_PROCID,
 *   SLURM_LOCALID, SLURM_NODEID. SLURM_NTASKS and SLURM_TASKS_PER_NODE describe the step too,
 *   unless srun ran with --preserve-env, when they keep the allocation's values.
 * - An interactive shell of `salloc` with `LaunchParameters=use_interactive_step` runs as a
 *   one-task step whose SLURM_STEP_ID is 4294967290 (`SLURM_INTERACTIVE_STEP`), with
 *   --preserve-env. Such special step ids (0xfffffff0 and above: interactive, batch, extern)
 *   are not steps of ranks: that shell is still "inside the allocation".
 */
import { LaunchError } from '../errors.js';
import { Texts } from '../help.js';
import { expandHostlist } from './hostlist.js';

/** The environment to read, `process.env` by default. */
export type Env = Readonly<Record<string, string | undefined>>;

/** The nodes of an allocation and how many ranks each takes before it is oversubscribed. */
export interface SlurmAllocation {
  hosts: Array<{ name: string; slots: number }>;
  jobId: string;
}

/** A task of an `srun` step: its rank and the shape of the whole step. */
export interface SlurmStep {
  rank: number;
  size: number;
  localRank: number;
  nodeId: number;
  /** The step's nodes, in Slurm's order; `nodes[nodeId]` is this task's node. */
  nodes: string[];
  /** How many tasks run on each of `nodes`. */
  tasksPerNode: number[];
  jobId: string;
  stepId: string;
}

/** Step ids from here up are Slurm's special steps (batch, interactive, extern, ...). */
const kFirstSpecialStepId = 0xfffffff0;

const kCountItem = /^([0-9]{1,9})(?:\(x([1-9][0-9]{0,8})\))?$/;
const kNonNegative = /^(0|[1-9][0-9]{0,8})$/;
const kPositive = /^[1-9][0-9]{0,8}$/;

function fail(name: string, value: string, why: string): never {
  throw new LaunchError('ERR_SLURM', Texts.slurmVariable(name, value, why));
}

/**
 * Expands Slurm's per-node counts (`SLURM_TASKS_PER_NODE`, `SLURM_JOB_CPUS_PER_NODE`,
 * `SLURM_STEP_TASKS_PER_NODE`): `4,1(x2)` → [4, 1, 1]. `variable` names the source in errors.
 */
export function parseTasksPerNode(value: string, variable = 'SLURM_TASKS_PER_NODE'): number[] {
  const counts: number[] = [];
  for (const item of value.split(',')) {
    const match = kCountItem.exec(item);
    if (!match) fail(variable, value, Texts.slurmCounts());
    const [, count, times = '1'] = match;
    const n = Number(times);
    // Bounded by the length of a node list, which expandHostlist bounds in turn.
    if (counts.length + n > 1024 * 1024) fail(variable, value, Texts.slurmCounts());
    for (let i = 0; i < n; i++) counts.push(Number(count));
  }
  return counts;
}

/** Whether `SLURM_STEP_ID` names a step of tasks started by srun (not batch, interactive, ...). */
function isTaskStep(stepId: string | undefined): stepId is string {
  if (stepId === undefined || stepId === '') return false;
  return !(/^[0-9]+$/.test(stepId) && Number(stepId) >= kFirstSpecialStepId);
}

function hostlist(name: string, value: string): string[] {
  try {
    return expandHostlist(value);
  } catch (error) {
    throw new LaunchError('ERR_SLURM', Texts.slurmVariable(name, value, (error as Error).message), { cause: error });
  }
}

function counts(name: string, value: string, nodes: readonly string[], listName: string): number[] {
  const result = parseTasksPerNode(value, name);
  if (result.length !== nodes.length) {
    throw new LaunchError('ERR_SLURM', Texts.slurmLengths(listName, nodes.length, name, result.length));
  }
  return result;
}

/**
 * The allocation of the `salloc` shell or `sbatch` script this process runs in, or undefined
 * outside Slurm or inside a step that srun started (whose tasks are ranks, not launchers).
 * Slots come from SLURM_TASKS_PER_NODE when set (what `-n`/`--ntasks-per-node` asked for),
 * else from SLURM_JOB_CPUS_PER_NODE. A node named twice keeps its place and sums its slots.
 */
export function allocationFromEnv(env: Env = process.env): SlurmAllocation | undefined {
  const jobId = env.SLURM_JOB_ID ?? env.SLURM_JOBID;
  if (jobId === undefined || jobId === '' || isTaskStep(env.SLURM_STEP_ID)) return undefined;
  const listName = env.SLURM_JOB_NODELIST !== undefined ? 'SLURM_JOB_NODELIST' : 'SLURM_NODELIST';
  const list = env[listName];
  if (list === undefined) throw new LaunchError('ERR_SLURM', Texts.slurmMissing('SLURM_JOB_NODELIST'));
  const nodes = hostlist(listName, list);
  const countsName = env.SLURM_TASKS_PER_NODE ? 'SLURM_TASKS_PER_NODE' : 'SLURM_JOB_CPUS_PER_NODE';
  const value = env[countsName];
  if (value === undefined || value === '') throw new LaunchError('ERR_SLURM', Texts.slurmMissing(countsName));
  const slots = counts(countsName, value, nodes, listName);
  const hosts: SlurmAllocation['hosts'] = [];
  nodes.forEach((name, i) => {
    const known = hosts.find((h) => h.name === name);
    if (known) known.slots += slots[i];
    else hosts.push({ name, slots: slots[i] });
  });
  return { hosts: hosts.filter((h) => h.slots > 0), jobId };
}

/**
 * This task's place in the `srun` step that started it, or undefined when srun did not
 * start this process (no SLURM_STEP_ID, or a special step such as salloc's interactive
 * shell). The size is SLURM_STEP_NUM_TASKS (SLURM_NTASKS only if that is missing), because
 * `srun --preserve-env` leaves SLURM_NTASKS at the allocation's value. Errors name the
 * variable and its value.
 */
export function stepFromEnv(env: Env = process.env): SlurmStep | undefined {
  const stepId = env.SLURM_STEP_ID ?? env.SLURM_STEPID;
  if (!isTaskStep(stepId)) return undefined;
  const get = (name: string): string => {
    const value = env[name];
    if (value === undefined) throw new LaunchError('ERR_SLURM', Texts.slurmMissing(name));
    return value;
  };
  const integer = (name: string, pattern: RegExp, why: string): number => {
    const value = get(name);
    if (!pattern.test(value)) fail(name, value, why);
    return Number(value);
  };
  if (!/^[0-9]+$/.test(stepId)) fail('SLURM_STEP_ID', stepId, Texts.slurmNonNegative());
  const jobId = env.SLURM_JOB_ID ?? env.SLURM_JOBID;
  if (jobId === undefined || jobId === '') throw new LaunchError('ERR_SLURM', Texts.slurmMissing('SLURM_JOB_ID'));
  const sizeName = env.SLURM_STEP_NUM_TASKS !== undefined ? 'SLURM_STEP_NUM_TASKS' : 'SLURM_NTASKS';
  const size = integer(sizeName, kPositive, Texts.slurmPositive());
  const rank = integer('SLURM_PROCID', kNonNegative, Texts.slurmNonNegative());
  const localRank = integer('SLURM_LOCALID', kNonNegative, Texts.slurmNonNegative());
  const nodeId = integer('SLURM_NODEID', kNonNegative, Texts.slurmNonNegative());
  const nodes = hostlist('SLURM_STEP_NODELIST', get('SLURM_STEP_NODELIST'));
  const tasksPerNode = counts('SLURM_STEP_TASKS_PER_NODE', get('SLURM_STEP_TASKS_PER_NODE'), nodes, 'SLURM_STEP_NODELIST');
  const sum = tasksPerNode.reduce((a, b) => a + b, 0);
  if (sum !== size) throw new LaunchError('ERR_SLURM', Texts.slurmTaskSum(sizeName, size, 'SLURM_STEP_TASKS_PER_NODE', sum));
  if (rank >= size) throw new LaunchError('ERR_SLURM', Texts.slurmOutOf('SLURM_PROCID', rank, `${sizeName}=${size}`));
  if (nodeId >= nodes.length) {
    throw new LaunchError('ERR_SLURM', Texts.slurmOutOf('SLURM_NODEID', nodeId, `the ${nodes.length} nodes of SLURM_STEP_NODELIST`));
  }
  if (localRank >= tasksPerNode[nodeId]) {
    throw new LaunchError('ERR_SLURM', Texts.slurmOutOf('SLURM_LOCALID', localRank, `the ${tasksPerNode[nodeId]} tasks of node ${nodeId}`));
  }
  return { rank, size, localRank, nodeId, nodes, tasksPerNode, jobId, stepId };
}

/** The ports {@link stepRendezvousPort} picks from: [kStepPortMin, kStepPortMax]. */
export const kStepPortMin = 20000;
export const kStepPortMax = 32767;

/**
 * The TCP port on which the first task of a step hosts the world's rendezvous, computed
 * alike by every task of the step from nothing but the job and step ids (32-bit FNV-1a of
 * `jobId.stepId`), so no task has to tell the others.
 *
 * The range is unprivileged and ends below Linux's default ephemeral range (32768-60999), so
 * an outgoing connection of the node cannot be holding the port by chance. It can still be
 * taken: by another service that listens in the range, or by another step on the same node
 * whose ids hash to the same port (two steps collide with probability 1/12768). The host
 * must therefore report EADDRINUSE clearly, not retry on another port the others cannot
 * know; where Slurm reserves ports for the step (SLURM_STEP_RESV_PORTS, with
 * `MpiParams=ports=...`), those are the better choice.
 */
export function stepRendezvousPort(jobId: string, stepId: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(`${jobId}.${stepId}`, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return kStepPortMin + (hash % (kStepPortMax - kStepPortMin + 1));
}
