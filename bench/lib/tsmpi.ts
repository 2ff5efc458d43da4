// tsmpi's measurements: the rank programs of bench/programs run through the real launcher,
// once per variant (bench/lib/config.ts) with the variant's environment given to the ranks.
import path from 'node:path';
import { kColls, type BenchConfig, type Variant } from './config.js';
import { failed, records, run } from './proc.js';
import { protocolEnv } from './protocol.js';
import { kSharedMetrics, memory, push, raw, tsmpiKey, type MemoryRecord } from './results.js';
import { MiB } from './stats.js';

export const launcher = path.join('dist', 'launcher', 'cli.js');

interface Launch {
  np: number;
  program: string;
  args: string[];
  pinned?: boolean;
  env?: Record<string, string>;
  x?: string[];
  timeoutS: number;
}

/** One tsmpirun launch of a variant; the records the program printed (BENCH lines) and its wall time. */
async function launch(cfg: BenchConfig, v: Variant, what: string, l: Launch): Promise<{ records: any[]; ms: number } | null> {
  // The variant's variables go in tsmpirun's environment (where the launcher reads
  // TSMPI_ENCRYPTION) and through -x (so ranks get them wherever they run).
  const xs = [...Object.keys(v.env), ...(l.x ?? [])].flatMap((x) => ['-x', x]);
  const args = [
    launcher,
    '--timeout',
    String(l.timeoutS),
    ...(l.np > 2 ? ['--oversubscribe'] : []),
    ...xs,
    '-n',
    String(l.np),
    `bench/programs/${l.program}`,
    ...l.args,
  ];
  const env = { ...protocolEnv(cfg.protocol), ...v.env, ...l.env };
  const r = l.pinned ? await run('taskset', ['-c', '0', 'node', ...args], env, l.timeoutS + 15) : await run('node', args, env, l.timeoutS + 15);
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

/**
 * Collectives at np with the automatic algorithms (`forced` undefined), or with the k-th
 * algorithm of each collective forced (`forced` = {collective: algorithm}): one launch covers
 * every collective that has a k-th algorithm instead of one launch per algorithm.
 */
export async function coll(cfg: BenchConfig, v: Variant, np: number, forced?: Record<string, string>): Promise<void> {
  const colls = forced ? Object.keys(forced) : v.partial ? ['bcast', 'allreduce'] : kColls;
  const sizes = v.partial ? [8, 16 * MiB] : cfg.collSizesAt(np);
  const large = v.partial ? ['bcast', 'allreduce'] : cfg.large(np);
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

/** One start-up job at -n: wall time of the launch, time to the first barrier, RSS per rank. */
export async function startup(cfg: BenchConfig, v: Variant, n: number): Promise<void> {
  const got = await launch(cfg, v, `start-up -n ${n}`, {
    np: n,
    program: 'startup.ts',
    args: ['--iters', '10'],
    env: { BENCH_T0: String(Date.now()) },
    timeoutS: n >= 32 ? 300 : 60,
  });
  if (!got) return;
  const rec = got.records[0];
  push(tsmpiKey.startup(v.id, 'wall', n), [got.ms]);
  push(tsmpiKey.startup(v.id, 'ready', n), [rec.readyMs]);
  push(tsmpiKey.startup(v.id, 'allreduce', n), [rec.allreduceUs]);
  push(tsmpiKey.startup(v.id, 'rss', n), rec.rss);
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
