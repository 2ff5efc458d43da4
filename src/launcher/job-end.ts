/**
 * How a job ends, as types only: the supervisor decides it, runJob returns it and help.ts words
 * it. Kept apart from all three so that the texts (imported by nearly every launcher module)
 * import nothing that imports them back.
 */
/** Why one rank made the job fail. */
export type RankFailure = { rank: number; pid?: number; /** Where it ran, when not on this host. */ host?: string } & (
  | { kind: 'exit'; exitCode: number }
  | { kind: 'signal'; signal: NodeJS.Signals }
  | { kind: 'exception' | 'rejection'; stack: string }
  | { kind: 'abort'; code: number }
  | { kind: 'not-joined' }
  | { kind: 'spawn'; error: Error }
  | { kind: 'host-lost'; host: string; /** Every rank of that host. */ ranks: number[]; reason: string }
);

/** How a job ended. */
export type JobEnd =
  | { kind: 'ok' }
  | RankFailure
  | { kind: 'timeout'; seconds: number; /** The hang report's lines, taken before the ranks were stopped. */ report?: string[] }
  | { kind: 'interrupted'; signal: NodeJS.Signals };

/** A failure report from the rank itself, which explains its exit better than a code does. */
export type RankReport = Extract<RankFailure, { kind: 'exception' | 'rejection' | 'abort' }>;

/** How a job ended, and what tsmpirun reports about it. */
export interface JobResult {
  end: JobEnd;
  exitStatus: number;
  /** Ranks still running when the job was stopped (the failed rank not counted). */
  stopped: number;
  size: number;
}
