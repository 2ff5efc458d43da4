/**
 * What this rank's program is waiting on right now, for the launcher's hang report
 * (`tsmpirun --timeout`, SIGUSR1 to the launcher). Every public call that communicates
 * registers itself here while its promise (or request) is pending: the operation, the
 * communicator, peer/root and tag, the collective's call number, since when, and where in the
 * program it was called.
 *
 * Cost: one Set add/delete, a performance.now() and a stack capture per call. The capture is
 * Error.captureStackTrace with a small stackTraceLimit: V8 records the frames, and the text
 * (with Node's source-map support, for .ts programs) is only built when a report asks for
 * `stack`, so a call that never appears in a report never pays for formatting.
 *
 * The registry is process-wide (a global symbol), like the control client: the launcher's
 * preload, which answers the launcher's request (SIGUSR2), reads it without importing the
 * rank API, and may come from another installation of tsmpi than the program's.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WaitArg, WaitInfo } from '../bootstrap/protocol.js';
import { kCompletion } from '../completion.js';
import { observeCall, observeInit, recording } from './recorder.js';

/** Frames kept per capture: the program's call, or tsmpi's finalize() and then the program's. */
const kStackFrames = 2;
/**
 * Call sites are recorded only with TSMPI_CALL_SITES=on (tsmpirun sets it with --timeout): a
 * stack capture costs 10-40 µs here, a quarter of a small message's latency. Without it a
 * report gives everything but the file:line.
 */
const kCaptureSites = process.env.TSMPI_CALL_SITES === 'on';
const kAny = -1;

interface Pending {
  op: string;
  comm: string;
  spec: ArgSpec;
  args: readonly unknown[];
  call: number | undefined;
  since: number;
  site: { stack?: string };
}

interface Registry {
  snapshot(): WaitInfo[];
}

const kRegistry = Symbol.for('tsmpi.waits');
type Global = typeof globalThis & { [kRegistry]?: Registry };

const pending = new Set<Pending>();
/** > 0 while a tracked call runs synchronously: calls it makes (finalize → barrier) are its own parts. */
let depth = 0;

/** tsmpi's own code (dist/ or src/): frames there are not the program's call site. */
const kLibraryDir = fileURLToPath(new URL('../../', import.meta.url));

(globalThis as Global)[kRegistry] = { snapshot };

/** Every wait of this rank, oldest first, as sent to the launcher. */
export function snapshot(now = performance.now()): WaitInfo[] {
  return [...pending].sort((a, b) => a.since - b.since).map((p) => ({
    op: p.op,
    comm: p.comm,
    args: describe(p.spec, p.args),
    ...(p.call === undefined ? {} : { call: p.call }),
    ageMs: Math.max(0, Math.round(now - p.since)),
    ...siteOf(p.site.stack),
  }));
}

function siteOf(stack: string | undefined): { site?: string } {
  const site = stack === undefined ? undefined : callSite(stack);
  return site === undefined ? {} : { site };
}

/**
 * The first frame of `stack` (an Error's `stack` text) outside tsmpi and Node's internals, as
 * `file.ts:line`; undefined if there is none.
 */
export function callSite(stack: string, libraryDir = kLibraryDir): string | undefined {
  for (const line of stack.split('\n')) {
    const m = /^\s+at (?:.*\()?(.+?):(\d+):\d+\)?$/.exec(line);
    if (m === null) continue;
    let file = m[1];
    if (file.startsWith('file://')) {
      try {
        file = fileURLToPath(file);
      } catch {
        continue;
      }
    }
    if (file.startsWith('node:') || file.startsWith(libraryDir) || !file.includes('/')) continue;
    return `${path.basename(file)}:${m[2]}`;
  }
  return undefined;
}

/** How a tracked operation names its arguments in the report: `[name, arg index, default]`. */
export type ArgSpec = readonly (readonly [name: string, index: number, fallback: number])[];

/** A communicator as seen here: its name and its count of collective calls so far. */
export interface Tracked {
  readonly name: string;
}

const collectiveCalls = new WeakMap<object, number>();

/**
 * Wraps `fn` (a method of a communicator, or a function of one) so each call is registered
 * until the promise or request it returns settles. `collective`: number the calls per
 * communicator (#1, #2, ...), the same on every rank as collectives are called in one order.
 * (A collective rejected for its own arguments, e.g. a bad root, still takes a number here,
 * while the mismatch guard's numbering counts only collectives that started.)
 */
export function tracked<A extends unknown[], R>(
  op: string, spec: ArgSpec, collective: boolean, fn: (this: Tracked, ...args: A) => R, comm?: () => Tracked,
): (this: Tracked, ...args: A) => R {
  return function wrapper(this: Tracked, ...args: A): R {
    const self = comm?.() ?? this;
    let call: number | undefined;
    if (collective) collectiveCalls.set(self, (call = (collectiveCalls.get(self) ?? 0) + 1));
    if (depth > 0) return fn.apply(this, args);
    const site: { stack?: string } = {};
    if (kCaptureSites) {
      const limit = Error.stackTraceLimit;
      Error.stackTraceLimit = kStackFrames;
      Error.captureStackTrace(site, wrapper);
      Error.stackTraceLimit = limit;
    }
    const start = recording ? performance.now() : 0;
    depth++;
    let result: R;
    try {
      result = fn.apply(this, args);
    } finally {
      depth--;
    }
    // A request (isend/irecv) is watched through its completion, not its then(), which is a wait.
    const settled = ((result as { [kCompletion]?: PromiseLike<unknown> } | undefined)?.[kCompletion] ?? result) as PromiseLike<unknown> | undefined;
    if (typeof settled?.then !== 'function') return result;
    // --trace/--stats: every call but isend/irecv is time waiting; collectives and calls that
    // carry no message of their own (probe, finalize, init) are spans too.
    if (recording && op === 'init') observeInit(start, settled);
    else if (recording && settled === (result as unknown)) {
      observeCall(collective ? 'coll' : 'wait', op, start, settled, op !== 'send' && op !== 'recv' && op !== 'sendrecv', self.name, call);
    }
    const entry: Pending = { op, comm: self.name, spec, args, call, since: performance.now(), site };
    pending.add(entry);
    const done = (): void => {
      pending.delete(entry);
    };
    settled.then(done, done);
    return result;
  };
}

function describe(spec: ArgSpec, args: readonly unknown[]): WaitArg[] {
  return spec.map(([name, index, fallback]) => {
    const value = args[index] === undefined ? fallback : args[index];
    return [name, typeof value === 'number' && value !== kAny ? value : 'any'];
  });
}

const source: ArgSpec = [['source', 0, kAny], ['tag', 1, kAny]];
const dest: ArgSpec = [['dest', 1, 0], ['tag', 2, 0]];
const root = (index: number): ArgSpec => [['root', index, 0]];

/** Every Communicator method that communicates, with how its arguments are reported. */
const kOperations: Readonly<Record<string, { spec: ArgSpec; collective: boolean }>> = {
  send: { spec: dest, collective: false },
  recv: { spec: source, collective: false },
  recvInto: { spec: [['source', 1, kAny], ['tag', 2, kAny]], collective: false },
  isend: { spec: dest, collective: false },
  irecv: { spec: source, collective: false },
  sendrecv: { spec: [['dest', 1, 0], ['sendtag', 2, 0], ['source', 3, kAny], ['recvtag', 4, kAny]], collective: false },
  probe: { spec: source, collective: false },
  barrier: { spec: [], collective: true },
  bcast: { spec: root(1), collective: true },
  scatter: { spec: root(1), collective: true },
  gather: { spec: root(1), collective: true },
  allgather: { spec: [], collective: true },
  alltoall: { spec: [], collective: true },
  reduce: { spec: root(2), collective: true },
  allreduce: { spec: [], collective: true },
  scan: { spec: [], collective: true },
  exscan: { spec: [], collective: true },
  split: { spec: [], collective: true },
  dup: { spec: [], collective: true },
  createCart: { spec: [], collective: true },
  splitShared: { spec: [], collective: true },
  allocateShared: { spec: [], collective: true },
  // Not numbered itself: the dup and allocateShared it runs are.
  createSharedLock: { spec: [], collective: false },
  scatterv: { spec: root(2), collective: true },
  gatherv: { spec: root(1), collective: true },
  allgatherv: { spec: [], collective: true },
  alltoallv: { spec: [], collective: true },
  reduceScatterBlock: { spec: [], collective: true },
  reduceScatter: { spec: [], collective: true },
  ibarrier: { spec: [], collective: true },
  ibcast: { spec: root(1), collective: true },
  iscatter: { spec: root(1), collective: true },
  igather: { spec: root(1), collective: true },
  iallgather: { spec: [], collective: true },
  ialltoall: { spec: [], collective: true },
  ireduce: { spec: root(2), collective: true },
  iallreduce: { spec: [], collective: true },
  iscan: { spec: [], collective: true },
  iexscan: { spec: [], collective: true },
};

/** Replaces the communicating methods of `prototype` (Communicator's) with tracked ones. */
export function trackCommunicator(prototype: object): void {
  const methods = prototype as Record<string, (this: Tracked, ...args: unknown[]) => unknown>;
  for (const [op, { spec, collective }] of Object.entries(kOperations)) {
    methods[op] = tracked(op, spec, collective, methods[op]);
  }
}
