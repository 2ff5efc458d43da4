// `npm run bench` (quick, under 2 minutes on 2 cores) or `npm run bench -- --full`.
// Runs the rank programs of bench/programs through the real launcher, and the reference
// programs of bench/anchors (raw zeromq.js always; mpi4py and Python multiprocessing when
// installed, see bench/setup-references.sh) in the same run, then writes bench/report/latest.md
// (the tables, also printed), latest.json (every repetition) and SVG charts.
// Each figure is the median of several repetitions, shown with its min–max. Nothing is pinned.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { kAlgorithms as kSelectable } from '../src/comm/coll/select.js';
import { renderCharts } from './charts.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const reportDir = path.join(root, 'bench', 'report');
const full = process.argv.includes('--full');
const KiB = 1024, MiB = 1024 * 1024;

interface BenchConfig {
  sizes: number[]; collSizes: number[]; large: string; nps: number[]; startupNs: number[]; reps: number; p2pTargetMs: number;
  collTargetMs: number; memIters: number; forced: boolean; refReps: number; zmqEnv: Record<string, string>; mpEnv: Record<string, string>; mpiLarge: string;
}

const cfg: BenchConfig = full ? {
  sizes: [8, 64, 512, 4 * KiB, 32 * KiB, 256 * KiB, 1 * MiB, 4 * MiB, 16 * MiB],
  collSizes: [8, 64, 512, 4 * KiB, 32 * KiB, 256 * KiB, 1 * MiB, 4 * MiB, 16 * MiB],
  large: 'barrier,bcast,scatter,gather,allgather,alltoall,reduce,allreduce',
  nps: [2, 4, 8, 16], startupNs: [1, 4, 16], reps: 5, p2pTargetMs: 150, collTargetMs: 80,
  memIters: 10000, forced: true, refReps: 3,
  zmqEnv: { BENCH_SMALL_ITERS: '5000', BENCH_LARGE_ITERS: '20' }, mpEnv: { BENCH_SMALL_ITERS: '2000', BENCH_LARGE_ITERS: '10' }, mpiLarge: '10',
} : {
  sizes: [8, 1 * KiB, 64 * KiB, 1 * MiB, 16 * MiB],
  collSizes: [8, 1 * KiB, 64 * KiB, 1 * MiB, 16 * MiB],
  large: 'bcast,allreduce', // quick mode: 16 MiB only where a target needs it
  nps: [2, 4, 8], startupNs: [1, 4], reps: 3, p2pTargetMs: 20, collTargetMs: 15,
  memIters: 2000, forced: false, refReps: 3,
  zmqEnv: { BENCH_SMALL_ITERS: '1000', BENCH_LARGE_ITERS: '5' },
  mpEnv: { BENCH_SIZES: '8,65536', BENCH_SMALL_ITERS: '500' }, mpiLarge: '3',
};
// Every algorithm the selector can pick, for --full (scan and exscan are not benchmarked).
const kAlgorithms: Record<string, readonly string[]> = Object.fromEntries(
  Object.entries(kSelectable).filter(([c]) => c !== 'scan' && c !== 'exscan'),
);
const kColls = Object.keys(kAlgorithms);

// ---------- running children ----------
interface RunResult { code: number | null; stdout: string; stderr: string; ms: number; timedOut: boolean }

function run(cmd: string, args: string[], env: Record<string, string> = {}, timeoutS = 120): Promise<RunResult> {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { cwd: root, env: { ...process.env, ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '', timedOut = false;
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => {
      timedOut = true;
      try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ }
    }, timeoutS * 1000);
    child.on('error', (e) => { stderr += String(e); });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Number(process.hrtime.bigint() - t0) / 1e6, timedOut });
    });
  });
}

const failures: { what: string; why: string }[] = [];
const notes: string[] = [];
const launcher = path.join('dist', 'launcher', 'cli.js');

function failed(what: string, r: RunResult): null {
  const why = r.timedOut ? 'timed out' : `exit ${r.code}: ${(r.stderr.trim().split('\n').slice(-3).join(' | ') || r.stdout.trim().slice(-300))}`;
  failures.push({ what, why });
  console.error(`  FAILED ${what}: ${why}`);
  return null;
}

/** One tsmpirun launch; returns the JSON the program printed on its BENCH line. */
async function tsmpi(what: string, np: number, program: string, args: string[], opts: { env?: Record<string, string>; x?: string[]; timeoutS?: number } = {}): Promise<any> {
  const timeoutS = opts.timeoutS ?? 90;
  const xs = (opts.x ?? []).flatMap((x) => ['-x', x]);
  const r = await run('node', [launcher, '--timeout', String(timeoutS), ...(np > 2 ? ['--oversubscribe'] : []), ...xs, '-n', String(np), `bench/programs/${program}`, ...args], opts.env, timeoutS + 15);
  const line = r.stdout.split('\n').find((l) => l.startsWith('BENCH '));
  if (r.code !== 0 || !line) return failed(what, r);
  return JSON.parse(line.slice(6));
}

// ---------- statistics and formatting ----------
interface Stat { median: number; min: number; max: number; n: number; reps: number[] }
function stat(reps: number[]): Stat | null {
  const v = reps.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const m = v.length >> 1;
  return { median: v.length % 2 ? v[m]! : (v[m - 1]! + v[m]!) / 2, min: v[0]!, max: v[v.length - 1]!, n: v.length, reps };
}
function num(x: number): string {
  if (!Number.isFinite(x)) return '—';
  if (Math.abs(x) >= 1000) return Math.round(x).toLocaleString('en-US');
  if (Math.abs(x) >= 100) return x.toFixed(0);
  if (Math.abs(x) >= 10) return x.toFixed(1);
  return x.toFixed(2);
}
const fmt = (s: Stat | null | undefined): string => (s ? `${num(s.median)} (${num(s.min)}–${num(s.max)})` : '—');
const ratio = (a: Stat | null | undefined, b: Stat | null | undefined): number => (a && b ? a.median / b.median : NaN);
const rfmt = (x: number): string => (Number.isFinite(x) ? `${x.toFixed(2)}×` : '—');
function sizeName(b: number): string {
  if (b >= MiB) return `${b / MiB} MiB`;
  if (b >= KiB) return `${b / KiB} KiB`;
  return `${b} B`;
}

// ---------- references ----------
const ompiEnv = { OMPI_ALLOW_RUN_AS_ROOT: '1', OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1', OMPI_MCA_rmaps_base_oversubscribe: '1' };
const refs = { zeromq: false, mpi4py: false, multiprocessing: false };
const zmq: Record<number, number[]> = {};
const mp: Record<string, Record<number, number[]>> = { pipe: {}, queue: {} };
// mpi4py[np][`${metric}:${size}`] = repetitions (µs)
const mpi4py: Record<number, Record<string, number[]>> = {};

function push<K extends string | number>(o: Record<K, number[]>, k: K, v: number): void { (o[k] ??= []).push(v); }

async function references(): Promise<void> {
  const anchor = path.join('bench', 'anchors', 'pingpong_zeromq.mjs');
  refs.zeromq = existsSync(path.join(root, anchor)) && existsSync(path.join(root, 'node_modules', 'zeromq'));
  if (!refs.zeromq) notes.push('raw zeromq.js reference skipped: bench/anchors/pingpong_zeromq.mjs or node_modules/zeromq missing');
  const py = (await run('/usr/bin/python3', ['-c', 'import numpy'], {}, 20)).code === 0;
  refs.multiprocessing = py;
  if (!py) notes.push('Python multiprocessing reference skipped: /usr/bin/python3 with numpy not installed (bench/setup-references.sh)');
  refs.mpi4py = py && (await run('/usr/bin/python3', ['-c', 'import mpi4py, numpy'], {}, 20)).code === 0
    && (await run('mpirun', ['--version'], {}, 20)).code === 0;
  if (!refs.mpi4py) notes.push('mpi4py reference skipped: mpirun, mpi4py or numpy not installed (bench/setup-references.sh)');

  if (refs.zeromq) {
    console.log('reference: raw zeromq.js ping-pong');
    for (let i = 0; i < cfg.refReps; i++) {
      const sock = `ipc://${path.join(os.tmpdir(), `tsmpi-bench-zq-${process.pid}-${i}.sock`)}`;
      const r = await run('node', [anchor, 'parent', sock], { BENCH_SIZES: cfg.sizes.join(','), ...cfg.zmqEnv }, 120);
      if (r.code !== 0) { failed('zeromq.js ping-pong', r); break; }
      for (const m of r.stdout.matchAll(/size=(\d+) latency_us=([\d.]+)/g)) push(zmq, Number(m[1]), Number(m[2]));
    }
  }
  if (refs.multiprocessing) {
    console.log('reference: Python multiprocessing Pipe/Queue ping-pong');
    for (let i = 0; i < cfg.refReps; i++) {
      const r = await run('/usr/bin/python3', ['bench/anchors/pingpong_multiprocessing.py'], cfg.mpEnv, 180);
      if (r.code !== 0) { failed('multiprocessing ping-pong', r); break; }
      for (const m of r.stdout.matchAll(/multiprocessing (\w+) size=(\d+) latency_us=([\d.]+)/g)) push(mp[m[1]!]!, Number(m[2]), Number(m[3]));
    }
  }
  if (refs.mpi4py) {
    // np=2: ping-pong and collectives; np=4: bcast/allreduce at 8 B and 16 MiB; np=8: 8 B and barrier.
    const plans: [number, Record<string, string>][] = [
      [2, { BENCH_SIZES: full ? cfg.sizes.join(',') : '8,16777216' }],
      [4, { BENCH_SIZES: '8,16777216', BENCH_PINGPONG: '0' }],
      [8, { BENCH_SIZES: '8', BENCH_PINGPONG: '0' }],
    ];
    for (const [np, env] of plans) {
      console.log(`reference: mpi4py np=${np}`);
      const small = np === 8 ? (full ? '2000' : '300') : (full ? '5000' : '1000');
      for (let i = 0; i < cfg.refReps; i++) {
        const r = await run('mpirun', ['--oversubscribe', '-n', String(np), '/usr/bin/python3', 'bench/anchors/pingpong_mpi4py.py'],
          { ...ompiEnv, BENCH_SMALL_ITERS: small, BENCH_LARGE_ITERS: cfg.mpiLarge, ...env }, 240);
        if (r.code !== 0) { failed(`mpi4py np=${np}`, r); break; }
        const o = (mpi4py[np] ??= {});
        for (const m of r.stdout.matchAll(/size=(\d+) latency_us obj=([\d.]+) buf=([\d.]+)/g)) {
          push(o, `pp_obj:${m[1]}`, Number(m[2])); push(o, `pp_buf:${m[1]}`, Number(m[3]));
        }
        for (const m of r.stdout.matchAll(/size=(\d+) allreduce_us buf=([\d.]+) obj=([\d.]+) bcast_us buf=([\d.]+) obj=([\d.]+)/g)) {
          push(o, `allreduce_buf:${m[1]}`, Number(m[2])); push(o, `allreduce_obj:${m[1]}`, Number(m[3]));
          push(o, `bcast_buf:${m[1]}`, Number(m[4])); push(o, `bcast_obj:${m[1]}`, Number(m[5]));
        }
        for (const m of r.stdout.matchAll(/barrier_us=([\d.]+) scatter_obj_us=([\d.]+) gather_obj_us=([\d.]+)/g)) {
          push(o, 'barrier:0', Number(m[1])); push(o, 'scatter_obj:small', Number(m[2])); push(o, 'gather_obj:small', Number(m[3]));
        }
      }
    }
  }
}

// ---------- tsmpi measurements ----------
type P2P = Record<string, Stat | null>; // `${kind}:${metric}:${size}`
const p2p: P2P = {};
const p2pOff: P2P = {};
// coll[`${algorithm}`][`${coll}:${size}`][np]
const coll: Record<string, Record<string, Record<number, Stat | null>>> = {};
const startup: Record<number, Stat | null> = {};
let mpirunStartup: Stat | null = null;
let memory: any = null;
const raw: Record<string, unknown[]> = { p2p: [], coll: [], memory: [], startup: [] };

async function measureP2P(): Promise<void> {
  console.log('tsmpi: p2p np=2');
  const args = ['--sizes', cfg.sizes.join(','), '--reps', String(cfg.reps), '--target-ms', String(cfg.p2pTargetMs)];
  const r = await tsmpi('p2p np=2', 2, 'p2p.ts', args, { timeoutS: full ? 600 : 90 });
  if (r) { raw.p2p!.push(r); for (const row of r.rows) p2p[`${row.kind}:${row.metric}:${row.size}`] = stat(row.reps); }
  console.log('tsmpi: p2p np=2, TSMPI_ENCRYPTION=off');
  const off = await tsmpi('p2p np=2 encryption off', 2, 'p2p.ts',
    ['--sizes', `8,${16 * MiB}`, '--kinds', 'typed', '--reps', String(cfg.reps), '--target-ms', String(cfg.p2pTargetMs)],
    { env: { TSMPI_ENCRYPTION: 'off' }, timeoutS: 90 });
  if (off) { raw.p2p!.push(off); for (const row of off.rows) p2pOff[`${row.kind}:${row.metric}:${row.size}`] = stat(row.reps); }
}

/**
 * key: 'auto', 'auto-off' (automatic algorithms with TSMPI_ENCRYPTION=off), or
 * `${collective}=${algorithm}` to force that algorithm (then colls is that one collective).
 */
async function measureColl(np: number, key: string, colls: string[], sizesOverride?: number[]): Promise<void> {
  const algorithm = key.startsWith('auto') ? 'auto' : key.split('=')[1]!;
  const x = key.startsWith('auto') ? [] : [`TSMPI_COLL_${colls[0]!.toUpperCase()}=${algorithm}`];
  const env = key === 'auto-off' ? { TSMPI_ENCRYPTION: 'off' } : undefined;
  const what = `coll np=${np} ${key}`;
  console.log(`tsmpi: ${what}`);
  const sizes = sizesOverride ?? (np >= 16 && full ? cfg.collSizes.filter((s) => s <= 4 * MiB) : cfg.collSizes);
  const r = await tsmpi(what, np, 'coll.ts',
    ['--colls', colls.join(','), '--sizes', sizes.join(','), '--large', cfg.large, '--reps', String(cfg.reps), '--target-ms', String(cfg.collTargetMs)],
    { x, ...(env ? { env } : {}), timeoutS: full ? 900 : 90 });
  if (!r) return;
  raw.coll!.push({ algorithm: key, ...r });
  for (const row of r.rows) ((coll[key] ??= {})[`${row.coll}:${row.size}`] ??= {})[np] = stat(row.reps);
}

async function measureStartup(): Promise<void> {
  for (const n of cfg.startupNs) {
    console.log(`tsmpi: start-up -n ${n}`);
    const times: number[] = [];
    for (let i = 0; i < cfg.refReps; i++) {
      const r = await run('node', [launcher, '--timeout', '60', ...(n > 2 ? ['--oversubscribe'] : []), '-n', String(n), 'bench/programs/barrier-once.ts'], {}, 75);
      if (r.code !== 0) { failed(`start-up -n ${n}`, r); break; }
      times.push(r.ms);
    }
    startup[n] = stat(times);
    raw.startup!.push({ runner: 'tsmpirun', n, ms: times });
  }
  if (refs.mpi4py) {
    console.log('reference: mpirun -n 4 python3 (mpi4py) start-up');
    const times: number[] = [];
    for (let i = 0; i < cfg.refReps; i++) {
      const r = await run('mpirun', ['--oversubscribe', '-n', '4', '/usr/bin/python3', '-c', 'from mpi4py import MPI; MPI.COMM_WORLD.Barrier()'], ompiEnv, 60);
      if (r.code !== 0) { failed('mpirun start-up', r); break; }
      times.push(r.ms);
    }
    mpirunStartup = stat(times);
    raw.startup!.push({ runner: 'mpirun python3 mpi4py', n: 4, ms: times });
  }
}

async function measureMemory(): Promise<void> {
  console.log(`tsmpi: memory np=4, ${cfg.memIters} allreduce iterations`);
  memory = await tsmpi('memory np=4', 4, 'memory.ts', ['--iters', String(cfg.memIters)], { timeoutS: full ? 300 : 60 });
  if (memory) raw.memory!.push(memory);
}

// ---------- report ----------
function mpiStat(np: number, key: string): Stat | null { return stat(mpi4py[np]?.[key] ?? []); }

function buildReport(seconds: number): { md: string; targets: object[] } {
  const L: string[] = [];
  const z = (size: number) => stat(zmq[size] ?? []);
  const zbw = (size: number): Stat | null => { const s = z(size); return s ? { ...s, median: size / s.median, min: size / s.max, max: size / s.min } : null; };
  const lat = (kind: string, size: number, o = p2p) => o[`${kind}:latency_us:${size}`];
  const bw = (kind: string, size: number) => p2p[`${kind}:bandwidth_MBps:${size}`];
  const ppbw = (s: Stat | null | undefined, size: number): Stat | null => (s ? { ...s, median: size / s.median, min: size / s.max, max: size / s.min } : null);
  const auto = coll.auto ?? {};
  const cAt = (c: string, size: number, np: number) => auto[`${c}:${size}`]?.[np] ?? null;

  // Targets
  const T: { n: string; target: string; measured: string; ratio: number; limit: string; pass: boolean | null }[] = [];
  const add = (n: string, target: string, measured: string, r: number, limit: string, ok: (r: number) => boolean) =>
    T.push({ n, target, measured, ratio: r, limit, pass: Number.isFinite(r) ? ok(r) : null });
  for (const kind of ['typed', 'object']) {
    const t = lat(kind, 8);
    add('1', `8 B ${kind === 'typed' ? 'Float64Array' : 'small object'} latency vs raw zeromq.js`, `${fmt(t)} µs vs ${fmt(z(8))} µs`, ratio(t, z(8)), '≤ 1.15', (r) => r <= 1.15);
    const q = stat(mp.queue[8] ?? []);
    add('1', `8 B ${kind === 'typed' ? 'Float64Array' : 'small object'} latency vs multiprocessing Queue`, `${fmt(t)} µs vs ${fmt(q)} µs`, ratio(t, q), '< 1', (r) => r < 1);
  }
  {
    const t = ppbw(lat('typed', 16 * MiB), 16 * MiB);
    add('2', '16 MiB Float64Array ping-pong throughput vs raw zeromq.js', `${fmt(t)} vs ${fmt(zbw(16 * MiB))} MB/s`, ratio(t, zbw(16 * MiB)), '≥ 0.9', (r) => r >= 0.9);
    const o = ppbw(mpiStat(2, `pp_obj:${16 * MiB}`), 16 * MiB);
    add('2', '16 MiB Float64Array ping-pong throughput vs mpi4py objects', `${fmt(t)} vs ${fmt(o)} MB/s`, ratio(t, o), '≥ 4', (r) => r >= 4);
    const toff = ppbw(lat('typed', 16 * MiB, p2pOff), 16 * MiB);
    add('2', 'the same, TSMPI_ENCRYPTION=off, vs raw zeromq.js', `${fmt(toff)} vs ${fmt(zbw(16 * MiB))} MB/s`, ratio(toff, zbw(16 * MiB)), '≥ 0.9', (r) => r >= 0.9);
    add('2', 'the same, TSMPI_ENCRYPTION=off, vs mpi4py objects', `${fmt(toff)} vs ${fmt(o)} MB/s`, ratio(toff, o), '≥ 4', (r) => r >= 4);
  }
  {
    const b = cAt('bcast', 16 * MiB, 4), ob = mpiStat(4, `bcast_obj:${16 * MiB}`);
    add('3', 'np=4 bcast 16 MiB Float64Array vs mpi4py object bcast', `${fmt(b)} vs ${fmt(ob)} µs`, ratio(b, ob), '≤ 0.5', (r) => r <= 0.5);
    const a = cAt('allreduce', 16 * MiB, 4), oa = mpiStat(4, `allreduce_obj:${16 * MiB}`), ba = mpiStat(4, `allreduce_buf:${16 * MiB}`);
    add('3', 'np=4 allreduce 16 MiB Float64Array vs mpi4py object allreduce', `${fmt(a)} vs ${fmt(oa)} µs`, ratio(a, oa), '≤ 0.5', (r) => r <= 0.5);
    add('3', 'np=4 allreduce 16 MiB Float64Array vs mpi4py buffer Allreduce', `${fmt(a)} vs ${fmt(ba)} µs`, ratio(a, ba), '≤ 3', (r) => r <= 3);
    const off = coll['auto-off'] ?? {};
    const bo = off[`bcast:${16 * MiB}`]?.[4] ?? null, ao = off[`allreduce:${16 * MiB}`]?.[4] ?? null;
    add('3', 'the same bcast, TSMPI_ENCRYPTION=off', `${fmt(bo)} vs ${fmt(ob)} µs`, ratio(bo, ob), '≤ 0.5', (r) => r <= 0.5);
    add('3', 'the same allreduce vs objects, TSMPI_ENCRYPTION=off', `${fmt(ao)} vs ${fmt(oa)} µs`, ratio(ao, oa), '≤ 0.5', (r) => r <= 0.5);
    add('3', 'the same allreduce vs buffers, TSMPI_ENCRYPTION=off', `${fmt(ao)} vs ${fmt(ba)} µs`, ratio(ao, ba), '≤ 3', (r) => r <= 3);
  }
  {
    const growth = (a: Stat | null, b: Stat | null) => ratio(b, a);
    const tb = growth(cAt('barrier', 0, 2), cAt('barrier', 0, 8)), mb = growth(mpiStat(2, 'barrier:0'), mpiStat(8, 'barrier:0'));
    add('4', 'barrier growth np=2→8 (tsmpi growth / mpi4py growth)', `tsmpi ×${num(tb)}, mpi4py ×${num(mb)}`, tb / mb, '≤ 1', (r) => r <= 1);
    const ta = growth(cAt('allreduce', 8, 2), cAt('allreduce', 8, 8));
    for (const k of ['obj', 'buf']) {
      const ma = growth(mpiStat(2, `allreduce_${k}:8`), mpiStat(8, `allreduce_${k}:8`));
      add('4', `8 B allreduce growth np=2→8 vs mpi4py ${k === 'obj' ? 'object allreduce' : 'buffer Allreduce'}`, `tsmpi ×${num(ta)}, mpi4py ×${num(ma)}`, ta / ma, '≤ 1', (r) => r <= 1);
    }
  }
  add('5', '`tsmpirun -n 4` start-up vs `mpirun -n 4 python3` (mpi4py)', `${fmt(startup[4])} vs ${fmt(mpirunStartup)} ms`, ratio(startup[4], mpirunStartup), '≤ 1', (r) => r <= 1);
  if (memory) {
    const g = (k: 'rss' | 'heap') => Math.max(...memory.end[k].map((v: number, i: number) => v - memory.start[k][i]));
    const gm = (k: 'rss' | 'heap') => Math.max(...memory.end[k].map((v: number, i: number) => v - memory.middle[k][i]));
    add('6', `memory growth over ${memory.iters} × 8 B allreduce (np=4, worst rank, heap after GC; limit 1 MiB)`,
      `heap +${num(g('heap'))} MiB (second half +${num(gm('heap'))}), RSS ${g('rss') >= 0 ? '+' : ''}${num(g('rss'))} MiB`, g('heap'), '≤ 1 MiB', (r) => r <= 1);
  } else add('6', 'memory growth over repeated collectives', 'failed', NaN, '≤ 1 MiB', () => false);

  L.push(`# tsmpi benchmarks (${full ? 'full' : 'quick'} mode)`, '');
  L.push(`${new Date().toISOString()} · ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'} · Node ${process.version} · ${os.platform()} ${os.release()} · load average at start ${startLoad} · ${num(seconds)} s total`, '');
  L.push('Not pinned (no taskset): both ends of a ping-pong may sit on different vCPUs, which on a small VM costs 10–15 µs per wake-up and makes runs flip between a fast and a slow mode.',
    `Every figure is the median of ${cfg.reps} repetitions (references: ${cfg.refReps} runs) with min–max in parentheses. tsmpi runs through \`tsmpirun\` with the default transport (CURVE encryption on) unless said otherwise; the zeromq.js reference is a plain ipc PAIR socket without encryption.`, '');
  L.push('## Targets', '', '| # | target | measured | ratio | limit | result |', '|---|---|---|---|---|---|');
  for (const t of T) L.push(`| ${t.n} | ${t.target} | ${t.measured} | ${rfmt(t.ratio)} | ${t.limit} | ${t.pass === null ? 'n/a' : t.pass ? 'pass' : '**miss**'} |`);
  L.push('');

  L.push('## Ping-pong latency (µs, half round trip, np=2)', '');
  L.push('| size | tsmpi Float64Array | ×zmq | tsmpi object | ×zmq | zeromq.js | mpi4py buffers | mpi4py objects | mp Pipe | mp Queue |', '|---|---|---|---|---|---|---|---|---|---|');
  for (const s of cfg.sizes) {
    const t = lat('typed', s), o = lat('object', s);
    L.push(`| ${sizeName(s)} | ${fmt(t)} | ${rfmt(ratio(t, z(s)))} | ${fmt(o)} | ${rfmt(ratio(o, z(s)))} | ${fmt(z(s))} | ${fmt(mpiStat(2, `pp_buf:${s}`))} | ${fmt(mpiStat(2, `pp_obj:${s}`))} | ${fmt(stat(mp.pipe[s] ?? []))} | ${fmt(stat(mp.queue[s] ?? []))} |`);
  }
  for (const s of [8, 16 * MiB]) {
    const t = lat('typed', s, p2pOff);
    L.push(`| ${sizeName(s)}, TSMPI_ENCRYPTION=off | ${fmt(t)} | ${rfmt(ratio(t, z(s)))} | | | ${fmt(z(s))} | | | | |`);
  }
  L.push('');
  L.push('## Bandwidth (MB/s, np=2)', '', 'tsmpi: streaming (a window of isends in flight, then one ack); zeromq.js: its ping-pong (size / half round trip), the only figure the reference gives.', '');
  L.push('| size | tsmpi Float64Array | ×zmq | tsmpi object | ×zmq | tsmpi Float64Array ping-pong | zeromq.js ping-pong |', '|---|---|---|---|---|---|---|');
  for (const s of cfg.sizes) {
    const t = bw('typed', s), o = bw('object', s);
    L.push(`| ${sizeName(s)} | ${fmt(t)} | ${rfmt(ratio(t, zbw(s)))} | ${fmt(o)} | ${rfmt(ratio(o, zbw(s)))} | ${fmt(ppbw(lat('typed', s), s))} | ${fmt(zbw(s))} |`);
  }
  const off = ppbw(lat('typed', 16 * MiB, p2pOff), 16 * MiB);
  L.push(`| 16 MiB ping-pong, TSMPI_ENCRYPTION=off | | | | | ${fmt(off)} (${rfmt(ratio(off, zbw(16 * MiB)))} zmq) | ${fmt(zbw(16 * MiB))} |`, '');

  const nps = cfg.nps;
  L.push('## Collectives (µs per call, slowest rank, automatic algorithm)', '',
    'Size: the root\'s value (bcast), each operand (reduce, allreduce: Float64Array), or the whole array of np chunks (scatter, gather, allgather, alltoall: Uint8Array chunks of size/np bytes). mpi4py figures where its reference program measures the same call (objects / buffers).', '');
  L.push(`| collective | size | ${nps.map((n) => `np=${n}`).join(' | ')} | mpi4py objects | tsmpi/obj | mpi4py buffers | tsmpi/buf |`, `|---|---|${nps.map(() => '---|').join('')}---|---|---|---|`);
  for (const c of kColls) {
    for (const s of c === 'barrier' ? [0] : cfg.collSizes) {
      if (!nps.some((n) => cAt(c, s, n))) continue;
      let obj: Stat | null = null, buf: Stat | null = null, at = 0;
      for (const n of [4, 2, 8]) {
        if (c === 'barrier') { buf = mpiStat(n, 'barrier:0'); obj = null; } else if (c === 'bcast' || c === 'allreduce') { obj = mpiStat(n, `${c}_obj:${s}`); buf = mpiStat(n, `${c}_buf:${s}`); }
        if (obj || buf) { at = n; break; }
      }
      const mine = at ? cAt(c, s, at) : null;
      L.push(`| ${c} | ${c === 'barrier' ? '—' : sizeName(s)} | ${nps.map((n) => fmt(cAt(c, s, n))).join(' | ')} | ${obj ? `${fmt(obj)} (np=${at})` : '—'} | ${rfmt(ratio(mine, obj))} | ${buf ? `${fmt(buf)} (np=${at})` : '—'} | ${rfmt(ratio(mine, buf))} |`);
    }
  }
  L.push('');
  if (full) {
    L.push('## Collectives, each algorithm forced (µs per call)', '', `| collective | algorithm | size | ${nps.map((n) => `np=${n}`).join(' | ')} |`, `|---|---|---|${nps.map(() => '---|').join('')}`);
    for (const c of kColls) for (const a of kAlgorithms[c]!) for (const s of c === 'barrier' ? [0] : cfg.collSizes) {
      const row = coll[`${c}=${a}`]?.[`${c}:${s}`];
      if (row) L.push(`| ${c} | ${a} | ${c === 'barrier' ? '—' : sizeName(s)} | ${nps.map((n) => fmt(row[n])).join(' | ')} |`);
    }
    L.push('');
  }
  L.push('## Start-up (ms, wall time of the launch of a program doing one barrier)', '', '| launcher | ' + cfg.startupNs.map((n) => `N=${n}`).join(' | ') + ' |', '|---|' + cfg.startupNs.map(() => '---|').join(''));
  L.push(`| tsmpirun | ${cfg.startupNs.map((n) => fmt(startup[n])).join(' | ')} |`);
  L.push(`| mpirun python3 (mpi4py) | ${cfg.startupNs.map((n) => (n === 4 ? fmt(mpirunStartup) : '—')).join(' | ')} |`, '');
  if (memory) {
    const med = (a: number[]) => stat(a)!;
    const row = (name: string, m: { rss: number[]; heap: number[] }) => `| ${name} | ${fmt(med(m.rss))} | ${fmt(med(m.heap))} |`;
    L.push('## Memory (MiB per rank, np=4, median over ranks (min–max), after a GC)', '', '| point | RSS | V8 heap used |', '|---|---|---|');
    L.push(row('idle (after one barrier)', memory.idle), row('after a 16 MiB bcast', memory.afterBcast), row(`after ${Math.floor(memory.iters / 10)} warm-up allreduces`, memory.start),
      row('half-way', memory.middle), row(`after ${memory.iters} allreduces`, memory.end), '');
  }
  if (notes.length || failures.length) {
    L.push('## Notes and failures', '');
    for (const n of notes) L.push(`- ${n}`);
    for (const f of failures) L.push(`- FAILED ${f.what}: ${f.why.replace(/\|/g, '/')}`);
    L.push('');
  }
  L.push('Charts: latency.svg, bandwidth.svg, collectives.svg. Raw repetitions: latest.json.', '');
  return { md: L.join('\n'), targets: T };
}

// ---------- main ----------
const startLoad = os.loadavg().map((x) => x.toFixed(2)).join(' ');
const t0 = Date.now();
if (!existsSync(path.join(root, launcher))) {
  console.error('dist/launcher/cli.js is missing: run `npm run build` first (npm run bench does)');
  process.exit(1);
}
const steps: [string, () => Promise<void>][] = [
  ['references', references],
  ['p2p', measureP2P],
  ...cfg.nps.map((np): [string, () => Promise<void>] => [`coll np=${np}`, () => measureColl(np, 'auto', kColls)]),
  ['coll np=4 encryption off', () => measureColl(4, 'auto-off', ['bcast', 'allreduce'], [8, 16 * MiB])],
  ['start-up', measureStartup],
  ['memory', measureMemory],
];
if (cfg.forced) {
  for (const np of cfg.nps) for (const c of kColls) for (const a of kAlgorithms[c]!) {
    steps.push([`coll np=${np} ${c}=${a}`, () => measureColl(np, `${c}=${a}`, [c])]);
  }
}
const stepSeconds: Record<string, number> = {};
function writeReport(): string {
  const seconds = (Date.now() - t0) / 1000;
  const { md, targets } = buildReport(seconds);
  mkdirSync(reportDir, { recursive: true });
  writeFileSync(path.join(reportDir, 'latest.md'), md);
  const json = { mode: full ? 'full' : 'quick', date: new Date().toISOString(), seconds, stepSeconds,
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version, loadAtStart: startLoad, pinned: false },
    targets, references: { available: refs, zeromq: zmq, multiprocessing: mp, mpi4py }, raw, failures, notes };
  writeFileSync(path.join(reportDir, 'latest.json'), `${JSON.stringify(json, null, 1)}\n`);
  return md;
}
for (const [name, step] of steps) {
  const ts = Date.now();
  try { await step(); } catch (e) { failures.push({ what: name, why: String(e) }); console.error(`  FAILED ${name}: ${String(e)}`); }
  stepSeconds[name] = (Date.now() - ts) / 1000;
  console.log(`  (${name}: ${num(stepSeconds[name]!)} s)`);
  if (full) writeReport(); // a long run interrupted half-way still leaves what it measured
}
const md = writeReport();
try {
  await renderCharts(reportDir, { p2p, p2pOff, zmq, mp, mpi4py, coll: coll.auto ?? {}, sizes: cfg.sizes, collSizes: cfg.collSizes, nps: cfg.nps, stat });
} catch (e) { console.error(`charts failed: ${String(e)}`); }
console.log(`\n${md}`);
console.log(`wrote bench/report/latest.md, latest.json and charts in ${num((Date.now() - t0) / 1000)} s`);
