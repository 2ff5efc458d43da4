/**
 * The transport layer moves frames between ranks of one job, identified by their COMM_WORLD
 * rank. It knows nothing of tags, contexts or communicators. Guarantees every implementation
 * must give:
 * - frames sent from one rank to another arrive in the order they were sent (one pipe per pair);
 * - nothing is dropped: when a peer cannot take more, `send` waits (backpressure);
 * - `send` resolves once the frames are queued for delivery; the caller may not touch them after.
 */
import type { HostMemory } from '../host-memory.js';

/**
 * `owned`: the frames are ordinary Node memory, the receiver's to keep and forward. Otherwise
 * (ZeroMQ's zero-copy frames) they are only borrowed: copy before sending them on.
 * The handler returns true when it kept no reference to the header or frames (it copied what
 * it needed, or needed nothing): a transport may then write that memory again for later
 * messages. Anything else leaves the memory to the handler.
 */
export type MessageHandler = (peer: number, header: Buffer, packets: Buffer[], owned?: boolean) => boolean | void;

export interface Transport {
  /** This rank's address, as other ranks connect to it. */
  readonly endpoint: string;
  /**
   * Where every rank listens (index = rank; several endpoints separated by spaces) and on
   * which host; given once the launcher has heard from every rank.
   */
  setDirectory(endpoints: readonly string[], hosts?: readonly string[]): void;
  send(peer: number, frames: Buffer[]): Promise<void>;
  /**
   * True when `send` to `peer` has copied every byte of the frames by the time it resolves, so
   * a caller's own memory may go out without a defensive copy as long as it waits for that.
   */
  copiesBeforeResolving?(peer: number): boolean;
  onMessage(handler: MessageHandler): void;
  /**
   * The frames of a message from `peer` that its handler kept (it did not return true) and
   * that nothing references any more: the transport may write their memory again.
   */
  recycle?(peer: number, frames: readonly Buffer[]): void;
  /**
   * Memory shared by the ranks `group` (COMM_WORLD ranks, first one first) when they all run on
   * this rank's host behind shared memory; `name` tells communicators apart.
   */
  hostMemory?(group: readonly number[], name: string): HostMemory | undefined;
  /**
   * Which host each rank of `group` runs on (indices in order of first appearance), when the
   * group spans hosts and several of its ranks share one behind shared memory; else undefined.
   */
  hostLayout?(group: readonly number[]): number[] | undefined;
  /**
   * While true the transport keeps the process alive and reads promptly; while false it still
   * drains arrivals in the background but lets the process exit once the program is done.
   */
  setActive(active: boolean): void;
  close(): Promise<void>;
}
