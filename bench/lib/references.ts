// The reference programs of bench/anchors, run in the same run as tsmpi and under the same
// protocol (bench/lib/protocol.ts): raw zeromq.js always; mpi4py and Python multiprocessing
// when installed (bench/setup-references.sh). Each function is one launch.
import { existsSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BenchConfig } from './config.js';
import type { TwoHosts } from './hosts.js';
import { failed, note, records, root, run, type RunResult } from './proc.js';
import { protocolEnv } from './protocol.js';
import { kSharedMetrics, push, raw, refKey } from './results.js';
import { MiB } from './stats.js';

export const available = { zeromq: false, multiprocessing: false, mpi4py: false, taskset: false };

const python = '/usr/bin/python3'; // another python3 may come first on PATH without numpy/mpi4py
// Open MPI refuses root without these; --bind-to none because tsmpi's ranks are not bound
// either (pinned figures say so and use taskset for both).
const ompiEnv = { OMPI_ALLOW_RUN_AS_ROOT: '1', OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1' };
const mpirunArgs = (np: number) => ['--oversubscribe', '--bind-to', 'none', '-n', String(np)];

export async function detect(): Promise<void> {
  available.zeromq = existsSync(path.join(root, 'bench', 'anchors', 'pingpong_zeromq.mjs')) && existsSync(path.join(root, 'node_modules', 'zeromq'));
  if (!available.zeromq) note('raw zeromq.js reference skipped: bench/anchors/pingpong_zeromq.mjs or node_modules/zeromq missing');
  available.multiprocessing = (await run(python, ['-c', 'import numpy'], {}, 20)).code === 0;
  if (!available.multiprocessing) note(`Python multiprocessing reference skipped: ${python} with numpy not installed (bench/setup-references.sh)`);
  available.mpi4py =
    available.multiprocessing &&
    (await run(python, ['-c', 'import mpi4py, numpy'], {}, 20)).code === 0 &&
    (await run('mpirun', ['--version'], {}, 20)).code === 0;
  if (!available.mpi4py) note('mpi4py reference skipped: mpirun, mpi4py or numpy not installed (bench/setup-references.sh)');
  available.taskset = (await run('taskset', ['-c', '0', 'true'], {}, 10)).code === 0;
  if (!available.taskset) note('pinned figures skipped: taskset -c 0 does not work here');
}

/** Runs `cmd args`, under taskset -c 0 when pinned, and returns its BENCHREF records. */
async function ref(what: string, cmd: string, args: string[], env: Record<string, string>, timeoutS: number, pinned: boolean): Promise<any[] | null> {
  const r: RunResult = pinned ? await run('taskset', ['-c', '0', cmd, ...args], env, timeoutS) : await run(cmd, args, env, timeoutS);
  const recs = records(r, 'BENCHREF ');
  if (r.code !== 0 || recs.length === 0) return failed(what, r);
  for (const rec of recs) raw.push({ reference: what, pinned, ...rec });
  return recs;
}

let sockets = 0;
/**
 * zeromq.js PAIR over ipc: ping-pong and streaming (pinned: 8 B ping-pong only). With `curve`,
 * both ends use CURVE as tsmpi's ranks do by default, at 8 B and 16 MiB only (issue 14).
 */
export async function zeromq(cfg: BenchConfig, pinned = false, curve = false): Promise<void> {
  if (!available.zeromq || (pinned && !available.taskset)) return;
  const file = path.join(os.tmpdir(), `tsmpi-bench-zq-${process.pid}-${sockets++}.sock`);
  const sock = `ipc://${file}`;
  const sizes = pinned ? [8] : curve ? [8, 16 * MiB] : cfg.sizes;
  const env = { ...protocolEnv(cfg.protocol), BENCH_SIZES: sizes.join(','), BENCH_STREAM: pinned ? '0' : '1', BENCH_CURVE: curve ? '1' : '0' };
  // ZeroMQ leaves the ipc socket file behind; the bench removes what it made.
  const recs = await ref(
    `zeromq.js${curve ? ' CURVE' : ''}${pinned ? ' pinned' : ''}`,
    'node',
    ['bench/anchors/pingpong_zeromq.mjs', 'parent', sock],
    env,
    600,
    pinned,
  ).finally(() => rmSync(file, { force: true }));
  for (const r of recs ?? []) push(refKey.zmq(r.metric, r.size, pinned, curve), r.reps);
}

/**
 * zeromq.js PAIR over TCP between two test hosts (network namespaces, bench/lib/hosts.ts): the
 * measuring end binds on the first host, the echoing end connects from the second. 8 B and
 * 16 MiB ping-pong, 16 MiB streaming; `curve`: both ends with CURVE.
 */
export async function zeromqHosts(cfg: BenchConfig, h: TwoHosts, curve: boolean): Promise<void> {
  if (!available.zeromq) return;
  const what = `zeromq.js between hosts${curve ? ' CURVE' : ''}`;
  const port = 20000 + Math.floor(Math.random() * 30000);
  const addr = `tcp://${h.addresses[0]}:${port}`;
  const script = path.join(root, 'bench', 'anchors', 'pingpong_zeromq.mjs');
  const keys = curve ? await curveKeys() : null;
  const env = {
    ...protocolEnv(cfg.protocol),
    BENCH_SIZES: `8,${16 * MiB}`,
    BENCH_STREAM_SIZES: String(16 * MiB),
    BENCH_CURVE: curve ? '1' : '0',
    ...(keys ? { BENCH_CURVE_KEYS: JSON.stringify(keys) } : {}),
  };
  const [server, client] = await Promise.all([
    run('bash', [h.onHost, h.names[0]!, process.execPath, script, 'server', addr], env, 600),
    run('bash', [h.onHost, h.names[1]!, process.execPath, script, 'child', addr], env, 600),
  ]);
  const recs = records(server, 'BENCHREF ');
  if (server.code !== 0 || recs.length === 0) {
    failed(what, server);
    return;
  }
  if (client.code !== 0) {
    failed(`${what} (echoing end)`, client);
    return;
  }
  for (const r of recs) {
    raw.push({ reference: what, ...r });
    push(refKey.zmqHosts(r.metric, r.size, curve), r.reps);
  }
}

/** A CURVE key pair made by zeromq.js (the server's; the anchor's client uses it too). */
async function curveKeys(): Promise<{ pub: string; sec: string }> {
  const r = await run(
    'node',
    ['-e', 'const k = require("zeromq").curveKeyPair(); console.log(JSON.stringify({ pub: k.publicKey, sec: k.secretKey }))'],
    {},
    30,
  );
  return JSON.parse(r.stdout) as { pub: string; sec: string };
}

/** multiprocessing Pipe and Queue ping-pong (pinned: 8 B). */
export async function multiprocessing(cfg: BenchConfig, pinned = false): Promise<void> {
  if (!available.multiprocessing || (pinned && !available.taskset)) return;
  const env = { ...protocolEnv(cfg.protocol), BENCH_SIZES: pinned ? '8' : cfg.sizes.join(',') };
  const recs = await ref(`multiprocessing${pinned ? ' pinned' : ''}`, python, ['bench/anchors/pingpong_multiprocessing.py'], env, 600, pinned);
  for (const r of recs ?? []) push(refKey.mp(r.metric, r.size, pinned), r.reps);
}

/** mpi4py ping-pong and streaming at np=2 (pinned: 8 B ping-pong). */
export async function mpi4pyP2P(cfg: BenchConfig, pinned = false): Promise<void> {
  if (!available.mpi4py || (pinned && !available.taskset)) return;
  await mpi4py(
    cfg,
    2,
    pinned
      ? { BENCH_SIZES: '8', BENCH_STREAM: '0', BENCH_COLLS: '0', BENCH_SMALL_COLLS: '0' }
      : { BENCH_SIZES: cfg.sizes.join(','), BENCH_COLLS: '0', BENCH_SMALL_COLLS: '0' },
    pinned,
  );
}

/** mpi4py bcast and allreduce (objects and buffers) at the sizes tsmpi measures at np, barrier, small scatter/gather/allgather/alltoall. */
export async function mpi4pyColl(cfg: BenchConfig, np: number, sizes: number[]): Promise<void> {
  if (!available.mpi4py) return;
  await mpi4py(cfg, np, { BENCH_PINGPONG: '0', BENCH_STREAM: '0', BENCH_COLL_SIZES: sizes.join(',') }, false);
}

/**
 * mpi4py's small collectives of objects at np (8 B bcast and allreduce, barrier, allgather and
 * alltoall of a small object) while the machine is loaded (the step "coll np=4 loaded").
 */
export async function mpi4pyLoaded(cfg: BenchConfig, np: number): Promise<void> {
  if (!available.mpi4py) return;
  await mpi4py(
    cfg,
    np,
    { BENCH_PINGPONG: '0', BENCH_STREAM: '0', BENCH_COLL_SIZES: '8', BENCH_KINDS: 'obj', BENCH_SMALL_LIST: 'barrier,allgather_obj,alltoall_obj' },
    false,
    true,
  );
}

async function mpi4py(cfg: BenchConfig, np: number, env: Record<string, string>, pinned: boolean, loaded = false): Promise<void> {
  const recs = await ref(
    `mpi4py np=${np}${pinned ? ' pinned' : ''}${loaded ? ' loaded' : ''}`,
    'mpirun',
    [...mpirunArgs(np), python, 'bench/anchors/pingpong_mpi4py.py'],
    { ...ompiEnv, ...protocolEnv(cfg.protocol), ...env },
    cfg.mode === 'full' ? 1800 : 600,
    pinned,
  );
  for (const r of recs ?? []) push(loaded ? refKey.mpi4pyLoaded(np, r.metric, r.size) : refKey.mpi4py(np, r.metric, r.size, pinned), r.reps);
}

/** `mpirun -n N python3` start-up: mpi4py and numpy imported, one barrier, 10 allreduces. */
export async function mpi4pyStartup(n: number): Promise<void> {
  if (!available.mpi4py) return;
  const t0 = Date.now();
  const r = await run('mpirun', [...mpirunArgs(n), python, 'bench/anchors/startup_mpi4py.py'], { ...ompiEnv, BENCH_T0: String(t0) }, n >= 32 ? 300 : 60);
  const rec = records(r, 'BENCHREF ')[0];
  if (r.code !== 0 || !rec) {
    failed(`mpirun -n ${n} start-up`, r);
    return;
  }
  raw.push({ reference: `mpirun -n ${n} start-up`, wallMs: r.ms, ...rec });
  push(refKey.startup('wall', n), [r.ms]);
  push(refKey.startup('ready', n), [rec.readyMs]);
  push(refKey.startup('exit', n), [r.ms - rec.readyMs]);
  push(refKey.startup('allreduce', n), [rec.allreduceUs]);
  push(refKey.startup('rss', n), rec.rss);
}

/** multiprocessing.Value with its lock and shared_memory + numpy, 4 processes (bench/anchors/shared_python.py). */
export async function sharedPython(_cfg: BenchConfig): Promise<void> {
  if (!available.multiprocessing) return;
  const recs = await ref(
    'Python shared memory',
    python,
    ['bench/anchors/shared_python.py'],
    { BENCH_NP: '4', BENCH_ADDS: '1000000', BENCH_MIB: '64', BENCH_REPS: '3' },
    600,
    false,
  );
  const rec = recs?.[0];
  if (rec) for (const m of kSharedMetrics) if (rec[m] !== undefined) push(refKey.shared(m), rec[m]);
}
