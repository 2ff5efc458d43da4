/**
 * Supervision of a set of rank processes (Open MPI's errmgr, execa's forceKillAfterDelay and
 * cleanupOnExit). The first failure decides how the job ends; every other rank is then stopped
 * with SIGTERM to its process group and SIGKILL after kKillGraceMs. Exits that follow a stop
 * are consequences, not failures. Knows nothing of the control plane or of output, so the
 * per-host agent can reuse it for its own ranks.
 */
import { constants } from 'node:os';
import type { JobEnd, RankReport } from './job-end.js';
import type { RankExit, RankProcess } from './spawn/local.js';

/** Time between SIGTERM and SIGKILL when stopping ranks. */
export const kKillGraceMs = 1000;
const kPollMs = 20;

export type { JobEnd, RankFailure, RankReport } from './job-end.js';

/** tsmpirun's exit status for a job end (see the --help text). */
export function exitStatusOf(end: JobEnd): number {
  switch (end.kind) {
    case 'ok':
      return 0;
    case 'exit':
      return end.exitCode;
    case 'signal':
    case 'interrupted':
      return 128 + (constants.signals[end.signal] ?? 0);
    case 'abort':
      return Number.isInteger(end.code) && end.code >= 0 && end.code <= 255 ? end.code : 1;
    case 'timeout':
      return 124;
    default:
      return 1;
  }
}

/**
 * SIGKILL to every rank's process group, then waits, at most `graceMs`, until nothing a rank
 * started in its group is left. The end of every set of ranks: the supervisor's job, and the
 * per-host agent's ranks when it leaves.
 */
export async function killAndReap(ranks: readonly RankProcess[], graceMs = kKillGraceMs): Promise<void> {
  for (const r of ranks) r.signal('SIGKILL');
  const deadline = Date.now() + graceMs;
  while (ranks.some((r) => r.lingering()) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, kPollMs));
  }
}

/**
 * Watches ranks until all have exited.
 *
 * ```ts
 * const supervisor = new Supervisor(ranks);
 * const end = await supervisor.wait();   // { kind: 'ok' } or the first failure
 * ```
 */
export class Supervisor {
  readonly #ranks: readonly RankProcess[];
  readonly #alive = new Set<number>();
  readonly #graceMs: number;
  readonly #onCleanExit: ((rank: RankProcess) => void) | undefined;
  readonly #allExited: Promise<void>;
  #end: Exclude<JobEnd, { kind: 'ok' }> | undefined;
  #stopped = 0;
  #killTimer: NodeJS.Timeout | undefined;

  constructor(ranks: readonly RankProcess[], options: { graceMs?: number; onCleanExit?: (rank: RankProcess) => void } = {}) {
    this.#ranks = ranks;
    this.#graceMs = options.graceMs ?? kKillGraceMs;
    this.#onCleanExit = options.onCleanExit;
    for (const r of ranks) this.#alive.add(r.rank);
    this.#allExited = Promise.all(ranks.map((r) => r.exited.then((exit) => this.#onExit(r, exit)))).then(() => {
      clearTimeout(this.#killTimer);
    });
  }

  /** The first failure, or undefined while none happened. */
  get end(): Exclude<JobEnd, { kind: 'ok' }> | undefined {
    return this.#end;
  }

  /** How many ranks (other than the failed one) were still running when the job was stopped. */
  get stopped(): number {
    return this.#stopped;
  }

  /** Whether `rank` is still running. */
  isAlive(rank: number): boolean {
    return this.#alive.has(rank);
  }

  /** Ends the job with `end` unless it already ended; stops every running rank. */
  fail(end: Exclude<JobEnd, { kind: 'ok' }>): void {
    if (this.#end !== undefined) return;
    this.#end = end;
    // The failed rank, or every rank of a lost host: these are not "stopped", they are gone.
    const failed = new Set(end.kind === 'host-lost' ? end.ranks : 'rank' in end ? [end.rank] : []);
    const others = this.#ranks.filter((r) => this.#alive.has(r.rank) && !failed.has(r.rank));
    this.#stopped = others.length;
    for (const r of others) r.signal('SIGTERM');
    // A rank that reported its own failure is exiting by itself (with its own status); one
    // that merely exited is gone. Either way only the SIGKILL below may still be needed.
    this.#killTimer = setTimeout(() => this.killAll(), this.#graceMs);
  }

  /**
   * A rank's own account of its failure. It replaces a plain exit of the same rank: the exit
   * (via SIGCHLD) and the report (via the control socket) race, and the report is what the
   * user needs. Reports from other ranks after the first failure are consequences.
   */
  report(report: RankReport): void {
    const r = this.#ranks.find((x) => x.rank === report.rank);
    const withPid = { ...report, ...(r?.pid === undefined ? {} : { pid: r.pid }), ...(r?.host === undefined ? {} : { host: r.host }) };
    if (this.#end === undefined) this.fail(withPid);
    else if (this.#end.kind === 'exit' && this.#end.rank === report.rank) this.#end = withPid;
  }

  /** SIGKILL to every rank's process group, now. Synchronous, so safe in process.on('exit'). */
  killAll(): void {
    for (const r of this.#ranks) r.signal('SIGKILL');
  }

  /**
   * Resolves once every rank has exited and nothing a rank started in its group is left
   * (SIGKILL, then waiting up to the grace period for the groups to vanish).
   */
  async wait(): Promise<JobEnd> {
    await this.#allExited;
    await killAndReap(this.#ranks, this.#graceMs);
    return this.#end ?? { kind: 'ok' };
  }

  #onExit(r: RankProcess, exit: RankExit): void {
    this.#alive.delete(r.rank);
    if (this.#end !== undefined) return;
    const at = { rank: r.rank, ...(r.pid === undefined ? {} : { pid: r.pid }), ...(r.host === undefined ? {} : { host: r.host }) };
    if (exit.lost !== undefined) {
      const ranks = this.#ranks.filter((x) => x.host === r.host).map((x) => x.rank);
      this.fail({ ...at, kind: 'host-lost', host: r.host ?? '', ranks, reason: exit.lost });
    } else if (exit.error) this.fail({ ...at, kind: 'spawn', error: exit.error });
    else if (exit.signal !== null) this.fail({ ...at, kind: 'signal', signal: exit.signal });
    else if (exit.code !== 0) this.fail({ ...at, kind: 'exit', exitCode: exit.code ?? 1 });
    else this.#onCleanExit?.(r);
  }
}

/**
 * Forwards SIGINT, SIGTERM and SIGHUP sent to the launcher: the first ends the job (its ranks
 * get SIGTERM, then SIGKILL), a second one kills every rank at once. Installed before anything
 * is created, so a signal that arrives while the job is being set up is not lost to Node's
 * default action (which would skip all cleanup): it is kept in `received` and applied once a
 * supervisor is attached.
 */
export class SignalForwarder {
  static readonly signals: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  #received: NodeJS.Signals | undefined;
  #count = 0;
  #supervisor: Supervisor | undefined;
  readonly #onSignal = (signal: NodeJS.Signals): void => {
    this.#received ??= signal;
    if (++this.#count > 1) this.#supervisor?.killAll();
    else this.#supervisor?.fail({ kind: 'interrupted', signal });
  };

  constructor() {
    for (const s of SignalForwarder.signals) process.on(s, this.#onSignal);
  }

  /** The first signal received, if any. */
  get received(): NodeJS.Signals | undefined {
    return this.#received;
  }

  /** Directs signals to `supervisor`, applying one that already arrived. */
  attach(supervisor: Supervisor): void {
    this.#supervisor = supervisor;
    if (this.#received !== undefined) supervisor.fail({ kind: 'interrupted', signal: this.#received });
  }

  /** Restores Node's default handling. */
  dispose(): void {
    for (const s of SignalForwarder.signals) process.off(s, this.#onSignal);
  }
}
