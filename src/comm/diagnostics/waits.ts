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
import { kWaitsKey, type RankGlobals } from '../bootstrap/rank-globals.js';
import { describeCall } from '../bootstrap/wait-text.js';
import { kCompletion } from '../completion.js';
import { observeCall, observeInit, recording } from './recorder.js';
import { kPackageRoot } from '../package-root.js';

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
  /** Its arguments, named (by `named`) only when a report asks: no closure per call. */
  args: readonly unknown[];
  named: ((...args: never[]) => readonly NamedArg[]) | undefined;
  call: number | undefined;
  since: number;
  site: { stack?: string };
}

const pending = new Set<Pending>();
const kNoSite: { stack?: string } = Object.freeze({});
/** > 0 while a tracked call runs synchronously: calls it makes (finalize → barrier) are its own parts. */
let depth = 0;

/** tsmpi's own code (dist/, src/): frames there are not the program's call site. */
const kLibraryDirs = [path.join(kPackageRoot, 'dist') + path.sep, path.join(kPackageRoot, 'src') + path.sep];

(globalThis as RankGlobals)[kWaitsKey] = { snapshot };

/**
 * A program that ends with calls still pending has usually forgotten an `await`
 * (`const m = comm.recv(0)`): its receive is dropped without a word. Say so, in one line, when
 * it ends by itself (status 0); a failing or aborted rank's pending calls are consequences.
 * The exit status stays the program's.
 */
let noted = false;
function notePending(code: number | string | null | undefined): void {
  if (noted || (code ?? 0) !== 0 || pending.size === 0) return;
  noted = true;
  process.stderr.write(`${pendingAtExitText(snapshot(), process.env.TSMPI_RANK ?? '0', kCaptureSites)}\n`);
}
// 'beforeExit' (the program is done) comes before the world closes its engine, which would
// settle what is pending; registered when the rank API loads, so before the world's own
// listener. 'exit' covers process.exit(0).
process.on('beforeExit', () => notePending(process.exitCode));
process.on('exit', (code) => notePending(code));

/** The line for a rank that ends with `waits` pending (oldest first). */
export function pendingAtExitText(waits: readonly WaitInfo[], rank: string, sitesRecorded: boolean): string {
  const [first] = waits;
  const where = first.site !== undefined ? ` at ${first.site}` : '';
  const more = waits.length > 1 ? ` and ${waits.length - 1} more call${waits.length > 2 ? 's' : ''}` : '';
  // Recording call sites costs microseconds per call, so only `tsmpirun --timeout` does.
  const hint = first.site === undefined && !sitesRecorded ? ' (tsmpirun --timeout names the program line)' : '';
  return `tsmpi: rank ${rank} ended with ${describeCall(first)} on ${first.comm}${where}${more} still pending: a missing await?${hint}`;
}

/** Every wait of this rank, oldest first, as sent to the launcher. */
export function snapshot(now = performance.now()): WaitInfo[] {
  return [...pending]
    .sort((a, b) => a.since - b.since)
    .map((p) => ({
      op: p.op,
      comm: p.comm,
      args: describe(p.named?.(...(p.args as never[])) ?? []),
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
export function callSite(stack: string, libraryDirs: readonly string[] = kLibraryDirs): string | undefined {
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
    if (file.startsWith('node:') || libraryDirs.some((d) => file.startsWith(d)) || !file.includes('/')) continue;
    return `${path.basename(file)}:${m[2]}`;
  }
  return undefined;
}

/** An argument as the report names it; -1 (ANY_SOURCE, ANY_TAG) or a non-number reads "any". */
export type NamedArg = readonly [name: string, value: unknown];

/** Reads a call's arguments by name, from the call's own parameters (their defaults included). */
export type ArgsOf<A extends unknown[]> = (...args: A) => readonly NamedArg[];

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
  op: string,
  named: ArgsOf<A> | undefined,
  collective: boolean,
  fn: (this: Tracked, ...args: A) => R,
  comm?: () => Tracked,
): (this: Tracked, ...args: A) => R {
  return function wrapper(this: Tracked, ...args: A): R {
    const self = comm?.() ?? this;
    let call: number | undefined;
    if (collective) collectiveCalls.set(self, (call = (collectiveCalls.get(self) ?? 0) + 1));
    if (depth > 0) return fn.apply(this, args);
    // Every call of an 8 B ping-pong goes through here: nothing is allocated that a report
    // would not need (the site only with call sites on, no closure for the arguments).
    const site: { stack?: string } = kCaptureSites ? {} : kNoSite;
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
    const entry: Pending = { op, comm: self.name, args, named: named as Pending['named'], call, since: performance.now(), site };
    pending.add(entry);
    const done = (): void => {
      pending.delete(entry);
    };
    settled.then(done, done);
    return result;
  };
}

function describe(named: readonly NamedArg[]): WaitArg[] {
  return named.map(([name, value]) => [name, typeof value === 'number' && value !== kAny ? value : 'any']);
}

/** How a communicating method is tracked: whether it is a collective, and its arguments by name. */
export interface WaitsOn<A extends unknown[]> {
  readonly collective: boolean;
  readonly args?: ArgsOf<A>;
}

/** For each communicating method of `C`, how it is tracked, typed by the method's own parameters. */
export type WaitTable<C> = {
  readonly [K in keyof C]?: C[K] extends (...args: infer A) => unknown ? WaitsOn<A> : never;
};

/**
 * Wraps the methods of `prototype` that `table` names so each call is registered while it is
 * pending (see {@link tracked}). Called once, where the class is defined.
 */
export function trackMethods<C extends object>(prototype: C, table: WaitTable<C>): void {
  const methods = prototype as Record<string, (this: Tracked, ...args: unknown[]) => unknown>;
  for (const [op, waits] of Object.entries(table) as [string, WaitsOn<unknown[]>][]) {
    methods[op] = tracked(op, waits.args, waits.collective, methods[op]);
  }
}
