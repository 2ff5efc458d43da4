/**
 * Memory that every rank of a communicator maps because they all run on one host: what the
 * host collectives (coll/bcast.ts, coll/allreduce-shared.ts) copy through instead of sending
 * a tree of point-to-point copies. The shared-memory transport provides it
 * (transport/host-scratch.ts); a communicator spanning hosts, or one on ZeroMQ, has none.
 */

/** One collective call's use of the communicator's host memory. */
export interface SharedTurn {
  /**
   * Resolves once every earlier call of this rank that took a turn is done with the memory.
   * Calls take turns in the order they start, the same on every rank, so waiting never deadlocks.
   */
  readonly ready: Promise<void>;
  /** The first `bytes` bytes of the memory, the same on every rank of the communicator. */
  scratch(bytes: number): Uint8Array;
  /** This call is done with the memory (also when it never used it). */
  done(): void;
  /**
   * Private memory for a result the call fills completely (not zeroed; large ones from a pool
   * that spares the page faults of fresh memory).
   */
  allocate(bytes: number): ArrayBuffer;
}

export interface HostMemory {
  /** Takes this call's turn; must be called synchronously when the call starts. */
  enter(): SharedTurn;
}
