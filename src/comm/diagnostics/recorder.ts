/**
 * What this rank's communication did, for `tsmpirun --trace FILE` and `--stats`: spans (every
 * message sent and received, every collective, every wait on a request or blocking call) and
 * per-rank counters. At the rank's end (its program is done, it fails, or the launcher stops
 * it) the record goes to the launcher over the control channel.
 *
 * Off unless the launcher set TSMPI_TRACE=1 or TSMPI_STATS=1. Callers test {@link recording}
 * (a constant) before calling anything here, so with it off the message path pays one
 * boolean check and allocates nothing. With --stats alone only collectives are kept as spans
 * (for the slowest-collectives list); messages are only counted.
 *
 * Times are performance.now() of this process, turned into ms since the job's epoch (the
 * launcher's clock at job start, TSMPI_TRACE_EPOCH) when the report is built: every rank's
 * timeline shares one origin.
 */
import os from 'node:os';
import { kDiagEnv, kEnv } from '../bootstrap/env.js';
import type { DiagCounters, DiagMessage, DiagSpan } from '../bootstrap/protocol.js';
import { kRecorderKey, type RankGlobals } from '../bootstrap/rank-globals.js';

export const recording = process.env[kDiagEnv.trace] === '1' || process.env[kDiagEnv.stats] === '1';
const keepMessages = process.env[kDiagEnv.trace] === '1';

/** Spans per control message: one part stays well under a megabyte of JSON. */
export const kSpansPerPart = 4000;
/** A rank keeps at most this many spans (about 100 MB of trace JSON over the job at worst). */
const kMaxSpans = 500_000;

const spans: DiagSpan[] = [];
const counters: DiagCounters = { msgsSent: 0, msgsRecv: 0, bytesSent: 0, bytesRecv: 0, waitMs: 0, totalMs: 0, droppedSpans: 0 };
/** When the rank's clock starts: once the job has formed (see {@link observeInit}). */
let born = performance.now();
/** Blocking calls in progress (they overlap: waitall, sendrecv), and since when the first. */
let busy = 0;
let busySince = 0;

function keep(span: DiagSpan): void {
  if (spans.length < kMaxSpans) spans.push(span);
  else counters.droppedSpans++;
}

/** A message handed to the transport: `seq` is its number from this rank to `peer`. */
export function recordSend(peer: number, tag: number, bytes: number, seq: number, start: number, end: number): void {
  counters.msgsSent++;
  counters.bytesSent += bytes;
  if (keepMessages) keep({ kind: 'send', name: 'send', start, end, peer, tag, bytes, seq });
}

/** A receive matched and complete: from when it was posted to when its message was here. */
export function recordRecv(peer: number, tag: number, bytes: number, seq: number, start: number, end: number): void {
  counters.msgsRecv++;
  counters.bytesRecv += bytes;
  if (keepMessages) keep({ kind: 'recv', name: 'recv', start, end, peer, tag, bytes, seq });
}

/** The program entered a call that waits (any but isend/irecv); {@link leaveWait} when it settles. */
export function enterWait(at: number): void {
  if (busy++ === 0) busySince = at;
}

export function leaveWait(at: number): void {
  if (--busy === 0) counters.waitMs += at - busySince;
}

/** A collective call, or a wait (`wait`, `probe`, `finalize`, `init`), from call to settlement. */
export function recordCall(kind: 'coll' | 'wait', name: string, start: number, end: number, comm?: string, call?: number): void {
  if (kind === 'wait' && !keepMessages) return;
  keep({ kind, name, start, end, ...(comm === undefined ? {} : { comm }), ...(call === undefined ? {} : { call }) });
}

/**
 * Registers a waiting call that returned `settled`: counted as time in communication until it
 * settles, and then kept as a span if `span`. Only called while {@link recording}.
 */
export function observeCall(
  kind: 'coll' | 'wait',
  name: string,
  start: number,
  settled: PromiseLike<unknown>,
  span: boolean,
  comm?: string,
  call?: number,
): void {
  enterWait(start);
  const done = (): void => {
    const end = performance.now();
    leaveWait(end);
    if (span) recordCall(kind, name, start, end, comm, call);
  };
  settled.then(done, done);
}

/**
 * Joining the job (the import of tsmpi) is a span, but neither waiting nor computing: the
 * counters start once every rank is there, so a slow start does not read as communication.
 */
export function observeInit(start: number, settled: PromiseLike<unknown>): void {
  const done = (): void => {
    born = performance.now();
    recordCall('wait', 'init', start, born);
  };
  settled.then(done, done);
}

/** The report as control messages (without type and rank), spans in parts of kSpansPerPart. */
export function reportParts(epochOffsetMs: number, now = performance.now()): Omit<DiagMessage, 'type' | 'rank'>[] {
  const shift = (t: number): number => Math.round((t + epochOffsetMs) * 1000) / 1000;
  const waiting = busy > 0 ? now - busySince : 0;
  const totals: DiagCounters = { ...counters, waitMs: counters.waitMs + waiting, totalMs: now - born };
  const shifted = spans.map((s) => ({ ...s, start: shift(s.start), end: shift(s.end) }));
  const parts: Omit<DiagMessage, 'type' | 'rank'>[] = [];
  for (let i = 0; i === 0 || i * kSpansPerPart < shifted.length; i++) {
    parts.push({
      part: i,
      last: (i + 1) * kSpansPerPart >= shifted.length,
      ...(i === 0 ? { host: process.env[kEnv.node] ?? os.hostname(), counters: totals } : {}),
      spans: shifted.slice(i * kSpansPerPart, (i + 1) * kSpansPerPart),
    });
  }
  return parts;
}

/** ms to add to this process's performance.now() to get ms since the job's epoch. */
function epochOffset(): number {
  const epoch = Number(process.env[kDiagEnv.epoch]);
  return Number.isFinite(epoch) ? performance.timeOrigin - epoch : 0;
}

let reported: Promise<void> | undefined;

/** Sends the report to the launcher, once; resolves when it is acknowledged or given up on. */
export function flushReport(): Promise<void> {
  reported ??= (async () => {
    try {
      const { controlClient } = await import('../bootstrap/control-client.js');
      await controlClient()?.reportDiagnostics(reportParts(epochOffset()));
    } catch {
      // No launcher to tell: the record is lost, the rank still ends.
    }
  })();
  return reported;
}

// The launcher's preload (which never imports the rank API) reports a failing rank's record
// through this, before its failure report.
if (recording) {
  (globalThis as RankGlobals)[kRecorderKey] = { flush: flushReport };
  // The program is done: report, which keeps the rank alive until acknowledged; then it ends.
  process.on('beforeExit', () => void flushReport());
  // Stopped by the launcher (another rank failed): report, then die of the signal as before.
  process.once('SIGTERM', () => {
    void flushReport().finally(() => process.kill(process.pid, 'SIGTERM'));
  });
}
