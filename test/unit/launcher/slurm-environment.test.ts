import { describe, expect, it } from 'vitest';
import { LaunchError } from '../../../src/launcher/errors.js';
import {
  allocationFromEnv,
  kStepPortMax,
  kStepPortMin,
  parseTasksPerNode,
  stepFromEnv,
  stepRendezvousPort,
  type Env,
} from '../../../src/launcher/slurm/environment.js';

function slurmError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(LaunchError);
    expect((error as LaunchError).code).toBe('ERR_SLURM');
    return (error as Error).message;
  }
  throw new Error('expected an error');
}

// What `sbatch -N 3 -n 6` gives its batch script (abridged): note SLURM_PROCID and friends.
const kBatch: Env = {
  SLURM_JOB_ID: '4242',
  SLURM_JOBID: '4242',
  SLURM_JOB_NODELIST: 'n[01-03]',
  SLURM_NODELIST: 'n[01-03]',
  SLURM_JOB_CPUS_PER_NODE: '8(x3)',
  SLURM_TASKS_PER_NODE: '4,1(x2)',
  SLURM_NTASKS: '6',
  SLURM_PROCID: '0',
  SLURM_LOCALID: '0',
  SLURM_NODEID: '0',
  SLURM_GTIDS: '0',
  ENVIRONMENT: 'BATCH',
};

// What one task of `srun -n 5` inside that job sees.
const kTask: Env = {
  ...kBatch,
  SLURM_STEP_ID: '3',
  SLURM_STEPID: '3',
  SLURM_STEP_NODELIST: 'n[01-02]',
  SLURM_STEP_NUM_NODES: '2',
  SLURM_STEP_NUM_TASKS: '5',
  SLURM_STEP_TASKS_PER_NODE: '3,2',
  SLURM_NTASKS: '5',
  SLURM_TASKS_PER_NODE: '3,2',
  SLURM_PROCID: '4',
  SLURM_LOCALID: '1',
  SLURM_NODEID: '1',
};

describe('parseTasksPerNode', () => {
  it.each([
    ['4', [4]],
    ['4,1(x2)', [4, 1, 1]],
    ['2(x3),8', [2, 2, 2, 8]],
    ['1(x1)', [1]],
    ['0,3', [0, 3]],
  ])('%s → %j', (value, counts) => {
    expect(parseTasksPerNode(value)).toEqual(counts);
  });

  it.each(['', '4,', 'x', '4(x0)', '4(2)', '4(x2', '-1', '4 ,1', '1(x2)(x2)'])('refuses %j, naming the variable', (value) => {
    expect(slurmError(() => parseTasksPerNode(value, 'SLURM_JOB_CPUS_PER_NODE'))).toBe(`SLURM_JOB_CPUS_PER_NODE="${value}": expected counts like "4,1(x2)"`);
  });

  it('names SLURM_TASKS_PER_NODE by default', () => {
    expect(slurmError(() => parseTasksPerNode('a'))).toBe('SLURM_TASKS_PER_NODE="a": expected counts like "4,1(x2)"');
  });
});

describe('allocationFromEnv', () => {
  it('is undefined outside Slurm', () => {
    expect(allocationFromEnv({})).toBeUndefined();
    expect(allocationFromEnv({ SLURM_JOB_ID: '' })).toBeUndefined();
  });

  it('reads an sbatch script: nodes with the slots of SLURM_TASKS_PER_NODE', () => {
    expect(allocationFromEnv(kBatch)).toEqual({
      jobId: '4242',
      hosts: [
        { name: 'n01', slots: 4 },
        { name: 'n02', slots: 1 },
        { name: 'n03', slots: 1 },
      ],
    });
  });

  it('falls back to SLURM_JOB_CPUS_PER_NODE without SLURM_TASKS_PER_NODE', () => {
    const env = { SLURM_JOB_ID: '7', SLURM_JOB_NODELIST: 'a,b[1-2]', SLURM_JOB_CPUS_PER_NODE: '16,8(x2)' };
    expect(allocationFromEnv(env)?.hosts).toEqual([
      { name: 'a', slots: 16 },
      { name: 'b1', slots: 8 },
      { name: 'b2', slots: 8 },
    ]);
  });

  it("reads salloc's interactive step (SLURM_STEP_ID 4294967290) as the allocation", () => {
    const env = {
      SLURM_JOB_ID: '9',
      SLURM_JOB_NODELIST: 'gpu[1-2]',
      SLURM_JOB_CPUS_PER_NODE: '8(x2)',
      SLURM_TASKS_PER_NODE: '8(x2)',
      SLURM_STEP_ID: '4294967290',
      SLURM_STEP_NODELIST: 'gpu1',
      SLURM_STEP_NUM_TASKS: '1',
      SLURM_STEP_TASKS_PER_NODE: '1',
      SLURM_PROCID: '0',
      SLURM_LOCALID: '0',
      SLURM_NODEID: '0',
    };
    expect(allocationFromEnv(env)).toEqual({
      jobId: '9',
      hosts: [
        { name: 'gpu1', slots: 8 },
        { name: 'gpu2', slots: 8 },
      ],
    });
    expect(stepFromEnv(env)).toBeUndefined();
  });

  it('is undefined inside a step started by srun', () => {
    expect(allocationFromEnv(kTask)).toBeUndefined();
  });

  it('sums the slots of a node listed twice', () => {
    const env = { SLURM_JOB_ID: '1', SLURM_JOB_NODELIST: 'a,b,a', SLURM_TASKS_PER_NODE: '1(x3)' };
    expect(allocationFromEnv(env)?.hosts).toEqual([
      { name: 'a', slots: 2 },
      { name: 'b', slots: 1 },
    ]);
  });

  it.each([
    [{ SLURM_JOB_ID: '1', SLURM_TASKS_PER_NODE: '1' }, 'SLURM_JOB_NODELIST is not set'],
    [{ SLURM_JOB_ID: '1', SLURM_JOB_NODELIST: 'a' }, 'SLURM_JOB_CPUS_PER_NODE is not set'],
    [
      { SLURM_JOB_ID: '1', SLURM_JOB_NODELIST: 'a[2-1]', SLURM_TASKS_PER_NODE: '1' },
      'SLURM_JOB_NODELIST="a[2-1]": hostlist "a[2-1]", character 3: range "2-1" goes down',
    ],
    [
      { SLURM_JOB_ID: '1', SLURM_JOB_NODELIST: 'a[1-3]', SLURM_TASKS_PER_NODE: '2(x2)' },
      'SLURM_JOB_NODELIST names 3 nodes but SLURM_TASKS_PER_NODE gives counts for 2',
    ],
    [{ SLURM_JOB_ID: '1', SLURM_JOB_NODELIST: 'a', SLURM_JOB_CPUS_PER_NODE: 'many' }, 'SLURM_JOB_CPUS_PER_NODE="many": expected counts like "4,1(x2)"'],
  ])('%j → %s', (env, message) => {
    expect(slurmError(() => allocationFromEnv(env))).toBe(message);
  });
});

describe('stepFromEnv', () => {
  it('is undefined outside a step: no Slurm, an sbatch script, or a special step', () => {
    expect(stepFromEnv({})).toBeUndefined();
    expect(stepFromEnv(kBatch)).toBeUndefined();
    expect(stepFromEnv({ ...kTask, SLURM_STEP_ID: '4294967291', SLURM_STEPID: '4294967291' })).toBeUndefined();
  });

  it('reads a task of an srun step', () => {
    expect(stepFromEnv(kTask)).toEqual({
      rank: 4,
      size: 5,
      localRank: 1,
      nodeId: 1,
      nodes: ['n01', 'n02'],
      tasksPerNode: [3, 2],
      jobId: '4242',
      stepId: '3',
    });
  });

  it('takes the size from SLURM_STEP_NUM_TASKS, which srun --preserve-env does not hide', () => {
    const env = { ...kTask, SLURM_NTASKS: '6', SLURM_TASKS_PER_NODE: '4,1(x2)' };
    expect(stepFromEnv(env)?.size).toBe(5);
    const { SLURM_STEP_NUM_TASKS: _, ...old } = kTask;
    expect(stepFromEnv(old)?.size).toBe(5);
  });

  it('reads step 0 and the old SLURM_STEPID/SLURM_JOBID names', () => {
    const env: Record<string, string | undefined> = { ...kTask, SLURM_STEPID: '0', SLURM_JOBID: '17' };
    delete env.SLURM_STEP_ID;
    delete env.SLURM_JOB_ID;
    expect(stepFromEnv(env)).toMatchObject({ stepId: '0', jobId: '17' });
  });

  it.each([
    [{ SLURM_PROCID: 'x' }, 'SLURM_PROCID="x": expected a non-negative integer'],
    [{ SLURM_PROCID: '-1' }, 'SLURM_PROCID="-1": expected a non-negative integer'],
    [{ SLURM_LOCALID: '01' }, 'SLURM_LOCALID="01": expected a non-negative integer'],
    [{ SLURM_NODEID: undefined }, 'SLURM_NODEID is not set'],
    [{ SLURM_STEP_NUM_TASKS: '0' }, 'SLURM_STEP_NUM_TASKS="0": expected a positive integer'],
    [{ SLURM_STEP_ID: 'abc' }, 'SLURM_STEP_ID="abc": expected a non-negative integer'],
    [{ SLURM_JOB_ID: undefined, SLURM_JOBID: undefined }, 'SLURM_JOB_ID is not set'],
    [{ SLURM_STEP_NODELIST: undefined }, 'SLURM_STEP_NODELIST is not set'],
    [{ SLURM_STEP_NODELIST: 'n[01-02' }, 'SLURM_STEP_NODELIST="n[01-02": hostlist "n[01-02", character 2: "[" is never closed'],
    [{ SLURM_STEP_TASKS_PER_NODE: '3(x2)' }, 'SLURM_STEP_NUM_TASKS=5 but the counts of SLURM_STEP_TASKS_PER_NODE add up to 6'],
    [{ SLURM_STEP_TASKS_PER_NODE: '5' }, 'SLURM_STEP_NODELIST names 2 nodes but SLURM_STEP_TASKS_PER_NODE gives counts for 1'],
    [{ SLURM_PROCID: '5' }, 'SLURM_PROCID=5 is not below SLURM_STEP_NUM_TASKS=5'],
    [{ SLURM_NODEID: '2' }, 'SLURM_NODEID=2 is not below the 2 nodes of SLURM_STEP_NODELIST'],
    [{ SLURM_LOCALID: '2' }, 'SLURM_LOCALID=2 is not below the 2 tasks of node 1'],
  ])('%j → %s', (change, message) => {
    const env = Object.fromEntries(Object.entries({ ...kTask, ...change }).filter(([, v]) => v !== undefined));
    expect(slurmError(() => stepFromEnv(env))).toBe(message);
  });
});

describe('stepRendezvousPort', () => {
  it('is the same for every task of a step, and within the documented range', () => {
    expect(stepRendezvousPort('4242', '3')).toBe(stepRendezvousPort('4242', '3'));
    for (let job = 1; job < 2000; job++) {
      const port = stepRendezvousPort(String(job), String(job % 7));
      expect(port).toBeGreaterThanOrEqual(kStepPortMin);
      expect(port).toBeLessThanOrEqual(kStepPortMax);
    }
  });

  it('is a fixed function of the ids (tasks on other hosts compute the same)', () => {
    // FNV-1a of "1.0" is 0xeb421bf2 = 3946978290, and 3946978290 % 12768 = 6450.
    expect(stepRendezvousPort('1', '0')).toBe(kStepPortMin + 6450);
  });

  it('differs between steps and between jobs, and spreads over the range', () => {
    expect(stepRendezvousPort('4242', '3')).not.toBe(stepRendezvousPort('4242', '4'));
    expect(stepRendezvousPort('4242', '3')).not.toBe(stepRendezvousPort('4243', '3'));
    const ports = new Set<number>();
    for (let step = 0; step < 200; step++) ports.add(stepRendezvousPort('123456', String(step)));
    expect(ports.size).toBeGreaterThan(190);
  });
});
