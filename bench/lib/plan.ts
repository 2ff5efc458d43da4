// The order of a run. Each step measures one thing for the references and for every tsmpi
// variant back to back, so the figures a ratio compares are taken minutes apart at most (these
// VMs drift between a fast and a slow mode); within a step the order rotates from one launch
// round to the next, so no program always runs first.
import { kColls, type BenchConfig, type Variant } from './config.js';
import * as refs from './references.js';
import * as tsmpi from './tsmpi.js';

export interface Job {
  label: string;
  reference: boolean;
  run: () => Promise<void>;
}
export interface Step {
  name: string;
  rounds: number;
  jobs: Job[];
}

const refJob = (label: string, run: () => Promise<void>): Job => ({ label, reference: true, run });
const tsJob = (v: Variant, run: () => Promise<void>): Job => ({ label: `tsmpi ${v.id}`, reference: false, run });

export function plan(cfg: BenchConfig, variants: Variant[], referencesOnly: boolean): Step[] {
  const fullVariants = variants.filter((v) => !v.partial);
  const steps: Step[] = [];
  const add = (name: string, rounds: number, jobs: Job[]) => {
    const kept = referencesOnly ? jobs.filter((j) => j.reference) : jobs;
    if (kept.length) steps.push({ name, rounds, jobs: kept });
  };

  add('p2p np=2', cfg.launches, [
    refJob('zeromq.js', () => refs.zeromq(cfg)),
    refJob('multiprocessing', () => refs.multiprocessing(cfg)),
    refJob('mpi4py np=2', () => refs.mpi4pyP2P(cfg)),
    ...variants.map((v) => tsJob(v, () => tsmpi.p2p(cfg, v))),
  ]);
  add('p2p np=2 pinned (taskset -c 0), 8 B', cfg.launches, [
    refJob('zeromq.js pinned', () => refs.zeromq(cfg, true)),
    refJob('multiprocessing pinned', () => refs.multiprocessing(cfg, true)),
    refJob('mpi4py np=2 pinned', () => refs.mpi4pyP2P(cfg, true)),
    ...fullVariants.map((v) => tsJob(v, () => tsmpi.pinned(cfg, v))),
  ]);
  for (const np of cfg.nps) {
    const sizes = cfg.collSizesAt(np).filter((s) => s <= 1 << 20 || cfg.large(np).length > 0);
    add(`coll np=${np}`, cfg.launches, [
      refJob(`mpi4py np=${np}`, () => refs.mpi4pyColl(cfg, np, sizes)),
      ...variants.filter((v) => !v.partial || np === 4).map((v) => tsJob(v, () => tsmpi.coll(cfg, v, np))),
    ]);
  }
  for (const s of cfg.startup) {
    add(`start-up -n ${s.n}`, s.launches, [
      ...(s.reference ? [refJob(`mpirun -n ${s.n}`, () => refs.mpi4pyStartup(s.n))] : []),
      ...fullVariants.map((v) => tsJob(v, () => tsmpi.startup(cfg, v, s.n))),
    ]);
  }
  add('shared np=4', 1, [refJob('Python shared memory', () => refs.sharedPython(cfg)), ...fullVariants.map((v) => tsJob(v, () => tsmpi.shared(cfg, v)))]);
  add(
    `memory np=4, ${cfg.memIters} allreduces`,
    1,
    fullVariants.map((v) => tsJob(v, () => tsmpi.memoryJob(cfg, v))),
  );
  // Forced algorithms: launch k forces the k-th algorithm of every collective that has one.
  const most = Math.max(0, ...Object.values(cfg.forced).map((a) => a.length));
  for (const np of cfg.nps) {
    for (let k = 0; k < most; k++) {
      const forced = Object.fromEntries(kColls.filter((c) => cfg.forced[c]?.[k]).map((c) => [c, cfg.forced[c]![k]!]));
      add(
        `coll np=${np}, algorithm #${k + 1} forced`,
        1,
        fullVariants.map((v) => tsJob(v, () => tsmpi.coll(cfg, v, np, forced))),
      );
    }
  }
  return steps;
}
