/**
 * What a collective algorithm sees of the world: its rank and size in the communicator and a
 * private message lane to every other rank. Each collective call gets a fresh channel (its own
 * tag on the communicator's collective context), so concurrent collectives never mix and user
 * wildcard receives never see collective traffic. Messages between two ranks on one channel
 * arrive in the order they were sent.
 */
import type { Stamp } from '../p2p/envelope.js';
import type { HostMemory } from '../host-memory.js';
import type { Packet } from '../serialization/packet.js';
import type { ScratchPool } from './scratch-pool.js';

export interface CollChannel {
  readonly rank: number;
  readonly size: number;
  /** Resolves once the packets are handed to the transport (never waits for the peer's recv). */
  send(peer: number, packets: readonly Packet[]): Promise<void>;
  /**
   * The next message from `peer` on this channel. `capture` runs as the message is matched and
   * gives the packets the receive resolves with (see CapturedReceives).
   */
  recv(peer: number, capture?: (packets: Packet[]) => Packet[]): Promise<Packet[]>;
  /**
   * True when every send of this channel has copied its bytes by the time it resolves (peers
   * behind shared memory): an algorithm may then send views on memory it changes or hands
   * back after awaiting the send, instead of a copy made at the call.
   */
  readonly sendCopies: boolean;
}

/** A communicator as the collectives see it: where to get channels and which algorithms are forced. */
export interface CollHost {
  readonly rank: number;
  readonly size: number;
  /**
   * A fresh channel for one collective call; every rank must open channels in the same order.
   * `signature` (coll/signature.ts) travels with every message of the call, so a rank whose
   * peer runs a different collective at this step gets ERR_MISMATCH instead of a hang.
   */
  channel(signature: Stamp): CollChannel;
  readonly algorithms: ForcedAlgorithms;
  /** Working memory the communicator's collectives borrow for one call. */
  readonly scratch: ScratchPool;
  /**
   * Memory this rank shares with the communicator's other ranks on its host (all of them when
   * the communicator lives on one host), behind shared memory; undefined when it has none.
   */
  readonly hostMemory?: HostMemory;
  /**
   * The host of each rank (an index) when the communicator spans hosts and several of its ranks
   * share one behind shared memory: the hierarchical algorithms' map. The same on every rank.
   */
  readonly hostOf?: readonly number[];
}

/** Algorithm names forced per collective (from TSMPI_COLL_<NAME> environment variables), else automatic. */
export type CollectiveName =
  | 'barrier'
  | 'bcast'
  | 'scatter'
  | 'gather'
  | 'allgather'
  | 'alltoall'
  | 'reduce'
  | 'allreduce'
  | 'scan'
  | 'exscan'
  | 'scatterv'
  | 'gatherv'
  | 'allgatherv'
  | 'alltoallv'
  | 'reduce_scatter_block'
  | 'reduce_scatter';
export type ForcedAlgorithms = Partial<Record<CollectiveName, string>>;
