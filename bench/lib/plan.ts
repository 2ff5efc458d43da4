// The order of a run. Each step measures one thing for the references and for every tsmpi
// variant back to back, so the figures a ratio compares are taken minutes apart at most (these
// VMs drift between a fast and a slow mode); within a step the order rotates from one launch
// round to the next, so no program always runs first.
import { kColls, type BenchConfig, type Variant } from './config.js';
import { twoHosts, type TwoHosts } from './hosts.js';
import { kBusyLoops, startLoad } from './load.js';
import * as refs from './references.js';
import * as tsmpi from './tsmpi.js';

export interface Job {
  label: string;
  reference: boolean;
  run: () => Promise<void>;
}
/**
 * What a step needs around its jobs, made before them and undone after them (also when one
 * fails): `skip` says why the step cannot run here; `also` names processes whose CPU time is
 * the step's own (bench/lib/quiet.ts).
 */
export interface StepSetup {
  skip?: string;
  also?: number[];
  teardown?: () => Promise<void>;
}
export interface Step {
  name: string;
  rounds: number;
  jobs: Job[];
  setup?: () => Promise<StepSetup>;
  /** A step that measures no time (allocation): others' CPU use does not disturb it, so it neither waits for quiet nor runs again. */
  untimed?: boolean;
}

const refJob = (label: string, run: () => Promise<void>): Job => ({ label, reference: true, run });
const tsJob = (v: Variant, run: () => Promise<void>): Job => ({ label: `tsmpi ${v.id}`, reference: false, run });

export function plan(cfg: BenchConfig, variants: Variant[], referencesOnly: boolean): Step[] {
  const fullVariants = variants.filter((v) => !v.partial);
  const steps: Step[] = [];
  const add = (name: string, rounds: number, jobs: Job[], setup?: Step['setup'], untimed = false) => {
    const kept = referencesOnly ? jobs.filter((j) => j.reference) : jobs;
    if (kept.length) steps.push({ name, rounds, jobs: kept, ...(setup ? { setup } : {}), ...(untimed ? { untimed } : {}) });
  };

  add('p2p np=2', cfg.launches, [
    refJob('zeromq.js', () => refs.zeromq(cfg)),
    refJob('zeromq.js CURVE', () => refs.zeromq(cfg, false, true)),
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
  // Between hosts (issue 14): one rank on each of two test hosts, ZeroMQ over TCP. tsmpirun
  // refuses TSMPI_ENCRYPTION=off between hosts, so tsmpi runs with CURVE only; zeromq.js both ways.
  let hosts: TwoHosts | null = null;
  add(
    'p2p between two hosts',
    cfg.launches,
    [
      refJob('zeromq.js between hosts', () => refs.zeromqHosts(cfg, hosts!, false)),
      refJob('zeromq.js CURVE between hosts', () => refs.zeromqHosts(cfg, hosts!, true)),
      ...variants.filter((v) => v.id === 'zmq').map((v) => tsJob(v, () => tsmpi.hostsP2P(cfg, v, hosts!))),
    ],
    async () => {
      const h = await twoHosts();
      if (typeof h === 'string') return { skip: h };
      hosts = h;
      return { also: h.sshdPids() };
    },
  );
  for (const np of cfg.nps) {
    const sizes = cfg.collSizesAt(np).filter((s) => s <= 1 << 20 || cfg.large(np).length > 0);
    // Partial variants: bcast and allreduce at np=4, the stall collectives at np=2.
    add(`coll np=${np}`, cfg.launches, [
      refJob(`mpi4py np=${np}`, () => refs.mpi4pyColl(cfg, np, sizes)),
      ...variants.filter((v) => !v.partial || np === 4 || np === 2).map((v) => tsJob(v, () => tsmpi.coll(cfg, v, np))),
    ]);
    // Contention (issue 14): the small collectives again beside busy loops, right after the
    // quiet step they are compared with.
    if (np === 4) {
      add(
        `coll np=4 loaded (${kBusyLoops} busy loops), 8 B`,
        cfg.launches,
        [refJob('mpi4py np=4 loaded', () => refs.mpi4pyLoaded(cfg, 4)), ...fullVariants.map((v) => tsJob(v, () => tsmpi.loadedColl(cfg, v, 4)))],
        async () => ({ teardown: await startLoad() }),
      );
    }
  }
  for (const s of cfg.startup) {
    add(`start-up -n ${s.n}`, s.launches, [
      ...(s.reference ? [refJob(`mpirun -n ${s.n}`, () => refs.mpi4pyStartup(s.n))] : []),
      ...fullVariants.map((v) => tsJob(v, () => tsmpi.startup(cfg, v, s.n))),
      ...(s.node24 && tsmpi.node24.path
        ? fullVariants.map((v): Job => ({ label: `tsmpi ${v.id} on Node 24`, reference: false, run: () => tsmpi.startup(cfg, v, s.n, true) }))
        : []),
    ]);
  }
  add('shared np=4', 1, [refJob('Python shared memory', () => refs.sharedPython(cfg)), ...fullVariants.map((v) => tsJob(v, () => tsmpi.shared(cfg, v)))]);
  add(
    `memory np=4, ${cfg.memIters} allreduces`,
    1,
    fullVariants.map((v) => tsJob(v, () => tsmpi.memoryJob(cfg, v))),
  );
  // Bytes allocated per solver iteration, with and without recvbuf/recvInto: tsmpi only (no
  // reference), one launch per element count, no time measured.
  add(
    `allocations per solver iteration np=${tsmpi.kAllocNp}`,
    1,
    fullVariants.map((v) => tsJob(v, () => tsmpi.allocations(cfg, v))),
    undefined,
    true,
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
