/**
 * Chaos, fast version (bench/chaos.ts runs 100+ jobs): a seeded rank fails in each of the
 * six ways (uncaught exception, unhandled rejection, exit(n), comm.abort(n), SIGKILL, SIGTERM)
 * in the middle of a workload of collectives, a ring and a flood. The job must end with the
 * documented status, a first stderr line naming that rank and the cause, and no process left.
 */
import { describe, it } from 'vitest';
import { describePlan, expectedCause, expectedStatus, kKinds, planFor, type ChaosPlan } from '../fixtures/chaos-plan.js';
import { fixture, kTransports, leftoverJobDirs, onTransport, pidsIn, runMpi, survivors, tempDir } from '../helpers/run-mpi.js';

/** The first seed (from 1) for each kind with at most 4 ranks, each at a phase not taken yet where possible. */
function seedsPerKind(): ChaosPlan[] {
  const plans: ChaosPlan[] = [];
  const phases = new Set<string>();
  for (const kind of kKinds) {
    let chosen: ChaosPlan | undefined;
    for (let seed = 1; seed < 2000; seed++) {
      const p = planFor(seed);
      if (p.kind !== kind || p.np > 4) continue;
      chosen ??= p;
      if (!phases.has(p.phase)) {
        chosen = p;
        break;
      }
    }
    if (chosen === undefined) throw new Error(`no seed fails by ${kind}`);
    phases.add(chosen.phase);
    plans.push(chosen);
  }
  return plans;
}

// Concurrent tests must use their own context's expect and onTestFinished.
describe.concurrent.each(kTransports)('a rank failing under load ends the job, over %s', (transport) => {
  it.for(seedsPerKind().map((p) => [describePlan(p), p] as const))('%s', async ([, plan], { expect, onTestFinished }) => {
    const dir = await tempDir(onTestFinished);
    const run = await runMpi([...onTransport(transport), '-n', String(plan.np), '-x', `PID_DIR=${dir}`, fixture('chaos.ts'), String(plan.seed)], {
      killAfterMs: 30_000,
    });
    const pids = pidsIn(dir);
    expect(run.stderr.split('\n')[0]).toBe(`tsmpirun: rank ${plan.failRank} (pid ${pids.get(`rank-${plan.failRank}`)}) ${expectedCause(plan)}`);
    expect(run.code).toBe(expectedStatus(plan));
    // Every rank and grandchild was recorded, and none of them is left.
    expect(pids.size).toBe(2 * plan.np);
    expect(await survivors(dir)).toEqual([]);
    expect(await leftoverJobDirs(dir)).toEqual([]);
  });
});
