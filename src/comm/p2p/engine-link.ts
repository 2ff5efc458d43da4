/**
 * What the parts of the messaging engine (acknowledgements, rendezvous) need of it: this
 * rank's number, the transport, and the count of pending operations that keeps the rank
 * reading (and alive) while anything waits.
 */
export interface EngineLink {
  readonly rank: number;
  /** Hands frames to the transport, counted as pending until they are. */
  transmit(dest: number, frames: Buffer[]): Promise<void>;
  /** Hands frames to the transport, not counted (the caller counts what it waits for). */
  send(dest: number, frames: Buffer[]): Promise<void>;
  /** A header-only control message (kKind.ack, pull, decline, credit) for sequence number `seq`. */
  signal(peer: number, kind: number, seq: number): void;
  /** Whether the transport copies every byte of a message to `dest` before its send resolves. */
  copiesBeforeResolving(dest: number): boolean;
  begin(): void;
  end(): void;
}

/** One message of one peer: peer * 2^32 + its sequence number. */
export const messageKey = (peer: number, seq: number): number => peer * 2 ** 32 + seq;
export const peerOfKey = (k: number): number => Math.floor(k / 2 ** 32);
export const seqOfKey = (k: number): number => k % 2 ** 32;
