/**
 * Flow control between ranks, pure bookkeeping: how many bytes each receiver holds for this
 * rank that its program has not received yet.
 *
 * A rank accepts up to a fixed number of such bytes per peer (the window, its receive buffer
 * shared out over its peers). A sender sends a message eagerly, packets and all, while the
 * message fits in what is left of its window at that receiver (or the window is empty: one
 * message of any size always goes). Beyond that the message goes as a rendezvous: only its
 * header travels, so the receiver can still match it in any order and nothing ever waits
 * behind it, and the packets follow when the receiver's program takes it. The receiver gives
 * the window back as its program receives eager messages, in batches of a quarter window.
 *
 * So a receiver's memory for messages it has not received is bounded by the window per peer
 * plus a small header per rendezvous message, however slow it is; the cost is that `send`
 * waits (for the receiver to take the message) once the window is full.
 */

/** What one message costs besides its bytes: header, frame and object overheads on both sides. */
export const kMessageOverhead = 256;
/** The smallest window per peer, whatever the receive buffer: a few typical messages. */
export const kMinWindowPerPeer = 64 * 1024;
/** Default receive buffer of a rank (TSMPI_RECV_BUFFER), shared out over its peers. */
export const kDefaultReceiveBuffer = 64 * 1024 * 1024;

export function messageCost(bytes: number): number {
  return bytes + kMessageOverhead;
}

/** The window per peer for a rank of a world of `size` with `receiveBuffer` bytes (Infinity: no limit). */
export function windowPerPeer(receiveBuffer: number, size: number): number {
  if (!Number.isFinite(receiveBuffer)) return Infinity;
  return Math.max(kMinWindowPerPeer, Math.floor(receiveBuffer / Math.max(1, size - 1)));
}

export class FlowWindow {
  readonly perPeer: number;
  /** Sender side: window left at each receiver. */
  readonly #left: Float64Array;
  /** Receiver side: bytes taken by the program since the last credit sent to each sender. */
  readonly #taken: Float64Array;
  readonly #batch: number;

  constructor(perPeer: number, size: number) {
    this.perPeer = perPeer;
    this.#left = new Float64Array(size).fill(perPeer);
    this.#taken = new Float64Array(size);
    // A credit's amount travels in a u32.
    this.#batch = Math.min(2 ** 31, Math.ceil(perPeer / 4));
  }

  get limited(): boolean {
    return Number.isFinite(this.perPeer);
  }

  /** Sender: whether a message of `cost` may go to `peer` eagerly now; if so it is charged. */
  charge(peer: number, cost: number): boolean {
    const left = this.#left[peer];
    if (left < cost && left !== this.perPeer) return false;
    this.#left[peer] = left - cost;
    return true;
  }

  /** Sender: `peer` gave back `amount`. */
  refund(peer: number, amount: number): void {
    this.#left[peer] = Math.min(this.perPeer, this.#left[peer] + amount);
  }

  /** Sender: window left at `peer` (negative after one message larger than the window). */
  left(peer: number): number {
    return this.#left[peer];
  }

  /** Receiver: the program took an eager message of `cost` from `peer`; gives the credit to send back now, or 0. */
  taken(peer: number, cost: number): number {
    if (!this.limited) return 0;
    const taken = this.#taken[peer] + cost;
    if (taken < this.#batch) {
      this.#taken[peer] = taken;
      return 0;
    }
    const credit = Math.min(taken, 2 ** 32 - 1);
    this.#taken[peer] = taken - credit;
    return credit;
  }
}
