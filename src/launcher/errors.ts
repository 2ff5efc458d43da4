/**
 * Errors of the launcher. Like execa's `ExecaError`, one class carries the facts as fields
 * (`rank`, `pid`, `exitCode`, `signal`, `host`) and keeps the underlying error as `cause`, so
 * callers branch on `code` and never parse messages. Messages carry no `tsmpirun: ` prefix;
 * the CLI adds it when printing.
 */

/** What went wrong, named after where it happened. */
export type LaunchErrorCode =
  /** A bad command line: unknown option, bad value, no program. */
  | 'ERR_USAGE'
  /** The hostfile cannot be read or has a syntax error. */
  | 'ERR_HOSTFILE'
  /** The program file is missing or unreadable. */
  | 'ERR_PROGRAM'
  /** More ranks than slots without `--oversubscribe`. */
  | 'ERR_SLOTS'
  /** A host of --host/--hostfile that cannot be resolved. */
  | 'ERR_REMOTE_HOST'
  /** A rank process could not be started. */
  | 'ERR_SPAWN'
  /** The control plane (job directory, control socket) could not be set up. */
  | 'ERR_CONTROL'
  /** A rank failed: non-zero exit, signal, uncaught error, abort, or left before joining. */
  | 'ERR_RANK_FAILED'
  /** `--timeout` expired. */
  | 'ERR_TIMEOUT'
  /** The launcher received SIGINT, SIGTERM or SIGHUP. */
  | 'ERR_INTERRUPTED'
  /** A Slurm hostlist or `SLURM_*` variable that cannot be understood. */
  | 'ERR_SLURM';

/** Facts attached to a {@link LaunchError}. */
export interface LaunchErrorDetails {
  cause?: unknown;
  rank?: number;
  pid?: number;
  host?: string;
  exitCode?: number;
  signal?: NodeJS.Signals;
}

/**
 * A failure of the launch or of the job.
 *
 * ```ts
 * try { await runJob(options, 'prog.ts', []) }
 * catch (e) { if (e instanceof LaunchError && e.code === 'ERR_HOSTFILE') console.error(e.message) }
 * ```
 */
export class LaunchError extends Error {
  readonly code: LaunchErrorCode;
  readonly rank?: number;
  readonly pid?: number;
  readonly host?: string;
  readonly exitCode?: number;
  readonly signal?: NodeJS.Signals;

  constructor(code: LaunchErrorCode, message: string, details: LaunchErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'LaunchError';
    this.code = code;
    if (details.rank !== undefined) this.rank = details.rank;
    if (details.pid !== undefined) this.pid = details.pid;
    if (details.host !== undefined) this.host = details.host;
    if (details.exitCode !== undefined) this.exitCode = details.exitCode;
    if (details.signal !== undefined) this.signal = details.signal;
  }
}

/** A bad command line (`code` is always `'ERR_USAGE'`); the CLI exits with status 2. */
export class UsageError extends LaunchError {
  constructor(message: string, cause?: unknown) {
    super('ERR_USAGE', message, cause === undefined ? {} : { cause });
    this.name = 'UsageError';
  }
}

const kUserMistakes: ReadonlySet<LaunchErrorCode> = new Set(['ERR_USAGE', 'ERR_HOSTFILE', 'ERR_PROGRAM', 'ERR_SLOTS', 'ERR_REMOTE_HOST']);

/**
 * The exit status for an error raised before any rank started: 2 for a mistake in the
 * command line, its hostfile or its program (nothing was run), 1 for anything else.
 */
export function exitStatusForLaunchError(error: LaunchError): number {
  return kUserMistakes.has(error.code) ? 2 : 1;
}
