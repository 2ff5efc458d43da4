/**
 * Control-plane messages between a rank and its launcher. One JSON frame per message over a
 * ZeroMQ DEALER (rank, routing id = its rank) → ROUTER (launcher). Rare and small, so JSON's
 * cost does not matter and a human can read them in a capture.
 *
 *   rank → launcher   hello    { rank, pid, host, endpoint }   once, after binding its socket
 *   launcher → rank   directory{ endpoints }                   once every rank has said hello
 *   rank → launcher   failed   { rank, reason, message, stack } uncaught error / rejection
 *   rank → launcher   abort    { rank, code }                  comm.abort(code)
 *   launcher → rank   failed / abort echoed back               the report was handled: the rank
 *                                                              may exit (process.exit does not
 *                                                              flush ZeroMQ, so reports are acked)
 */
export interface HelloMessage { type: 'hello'; rank: number; pid: number; host: string; endpoint: string }
export interface DirectoryMessage { type: 'directory'; endpoints: string[] }
export interface FailedMessage {
  type: 'failed';
  rank: number;
  reason: 'exception' | 'rejection';
  /** `util.inspect` of the error: its stack, or the value that was thrown. */
  stack: string;
}
export interface AbortMessage { type: 'abort'; rank: number; code: number }

export type RankToLauncher = HelloMessage | FailedMessage | AbortMessage;
export type LauncherToRank = DirectoryMessage;

export function encodeControl(message: RankToLauncher | LauncherToRank): Buffer {
  return Buffer.from(JSON.stringify(message));
}

/** Parses a control frame; anything malformed gives `undefined` so a stray frame never crashes. */
export function decodeControl(frame: Buffer): RankToLauncher | LauncherToRank | undefined {
  try {
    const m = JSON.parse(frame.toString('utf8')) as { type?: unknown };
    if (m === null || typeof m !== 'object' || typeof m.type !== 'string') return undefined;
    switch (m.type) {
      case 'hello': case 'directory': case 'failed': case 'abort':
        return m as RankToLauncher | LauncherToRank;
      default:
        return undefined;
    }
  } catch {
    return undefined;
  }
}
