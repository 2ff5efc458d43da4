/**
 * The launcher ↔ rank contract: which environment variables the launcher sets for every rank
 * and how a rank reads them. comm/ never imports the launcher; the launcher imports this contract
 * (and the control plane's keys.ts and protocol.ts).
 *
 * Public (documented for users): TSMPI_RANK, TSMPI_SIZE, TSMPI_LOCAL_RANK, TSMPI_LOCAL_SIZE.
 * Internal: TSMPI_JOB_ID, TSMPI_CONTROL (the launcher's control endpoint), TSMPI_JOB_DIR (a
 * private directory for this host's ipc endpoints), TSMPI_KEYS (the path of the job's key file,
 * see keys.ts: the secret itself is never in the environment, which `ps e` shows), and for
 * jobs spanning hosts TSMPI_ADDRESS and TSMPI_NODE.
 */
export interface RankEnv {
  rank: number;
  size: number;
  localRank: number;
  localSize: number;
  jobId: string;
  /** ZeroMQ endpoint of the launcher's control socket (HELLO → DIRECTORY, failure reports). */
  control: string;
  /** Directory, readable only by the user, where this host's ranks bind their ipc sockets. */
  jobDir: string;
  /**
   * Path of the job's key file (keys.ts). tsmpirun always sets it and parseRankEnv requires
   * it; only in-process tests build a RankEnv without one (no CURVE).
   */
  keys?: string;
  /**
   * When the job spans hosts: the address this rank binds a tcp endpoint on, besides its ipc
   * one (the interface that reaches the launcher, or --iface).
   */
  address?: string;
  /** The host this rank runs on as the launcher names it; ranks on the same host talk over ipc. */
  node?: string;
}

export const kEnv = {
  rank: 'TSMPI_RANK',
  size: 'TSMPI_SIZE',
  localRank: 'TSMPI_LOCAL_RANK',
  localSize: 'TSMPI_LOCAL_SIZE',
  jobId: 'TSMPI_JOB_ID',
  control: 'TSMPI_CONTROL',
  jobDir: 'TSMPI_JOB_DIR',
  keys: 'TSMPI_KEYS',
  address: 'TSMPI_ADDRESS',
  node: 'TSMPI_NODE',
  /** Set for ranks on the launcher's host when its stderr is a terminal: that terminal's width. */
  stderrColumns: 'TSMPI_STDERR_COLUMNS',
} as const;

/**
 * What `tsmpirun --trace/--stats` tells ranks (comm/diagnostics/recorder.ts). Not part of kEnv:
 * ranks on other hosts get them like any other TSMPI_* option.
 */
export const kDiagEnv = {
  trace: 'TSMPI_TRACE',
  stats: 'TSMPI_STATS',
  /** The launcher's clock at job start, ms since 1970: every rank's timeline starts there. */
  epoch: 'TSMPI_TRACE_EPOCH',
} as const;

/**
 * The width of the terminal a rank's stderr reaches: its own when it is one, else the
 * launcher's (whose forwarding passes redrawn lines on as they change); undefined otherwise.
 */
export function stderrTerminalColumns(env: NodeJS.ProcessEnv = process.env, stderr: Partial<NodeJS.WriteStream> = process.stderr): number | undefined {
  if (stderr.isTTY === true) return stderr.columns ?? 80;
  const columns = Number(env[kEnv.stderrColumns]);
  return Number.isInteger(columns) && columns > 0 ? columns : undefined;
}

function readInt(env: NodeJS.ProcessEnv, name: string, min: number, max: number): number {
  const raw = env[name];
  const value = Number(raw);
  if (raw === undefined || raw.trim() === '' || !Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`environment variable ${name} must be an integer in [${min}, ${max}], got "${raw}"`);
  }
  return value;
}

function readString(env: NodeJS.ProcessEnv, name: string): string {
  const raw = env[name];
  if (raw === undefined || raw === '') throw new RangeError(`environment variable ${name} must be set by tsmpirun, got nothing`);
  return raw;
}

/** True when this process was started by tsmpirun (or an agent of it). */
export function isLaunched(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[kEnv.rank] !== undefined && env[kEnv.control] !== undefined;
}

export function parseRankEnv(env: NodeJS.ProcessEnv = process.env): RankEnv {
  const size = readInt(env, kEnv.size, 1, 2 ** 20);
  const rank = readInt(env, kEnv.rank, 0, size - 1);
  const localSize = readInt(env, kEnv.localSize, 1, size);
  const localRank = readInt(env, kEnv.localRank, 0, localSize - 1);
  return {
    rank,
    size,
    localRank,
    localSize,
    jobId: readString(env, kEnv.jobId),
    control: readString(env, kEnv.control),
    jobDir: readString(env, kEnv.jobDir),
    keys: readString(env, kEnv.keys),
    ...(env[kEnv.address] ? { address: env[kEnv.address] } : {}),
    ...(env[kEnv.node] ? { node: env[kEnv.node] } : {}),
  };
}

export function formatRankEnv(e: RankEnv): Record<string, string> {
  return {
    [kEnv.rank]: String(e.rank),
    [kEnv.size]: String(e.size),
    [kEnv.localRank]: String(e.localRank),
    [kEnv.localSize]: String(e.localSize),
    [kEnv.jobId]: e.jobId,
    [kEnv.control]: e.control,
    [kEnv.jobDir]: e.jobDir,
    ...(e.keys === undefined ? {} : { [kEnv.keys]: e.keys }),
    ...(e.address === undefined ? {} : { [kEnv.address]: e.address }),
    ...(e.node === undefined ? {} : { [kEnv.node]: e.node }),
  };
}
