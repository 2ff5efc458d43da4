// Every figure of a run, as the repetitions behind it, under one key per figure. Collectors
// push repetitions; the report, the charts and the reference check read them back as Stats.
// Keys are paths built here only, so writers and readers cannot drift apart:
//   tsmpi/<variant>/pp/<kind>/<size>                   µs, half round trip (kind: typed, object)
//   tsmpi/<variant>/stream/<kind>/<size>               MB/s
//   tsmpi/<variant>/pinned/pp/<kind>/<size>            µs, launcher and ranks under taskset -c 0
//   tsmpi/<variant>/coll/<algorithm>/np<N>/<coll>/<size>  µs per call (algorithm: auto or forced)
//   tsmpi/<variant>/startup/{wall,ready,rss,allreduce}/np<N>  ms, ms, MiB per rank, µs
//   zeromq.js/{pp,stream}/<size>, mp/{pipe,queue}/<size>, mpi4py/np<N>/<metric>/<size>,
//   mpi4py/startup/{wall,ready,rss,allreduce}/np<N>; pinned references under pinned/...
//   tsmpi/<variant>/shared/<metric>, python/shared/<metric>   (SharedMetric)
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
  shared: (v: string, what: SharedMetric) => key('tsmpi', v, 'shared', what),
};
/** Shared arrays (issue 16): ms for 4 ranks each adding to one counter, allocating, filling, summing 64 MiB; lock hand-offs/s. */
export type SharedMetric = 'counterMs' | 'handoffsPerS' | 'allocateMs' | 'fillMs' | 'sumMs';
export const kSharedMetrics: readonly SharedMetric[] = ['counterMs', 'handoffsPerS', 'allocateMs', 'fillMs', 'sumMs'];
export type StartupMetric = 'wall' | 'ready' | 'rss' | 'allreduce';

export const refKey = {
  zmq: (metric: 'pp' | 'stream', size: number, pinned = false) => key(...(pinned ? ['pinned'] : []), 'zeromq.js', metric, size),
  mp: (kind: 'pipe' | 'queue', size: number, pinned = false) => key(...(pinned ? ['pinned'] : []), 'mp', kind, size),
  mpi4py: (np: number, metric: string, size: number, pinned = false) => key(...(pinned ? ['pinned'] : []), 'mpi4py', `np${np}`, metric, size),
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
