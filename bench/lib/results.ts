// Every figure of a run, as the repetitions behind it, under one key per figure. Collectors
// push repetitions; the report, the charts and the reference check read them back as Stats.
// Keys are paths built here only, so writers and readers cannot drift apart:
//   tsmpi/<variant>/pp/<kind>/<size>                   µs, half round trip (kind: typed, object)
//   tsmpi/<variant>/stream/<kind>/<size>               MB/s
//   tsmpi/<variant>/pinned/pp/<kind>/<size>            µs, launcher and ranks under taskset -c 0
//   tsmpi/<variant>/coll/<algorithm>/np<N>/<coll>/<size>  µs per call (algorithm: auto or forced)
//   tsmpi/<variant>/startup/{wall,ready,rss,allreduce}/np<N>  ms, ms, MiB per rank, µs
//   tsmpi/<variant>/startup/phase/<StartupPhase>/np<N>  ms (slowest rank's time point, or a span)
//   tsmpi/<variant>-node24/startup/...                 the same, tsmpirun run by Node 24
//   tsmpi/<variant>/loaded/np<N>/<coll>/<size>         µs per call beside two busy loops
//   tsmpi/<variant>/hosts/{pp,stream}/typed/<size>     µs, MB/s; one rank on each of two test hosts
//   zeromq.js/{pp,stream}/<size>, zeromq.js+curve/{pp,stream}/<size>, mp/{pipe,queue}/<size>,
//   mpi4py/np<N>/<metric>/<size>, mpi4py/startup/{wall,ready,rss,allreduce,exit}/np<N>;
//   pinned references under pinned/..., loaded ones under loaded/..., between hosts under hosts/...
//   tsmpi/<variant>/shared/<metric>, python/shared/<metric>   (SharedMetric)
//   tsmpi/<variant>/alloc/np<N>/<call>/<elements>/{new,into}   bytes allocated per iteration
//                                                      (AllocCall; not a time: no ratio reads it)
import { stat, type Stat } from './stats.js';

export const figures: Record<string, number[]> = {};

export const key = (...parts: (string | number)[]): string => parts.join('/');

export function push(k: string, values: readonly number[]): void {
  (figures[k] ??= []).push(...values.filter((v) => Number.isFinite(v)));
}

export const get = (k: string): Stat | null => stat(figures[k]);

export const tsmpiKey = {
  pp: (v: string, kind: string, size: number) => key('tsmpi', v, 'pp', kind, size),
  stream: (v: string, kind: string, size: number) => key('tsmpi', v, 'stream', kind, size),
  pinned: (v: string, kind: string, size: number) => key('tsmpi', v, 'pinned', 'pp', kind, size),
  coll: (v: string, algorithm: string, np: number, coll: string, size: number) => key('tsmpi', v, 'coll', algorithm, `np${np}`, coll, size),
  startup: (v: string, what: StartupMetric, np: number) => key('tsmpi', v, 'startup', what, `np${np}`),
  phase: (v: string, what: StartupPhase, np: number) => key('tsmpi', v, 'startup', 'phase', what, `np${np}`),
  loaded: (v: string, np: number, coll: string, size: number) => key('tsmpi', v, 'loaded', `np${np}`, coll, size),
  hosts: (v: string, metric: 'pp' | 'stream', size: number) => key('tsmpi', v, 'hosts', metric, 'typed', size),
  shared: (v: string, what: SharedMetric) => key('tsmpi', v, 'shared', what),
  alloc: (v: string, np: number, call: AllocCall, elements: number, result: AllocResult) => key('tsmpi', v, 'alloc', `np${np}`, call, elements, result),
};
/** Shared arrays (issue 16): ms for 4 ranks each adding to one counter, allocating, filling, summing 64 MiB; lock hand-offs/s. */
export type SharedMetric = 'counterMs' | 'handoffsPerS' | 'allocateMs' | 'fillMs' | 'sumMs';
export const kSharedMetrics: readonly SharedMetric[] = ['counterMs', 'handoffsPerS', 'allocateMs', 'fillMs', 'sumMs'];
/**
 * The calls of bench/programs/alloc-per-iteration.ts, each measured twice: returning a new result
 * ('new') and into memory the caller keeps (recvbuf; the ring exchange: recvInto) ('into').
 */
export type AllocCall = 'allreduce' | 'alltoallv' | 'reduceScatter' | 'ring';
export const kAllocCalls: readonly AllocCall[] = ['allreduce', 'alltoallv', 'reduceScatter', 'ring'];
export type AllocResult = 'new' | 'into';
export type StartupMetric = 'wall' | 'ready' | 'rss' | 'allreduce' | 'exit';
/**
 * Start-up split by phase, per launch the slowest rank's, in ms since the launch: time points
 * (the rank's Node process started, its program's first line ran, tsmpi's import resolved, the
 * first barrier ended) and the spans between them (bench/programs/startup.ts).
 */
export type StartupPhase = 'nodeStart' | 'programStart' | 'worldReady' | 'barrierEnd' | 'spawn' | 'boot' | 'world' | 'barrier' | 'exit';
export const kPhasePoints = ['nodeStart', 'programStart', 'worldReady', 'barrierEnd'] as const;
/** The id under which a variant's start-up on Node 24 is recorded. */
export const node24Id = (v: string): string => `${v}-node24`;

export const refKey = {
  zmq: (metric: 'pp' | 'stream', size: number, pinned = false, curve = false) =>
    key(...(pinned ? ['pinned'] : []), curve ? 'zeromq.js+curve' : 'zeromq.js', metric, size),
  /** zeromq.js PAIR over TCP between two test hosts. */
  zmqHosts: (metric: 'pp' | 'stream', size: number, curve: boolean) => key('hosts', curve ? 'zeromq.js+curve' : 'zeromq.js', metric, size),
  mp: (kind: 'pipe' | 'queue', size: number, pinned = false) => key(...(pinned ? ['pinned'] : []), 'mp', kind, size),
  mpi4py: (np: number, metric: string, size: number, pinned = false) => key(...(pinned ? ['pinned'] : []), 'mpi4py', `np${np}`, metric, size),
  /** mpi4py beside two busy loops (the step "coll np=4 loaded"). */
  mpi4pyLoaded: (np: number, metric: string, size: number) => key('loaded', 'mpi4py', `np${np}`, metric, size),
  startup: (what: StartupMetric, np: number) => key('mpi4py', 'startup', what, `np${np}`),
  shared: (what: SharedMetric) => key('python', 'shared', what),
};

/** The memory job's record per variant (structured: samples per rank at several points). */
export interface MemoryRecord {
  iters: number;
  idle: Sample;
  afterBcast: Sample;
  start: Sample;
  middle: Sample;
  end: Sample;
}
export interface Sample {
  rss: number[];
  heap: number[];
}
export const memory: Record<string, MemoryRecord> = {};

/** Raw records of every launch, for latest.json. */
export const raw: unknown[] = [];

/** Everything collected so far, to put back when a disturbed step is measured again. */
export function snapshot(): () => void {
  const f = JSON.stringify(figures),
    m = JSON.stringify(memory),
    r = raw.length;
  return () => {
    for (const k of Object.keys(figures)) delete figures[k];
    Object.assign(figures, JSON.parse(f));
    for (const k of Object.keys(memory)) delete memory[k];
    Object.assign(memory, JSON.parse(m));
    raw.length = r;
  };
}
