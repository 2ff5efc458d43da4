/**
 * What a rank knows of the host it runs on, for memory shared between ranks (shared arrays,
 * shared locks): which host every COMM_WORLD rank runs on (from the launcher's directory, the
 * same on every rank, so every rank reaches the same verdict without a message), where this
 * host's job directory is, and the native part that maps files.
 *
 * It does not depend on the transport: ranks of one host share memory whether their messages
 * go through shared memory or, with TSMPI_TRANSPORT=zmq, over ZeroMQ (MPI's shared windows do
 * not depend on the transport either).
 */
import { loadShmNative, type ShmNative } from '../transport/shm-native.js';

export class SharedHost {
  /** Host name of each COMM_WORLD rank. */
  readonly #hostOf: readonly string[];
  /** This host's job directory (on a tmpfs; removed with the job however it ends). */
  readonly jobDir: string;

  constructor(hostOf: readonly string[], jobDir: string) {
    this.#hostOf = hostOf;
    this.jobDir = jobDir;
  }

  /**
   * The same non-negative number for every rank of one host and different ones for different
   * hosts: the smallest COMM_WORLD rank on the host (a split color).
   */
  colorOf(worldRank: number): number {
    return this.#hostOf.indexOf(this.#hostOf[worldRank]);
  }

  /** The name of the host COMM_WORLD rank `worldRank` runs on. */
  nameOf(worldRank: number): string {
    return this.#hostOf[worldRank];
  }

  /** Why the ranks `group` (COMM_WORLD ranks) cannot share memory; undefined when they can. */
  whyNotShared(group: readonly number[]): string | undefined {
    const hosts = [...new Set(group.map((r) => this.#hostOf[r]))];
    if (hosts.length > 1)
      return `its ranks run on ${hosts.length} hosts (${hosts.join(', ')}); splitShared() gives each host's ranks a communicator of their own`;
    return undefined;
  }

  /** The native part, or why it is missing (the same on every rank of a host). */
  native(): { native: ShmNative } | { why: string } {
    const shm = loadShmNative();
    return shm.available ? { native: shm.native } : { why: `shared memory is unavailable on this host: ${shm.reason}` };
  }
}
