/**
 * The Chrome Trace Event format (the JSON Perfetto and chrome://tracing open) of a job's
 * reports: one process per rank, named "rank N" with its host as label; each span a complete
 * event ("X"); each message a flow ("s" on its send, "f" on its receive) drawn as an arrow.
 *
 * A thread track must hold properly nested slices, but a rank's spans overlap (an isend still
 * in flight while the program waits on a recv): {@link assignLanes} packs them on as few
 * tracks ("tid") as keep every track nested.
 */
import type { DiagSpan } from '../../comm/bootstrap/protocol.js';
import type { RankReport } from './collector.js';

export interface TraceEvent {
  name: string;
  ph: 'X' | 'M' | 's' | 'f';
  ts: number;
  pid: number;
  tid: number;
  cat?: string;
  dur?: number;
  id?: number;
  bp?: 'e';
  args?: Record<string, unknown>;
}

export interface TraceFile {
  traceEvents: TraceEvent[];
  displayTimeUnit: 'ms';
}

const kCategory: Record<DiagSpan['kind'], string> = { send: 'message', recv: 'message', wait: 'wait', coll: 'collective' };

/**
 * Track of each span (index = span index): spans sorted by start (longer first on ties) go on
 * the first track where they nest inside what is open there or where nothing is open.
 */
export function assignLanes(spans: readonly DiagSpan[]): number[] {
  const order = spans.map((_, i) => i).sort((a, b) => spans[a].start - spans[b].start || spans[b].end - spans[a].end);
  const open: number[][] = [];
  const lanes = new Array<number>(spans.length);
  for (const i of order) {
    const { start, end } = spans[i];
    let lane = 0;
    for (; lane < open.length; lane++) {
      const stack = open[lane];
      while (stack.length > 0 && stack[stack.length - 1] <= start) stack.pop();
      if (stack.length === 0 || stack[stack.length - 1] >= end) break;
    }
    if (lane === open.length) open.push([]);
    open[lane].push(end);
    lanes[i] = lane;
  }
  return lanes;
}

const us = (ms: number): number => Math.round(ms * 1000 * 1000) / 1000;

function argsOf(s: DiagSpan): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  if (s.peer !== undefined) args.peer = s.peer;
  if (s.tag !== undefined) args.tag = s.tag;
  if (s.bytes !== undefined) args.bytes = s.bytes;
  if (s.seq !== undefined) args.seq = s.seq;
  if (s.comm !== undefined) args.comm = s.comm;
  if (s.call !== undefined) args.call = s.call;
  return args;
}

/** The whole trace of `reports` (the ranks that reported). */
export function buildTrace(reports: readonly RankReport[]): TraceFile {
  const events: TraceEvent[] = [];
  /** Receives by "src dst seq": where each flow ends. */
  const receives = new Map<string, { pid: number; tid: number; ts: number }>();
  const lanesOf = new Map<number, number[]>();
  for (const r of reports) {
    const lanes = assignLanes(r.spans);
    lanesOf.set(r.rank, lanes);
    events.push(
      { name: 'process_name', ph: 'M', ts: 0, pid: r.rank, tid: 0, args: { name: `rank ${r.rank}` } },
      { name: 'process_labels', ph: 'M', ts: 0, pid: r.rank, tid: 0, args: { labels: r.host } },
      { name: 'process_sort_index', ph: 'M', ts: 0, pid: r.rank, tid: 0, args: { sort_index: r.rank } },
    );
    const tracks = lanes.length === 0 ? 1 : Math.max(...lanes) + 1;
    for (let t = 0; t < tracks; t++) {
      events.push({
        name: 'thread_name',
        ph: 'M',
        ts: 0,
        pid: r.rank,
        tid: t,
        args: { name: t === 0 ? `rank ${r.rank} (${r.host})` : `rank ${r.rank} overlapping ${t}` },
      });
    }
    r.spans.forEach((s, i) => {
      events.push({
        name: s.name,
        cat: kCategory[s.kind],
        ph: 'X',
        ts: us(s.start),
        dur: Math.max(0, us(s.end) - us(s.start)),
        pid: r.rank,
        tid: lanes[i],
        args: argsOf(s),
      });
      if (s.kind === 'recv') receives.set(`${s.peer} ${r.rank} ${s.seq}`, { pid: r.rank, tid: lanes[i], ts: us(s.end) });
    });
  }
  let id = 0;
  for (const r of reports) {
    const lanes = lanesOf.get(r.rank)!;
    r.spans.forEach((s, i) => {
      if (s.kind !== 'send') return;
      const to = receives.get(`${r.rank} ${s.peer} ${s.seq}`);
      if (to === undefined) return;
      id++;
      events.push(
        { name: 'message', cat: 'flow', ph: 's', id, ts: us(s.start), pid: r.rank, tid: lanes[i] },
        { name: 'message', cat: 'flow', ph: 'f', bp: 'e', id, ts: to.ts, pid: to.pid, tid: to.tid },
      );
    });
  }
  return { traceEvents: events, displayTimeUnit: 'ms' };
}
