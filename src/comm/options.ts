/**
 * Runtime options of a rank, read once from TSMPI_* environment variables. Tests and users
 * force a collective's algorithm with e.g. TSMPI_COLL_ALLREDUCE=ring.
 */
import type { CollectiveName, ForcedAlgorithms } from './coll/channel.js';

const kCollectives: readonly CollectiveName[] = [
  'barrier',
  'bcast',
  'scatter',
  'gather',
  'allgather',
  'alltoall',
  'reduce',
  'allreduce',
  'scan',
  'exscan',
  'scatterv',
  'gatherv',
  'allgatherv',
  'alltoallv',
  'reduce_scatter_block',
  'reduce_scatter',
];

export function forcedAlgorithmsFromEnv(env: NodeJS.ProcessEnv = process.env): ForcedAlgorithms {
  const forced: ForcedAlgorithms = {};
  for (const name of kCollectives) {
    const value = env[`TSMPI_COLL_${name.toUpperCase()}`];
    if (value !== undefined && value !== '' && value !== 'auto') forced[name] = value;
  }
  return forced;
}

const kUnits: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kib: 1024,
  kb: 1000,
  m: 1024 ** 2,
  mib: 1024 ** 2,
  mb: 1000 ** 2,
  g: 1024 ** 3,
  gib: 1024 ** 3,
  gb: 1000 ** 3,
};

/**
 * TSMPI_RECV_BUFFER: how many bytes of messages a rank holds for its program before senders
 * wait (p2p/flow-window.ts): a byte count with an optional unit (`64MiB`, `512k`, `1G`), or
 * `unlimited`. Undefined when unset (the default applies). A bad value is a RangeError naming
 * the variable and the value; the launcher checks it before starting any rank.
 */
export function receiveBufferFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const value = env.TSMPI_RECV_BUFFER;
  if (value === undefined || value.trim() === '') return undefined;
  if (value.trim().toLowerCase() === 'unlimited') return Infinity;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value);
  const unit = m === null ? undefined : kUnits[m[2].toLowerCase()];
  const bytes = unit === undefined ? NaN : Math.floor(Number(m![1]) * unit);
  if (!(bytes > 0)) {
    throw new RangeError(`TSMPI_RECV_BUFFER must be a positive size such as 64MiB, 512k or 1G, or "unlimited", got ${JSON.stringify(value)}`);
  }
  return bytes;
}

export type TransportChoice = 'auto' | 'zmq';

/**
 * TSMPI_TRANSPORT: `auto` (the default: shared memory between ranks of one host when its
 * native part is there, ZeroMQ otherwise) or `zmq` (ZeroMQ for every pair). Anything else is a
 * RangeError naming the variable and the value; the launcher checks before starting a rank.
 */
export function transportFromEnv(env: NodeJS.ProcessEnv = process.env): TransportChoice {
  return oneOf(env, 'TSMPI_TRANSPORT', ['auto', 'zmq']);
}

/** A variable that takes one of `choices` (any case), the first being the default. */
function oneOf<C extends string>(env: NodeJS.ProcessEnv, name: string, choices: readonly [C, ...C[]]): C {
  const value = env[name];
  if (value === undefined || value.trim() === '') return choices[0];
  const v = value.trim().toLowerCase();
  const found = choices.find((c) => c === v);
  if (found !== undefined) return found;
  throw new RangeError(`${name} must be ${choices.map((c) => `"${c}"`).join(' or ')}, got ${JSON.stringify(value)}`);
}

/**
 * Polling before sleeping, per wait (µs), when every rank of the host has a CPU. A sleeping
 * receiver costs a kernel wake-up (30-100 µs here) the next time; a budget well above the
 * usual gap between a rank's messages (a garbage collection pause, a short computation) keeps
 * the mean 8 B round trip near its median (measured: p99 35-90 µs with 1000, 140-260 with 50).
 */
export const kDefaultSpinUs = 1000;
/**
 * The same with more ranks than CPUs, where a poll yields its CPU between looks: many ranks
 * yielding to each other for long would cost every working rank a context switch per look.
 */
export const kDefaultYieldSpinUs = 50;

export interface SpinPolicy {
  /** How long a waiting rank polls its rings before it sleeps, in µs. */
  us: number;
  /** Whether it gives the CPU away between looks: when the host has more ranks than CPUs. */
  yield: boolean;
}

/**
 * TSMPI_SPIN_US: how long (µs) a waiting rank polls its shared-memory rings before it sleeps
 * in the kernel; default kDefaultSpinUs (kDefaultYieldSpinUs when oversubscribed). When the host has more ranks than CPUs the rank
 * polls yielding its CPU between looks (as MPI implementations do when oversubscribed):
 * busy polling there would hold the CPU the awaited rank needs. A bad value is a RangeError
 * naming the variable.
 */
export function spinFromEnv(env: NodeJS.ProcessEnv, localSize: number, cpus: number): SpinPolicy {
  const value = env.TSMPI_SPIN_US;
  const oversubscribed = localSize > cpus;
  if (value === undefined || value.trim() === '') return { us: oversubscribed ? kDefaultYieldSpinUs : kDefaultSpinUs, yield: oversubscribed };
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 1_000_000) {
    throw new RangeError(`TSMPI_SPIN_US must be an integer number of microseconds in [0, 1000000], got ${JSON.stringify(value)}`);
  }
  return { us: n, yield: oversubscribed };
}

export type BindPolicy = 'core' | 'none';

/**
 * TSMPI_BIND: `core` (the default) binds each rank of a host to a CPU of its own when the
 * host's ranks fit its CPUs, as MPI implementations do, so that two ranks polling for each
 * other never share one CPU; `none` leaves placement to the scheduler (e.g. for a rank that
 * runs worker threads). A host with more ranks than CPUs is never bound. A bad value is a
 * RangeError naming the variable.
 */
export function bindFromEnv(env: NodeJS.ProcessEnv = process.env): BindPolicy {
  return oneOf(env, 'TSMPI_BIND', ['core', 'none']);
}
