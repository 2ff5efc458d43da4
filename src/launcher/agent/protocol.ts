/**
 * Messages between tsmpirun and its per-host agent (Open MPI's orted), one JSON object per
 * line over the launch command's stdin and stdout (ssh, srun). The channel is the launch
 * command's own: ssh authenticates and encrypts it, and the job's keys travel on it, never on a
 * command line or in an environment, where `ps` would show them.
 *
 *   launcher → agent  start     everything the host's ranks need (first line)
 *   agent → launcher  started   { ranks: [{ rank, pid }] }, or failed { message }
 *   agent → launcher  output    { rank, fd, data (base64) }; eof { rank, fd } when a pipe ends
 *   agent → launcher  exit      { rank, code, signal } when a rank has exited
 *   launcher → agent  signal    { ranks: number[] | 'all', signal }; stdin { data } / stdinEnd
 *   both ways         ping      every kHeartbeatMs; silence for kSilenceMs means the other
 *                               side is gone (a host cut off from the network sends no EOF)
 *   launcher → agent  finish    the job is over: stop what is left, then leave
 *   agent → launcher  done      every rank has exited and its output is sent; the agent exits
 */
import type { JobKeys } from '../../comm/bootstrap/keys.js';

export const kHeartbeatMs = 1000;
/** After this long without a line from the other side, it is taken for gone. */
export const kSilenceMs = 5000;
/**
 * The same through srun: the lines travel through slurmstepd and srun's own I/O forwarding,
 * which on a loaded node can hold them for seconds (seen: a live agent taken for lost after
 * 5 s in the full suite). Slurm ends the step itself when a node is lost, which closes the
 * channel, so the heartbeat is only the second line of defence there.
 */
export const kSilenceThroughSlurmMs = 15_000;

/**
 * Counts heartbeat periods without a line from the other side; call `heard()` on every line
 * and `tick()` every kHeartbeatMs. It counts this process's own ticks rather than wall time,
 * so a stall of this process (a loaded machine) never looks like silence of the other side:
 * after a stall the overdue tick runs once, before the lines that came meanwhile are read,
 * and the next tick sees them.
 */
export class SilenceWatch {
  #heard = true;
  #missed = 0;
  readonly #limit: number;

  constructor(silenceMs = kSilenceMs) {
    this.#limit = Math.ceil(silenceMs / kHeartbeatMs);
  }

  get silenceMs(): number {
    return this.#limit * kHeartbeatMs;
  }

  heard(): void {
    this.#heard = true;
  }

  /** True once kSilenceMs / kHeartbeatMs ticks in a row passed without a line. */
  tick(): boolean {
    if (this.#heard) {
      this.#heard = false;
      this.#missed = 0;
      return false;
    }
    return ++this.#missed >= this.#limit;
  }
}

export interface StartMessage {
  type: 'start';
  /** The host as the launcher names it (hostfile), for messages. */
  host: string;
  program: string;
  programArgs: string[];
  cwd: string;
  /** The variables ranks get on top of the agent's own environment: -x exports and TSMPI_* options. */
  env: Record<string, string>;
  job: { size: number; localSize: number; jobId: string; control: string };
  keys: JobKeys;
  ranks: Array<{ rank: number; localRank: number }>;
  /** The interface to advertise (--iface); else the one that reaches `launcherAddress`. */
  iface?: string;
  launcherAddress: string;
  /** How long the agent waits without a line from the launcher before it takes it for gone. */
  silenceMs: number;
}

export type LauncherToAgent =
  | StartMessage
  | { type: 'signal'; ranks: number[] | 'all'; signal: NodeJS.Signals }
  | { type: 'stdin'; data: string }
  | { type: 'stdinEnd' }
  | { type: 'ping' }
  | { type: 'finish' };

export type AgentToLauncher =
  | { type: 'started'; ranks: Array<{ rank: number; pid: number | undefined }>; address: string }
  | { type: 'failed'; message: string }
  | { type: 'output'; rank: number; fd: 1 | 2; data: string }
  | { type: 'eof'; rank: number; fd: 1 | 2 }
  | { type: 'exit'; rank: number; code: number | null; signal: NodeJS.Signals | null; error?: string }
  | { type: 'ping' }
  | { type: 'done' };

export function encodeLine(message: LauncherToAgent | AgentToLauncher): string {
  return `${JSON.stringify(message)}\n`;
}

/**
 * Splits a byte stream into decoded messages. Lines that are not JSON objects with a `type`
 * (a login banner, a shell's chatter on stdout) are passed to `other` instead of crashing.
 */
export class LineDecoder<M extends { type: string }> {
  #pending = '';
  constructor(
    private readonly onMessage: (m: M) => void,
    private readonly other: (line: string) => void = () => {},
  ) {}

  push(chunk: Buffer | string): void {
    const text = this.#pending + chunk.toString();
    const lines = text.split('\n');
    this.#pending = lines.pop()!;
    for (const line of lines) {
      if (line.trim() === '') continue;
      let m: unknown;
      try {
        m = JSON.parse(line);
      } catch {
        this.other(line);
        continue;
      }
      if (m !== null && typeof m === 'object' && typeof (m as { type?: unknown }).type === 'string') this.onMessage(m as M);
      else this.other(line);
    }
  }
}
