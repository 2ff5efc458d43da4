/**
 * Control-plane messages between a rank and its launcher. One JSON frame per message over a
 * ZeroMQ DEALER (rank, routing id = its rank) → ROUTER (launcher). Rare and small, so JSON's
 * cost does not matter and a human can read them in a capture.
 *
 *   rank → launcher   hello    { rank, pid, host, endpoint }   once, after binding its socket
 *   launcher → rank   directory{ endpoints, hosts }            once every rank has said hello
 *   rank → launcher   failed   { rank, reason, message, stack } uncaught error / rejection
 *   rank → launcher   abort    { rank, code }                  comm.abort(code)
 *   launcher → rank   failed / abort echoed back               the report was handled: the rank
 *                                                              may exit (process.exit does not
 *                                                              flush ZeroMQ, so reports are acked)
 *   rank → launcher   waits    { rank, waits }                 what the program waits on, when the
 *                                                              launcher asks (SIGUSR2 to the rank)
 *   rank → launcher   diag     { rank, part, last, ... }       --trace/--stats: what the rank's
 *                                                              communication did, at its end, in
 *                                                              bounded parts
 *   launcher → rank   diag-ack { rank, part }                  that part arrived
 */
/**
 * `started`: when the rank's process started; `loading`: when tsmpi began connecting (its
 * code loaded), both ms since 1970, for the start-up line of --stats.
 */
export interface HelloMessage {
  type: 'hello';
  rank: number;
  pid: number;
  host: string;
  endpoint: string;
  started?: number;
  loading?: number;
}
/**
 * `endpoints[r]`: rank r's endpoints separated by spaces (ipc, and tcp when the job spans
 * hosts); `hosts[r]`: the host it runs on, so ranks on the same host use ipc.
 */
export interface DirectoryMessage {
  type: 'directory';
  endpoints: string[];
  hosts: string[];
}
export interface FailedMessage {
  type: 'failed';
  rank: number;
  reason: 'exception' | 'rejection';
  /** `util.inspect` of the error: its stack, or the value that was thrown. */
  stack: string;
}
export interface AbortMessage {
  type: 'abort';
  rank: number;
  code: number;
}
/** An argument of a pending call as the hang report shows it, e.g. `['source', 0]`, `['tag', 'any']`. */
export type WaitArg = readonly [name: string, value: number | 'any'];
/** One pending call of a rank's program (see comm/diagnostics/waits.ts). */
export interface WaitInfo {
  /** The Communicator method (`recv`, `allreduce`, ...) or `finalize`. */
  op: string;
  /** The communicator's name: `COMM_WORLD`, `dup of COMM_WORLD`, ... */
  comm: string;
  args: readonly WaitArg[];
  /** For a collective: its number among the collectives called on `comm` (1 = the first). */
  call?: number;
  /** How long it has been pending. */
  ageMs: number;
  /** Where the program called it: `file.ts:line`. */
  site?: string;
}
export interface WaitsMessage {
  type: 'waits';
  rank: number;
  waits: WaitInfo[];
}

/**
 * One recorded span of a rank (comm/diagnostics/recorder.ts). Times are ms since the job's
 * epoch (the launcher's clock when the job started). `peer` is a COMM_WORLD rank; `seq` the
 * sender's per-peer message number, which links a send to its receive.
 */
export interface DiagSpan {
  kind: 'send' | 'recv' | 'wait' | 'coll';
  name: string;
  start: number;
  end: number;
  peer?: number;
  tag?: number;
  bytes?: number;
  seq?: number;
  /** Collective spans: the communicator and the call's number on it. */
  comm?: string;
  call?: number;
}
/** Per-rank totals over the whole run. */
export interface DiagCounters {
  msgsSent: number;
  msgsRecv: number;
  bytesSent: number;
  bytesRecv: number;
  /** Time with the program inside a blocking tsmpi call (or waiting on a request). */
  waitMs: number;
  /** From the job's forming (every rank joined) to the rank's report. */
  totalMs: number;
  /** Spans not kept because the rank's buffer was full. */
  droppedSpans: number;
}
/** Part 0 carries the counters and host; every part up to `last` carries spans. */
export interface DiagMessage {
  type: 'diag';
  rank: number;
  part: number;
  last: boolean;
  host?: string;
  counters?: DiagCounters;
  spans: DiagSpan[];
}
export interface DiagAckMessage {
  type: 'diag-ack';
  rank: number;
  part: number;
}

export type RankToLauncher = HelloMessage | FailedMessage | AbortMessage | WaitsMessage | DiagMessage;
export type LauncherToRank = DirectoryMessage | DiagAckMessage;

export function encodeControl(message: RankToLauncher | LauncherToRank): Buffer {
  return Buffer.from(JSON.stringify(message));
}

/** Parses a control frame; anything malformed gives `undefined` so a stray frame never crashes. */
export function decodeControl(frame: Buffer): RankToLauncher | LauncherToRank | undefined {
  try {
    const m = JSON.parse(frame.toString('utf8')) as { type?: unknown };
    if (m === null || typeof m !== 'object' || typeof m.type !== 'string') return undefined;
    switch (m.type) {
      case 'hello':
      case 'directory':
      case 'failed':
      case 'abort':
      case 'waits':
      case 'diag':
      case 'diag-ack':
        return m as RankToLauncher | LauncherToRank;
      default:
        return undefined;
    }
  } catch {
    return undefined;
  }
}
