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
