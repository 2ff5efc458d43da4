/**
 * Starts ranks on this host (Open MPI's odls). Used by tsmpirun for local ranks and, later, by
 * the per-host agent for its host's ranks. Each rank is `node [--import tsx] --import
 * rank-preload <program> args...`, so the program's process.argv looks like a plain `node`
 * run. Each rank leads its own process group (detached), so a signal to the group also
 * reaches whatever the rank started, and a Ctrl-C at the terminal reaches only tsmpirun,
 * which then stops the ranks in order.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { formatRankEnv, type RankEnv } from '../../comm/bootstrap/env.js';
import { groupAlive, signalGroup } from '../process-group.js';
import { programLoader } from '../ts-loader/choose.js';

/**
 * How a rank process ended: `code`/`signal` as in child_process 'exit', a spawn `error`, or
 * `lost`: its host's agent is gone (why), so nothing more will be known of it.
 */
export interface RankExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  error?: Error;
  lost?: string;
}

/**
 * A started rank, on this host (here) or on another through its agent (spawn/remote.ts).
 * `pid` is undefined when the process could not be started (or is not known yet).
 */
export interface RankProcess {
  readonly rank: number;
  readonly pid: number | undefined;
  /** The host it runs on as the launcher names it; undefined for this host. */
  readonly host?: string;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  /** Rank 0's standard input; null for the others. */
  readonly stdin: Writable | null;
  /** Resolves once the process has exited (never rejects). */
  readonly exited: Promise<RankExit>;
  /** Sends `signal` to the rank's process group (errors such as "already gone" are ignored). */
  signal(signal: NodeJS.Signals): void;
  /** Whether something the rank started in its process group is still running after it exited. */
  lingering(): boolean;
}

/** A rank on this host. */
export interface LocalRankProcess extends RankProcess {
  readonly child: ChildProcess;
}

/** What every local rank of a job shares. */
export interface LocalJobSpec {
  /** Absolute path of the program. */
  program: string;
  programArgs: readonly string[];
  /** The environment before the job contract is added (launcher env + `-x`). */
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** The contract fields common to all ranks: size, localSize, jobId, control, jobDir. */
  job: Omit<RankEnv, 'rank' | 'localRank'>;
}

const kTypeScript = /\.(ts|mts|cts|tsx)$/i;

// Resolved from this package, so it works from dist/ and from node_modules/tsmpi alike.
// The 'tsx' entry registers both the ESM and CJS hooks, which .cts programs need.
const tsxLoader = (): string => import.meta.resolve('tsx');

/** The preload next to this build: rank-preload.js in dist/, rank-preload.ts under tsx. */
function preloadUrl(): URL {
  const ext = path.extname(fileURLToPath(import.meta.url));
  return new URL(`../rank-preload${ext}`, import.meta.url);
}

/** The light TypeScript loader next to this build (ts-loader/register.js). */
const lightLoader = (): string => new URL('../ts-loader/register.js', import.meta.url).href;

/** Node's arguments before the program: the TypeScript loader when needed (see ts-loader/choose.ts), then the preload. */
export function nodeArgsFor(program: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const preload = preloadUrl();
  // Running from the sources (tsx), the preload itself is TypeScript: tsx for everything.
  const loader = kTypeScript.test(preload.pathname) ? 'tsx' : programLoader(program, env);
  const loaderArgs = loader === 'tsx' ? ['--import', tsxLoader()] : loader === 'light' ? ['--import', lightLoader()] : [];
  return [...loaderArgs, '--import', preload.href];
}

/**
 * Spawns one rank. stdin is a pipe for rank 0 only; stdout and stderr are always pipes.
 *
 * ```ts
 * const r = spawnLocalRank(spec, { rank: 0, localRank: 0 });
 * const { code, signal } = await r.exited;
 * ```
 */
export function spawnLocalRank(spec: LocalJobSpec, at: { rank: number; localRank: number }): LocalRankProcess {
  const env = { ...spec.env, ...formatRankEnv({ ...spec.job, rank: at.rank, localRank: at.localRank }) };
  const child = spawn(process.execPath, [...nodeArgsFor(spec.program, env), spec.program, ...spec.programArgs], {
    cwd: spec.cwd,
    env,
    detached: true,
    stdio: [at.rank === 0 ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<RankExit>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    // 'error' without 'exit' means the process never ran (EAGAIN, ENOMEM, ...).
    child.once('error', (error) => {
      if (child.pid === undefined) resolve({ code: null, signal: null, error });
    });
  });
  // A rank that exits without reading its stdin makes writes to it fail with EPIPE.
  child.stdin?.on('error', () => undefined);
  let reaped = false;
  void exited.then(() => (reaped = true));
  const pid = child.pid;
  return {
    rank: at.rank,
    pid,
    child,
    stdout: child.stdout,
    stderr: child.stderr,
    stdin: child.stdin,
    exited,
    // A group outlives its leader while anything the rank started is alive; only a rank not
    // yet reaped may be signalled by pid (after reaping, its pid may belong to another).
    signal: (signal) => {
      if ((pid === undefined || !signalGroup(pid, signal)) && !reaped) child.kill(signal);
    },
    lingering: () => pid !== undefined && groupAlive(pid),
  };
}

/**
 * Forwards `source` (the launcher's stdin) to rank 0 and ends rank 0's stdin when `source`
 * ends. Returns a function that stops forwarding (call it when the job ends).
 */
export function forwardStdin(source: Readable, rank0: RankProcess): () => void {
  const sink = rank0.stdin;
  if (!sink) return () => undefined;
  source.pipe(sink);
  const stop = (): void => {
    source.unpipe(sink);
    // Reading stdin would keep the launcher alive after the job; release it.
    source.pause();
  };
  void rank0.exited.then(stop);
  return stop;
}
