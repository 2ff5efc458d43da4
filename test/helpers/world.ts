/** N ranks in one process over the loopback transport: the real engine, matching and collectives. */
import { Communicator } from '../../src/comm/communicator.js';
import type { ForcedAlgorithms } from '../../src/comm/coll/channel.js';
import { P2PEngine } from '../../src/comm/p2p/p2p-engine.js';
import { createLoopbackTransports } from '../../src/comm/transport/loopback-transport.js';

export function createLoopbackWorld(
  size: number,
  options: { maxDelayMs?: number; algorithms?: ForcedAlgorithms; windowPerPeer?: number } = {},
): Communicator[] {
  const transports = createLoopbackTransports(size, { maxDelayMs: options.maxDelayMs });
  const group = Array.from({ length: size }, (_, i) => i);
  return transports.map((t, rank) => {
    const engine = new P2PEngine(rank, size, t, { windowPerPeer: options.windowPerPeer });
    return new Communicator({ engine, group, rank, ctx: 0, algorithms: options.algorithms ?? {} });
  });
}

/** Runs `body` on every rank at once and returns the per-rank results. */
export function spmd<T>(comms: Communicator[], body: (comm: Communicator) => Promise<T>): Promise<T[]> {
  return Promise.all(comms.map(body));
}
