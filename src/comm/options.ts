/**
 * Runtime options of a rank, read once from TSMPI_* environment variables. Tests and users
 * force a collective's algorithm with e.g. TSMPI_COLL_ALLREDUCE=ring.
 */
import type { CollectiveName, ForcedAlgorithms } from './coll/channel.js';

const kCollectives: readonly CollectiveName[] = [
  'barrier', 'bcast', 'scatter', 'gather', 'allgather', 'alltoall', 'reduce', 'allreduce', 'scan', 'exscan',
];

export function forcedAlgorithmsFromEnv(env: NodeJS.ProcessEnv = process.env): ForcedAlgorithms {
  const forced: ForcedAlgorithms = {};
  for (const name of kCollectives) {
    const value = env[`TSMPI_COLL_${name.toUpperCase()}`];
    if (value !== undefined && value !== '' && value !== 'auto') forced[name] = value;
  }
  return forced;
}

const kUnits: Record<string, number> = { '': 1, b: 1, k: 1024, kib: 1024, kb: 1000, m: 1024 ** 2, mib: 1024 ** 2, mb: 1000 ** 2, g: 1024 ** 3, gib: 1024 ** 3, gb: 1000 ** 3 };

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
