/**
 * Acknowledgements: which messages ask their receiver to acknowledge them on arrival, and what
 * waits for that. Two things do:
 * - the rank's pending count, so that a rank whose program is done stays until what it sent
 *   has arrived (every kAckEveryBytes to a peer, one message asks);
 * - the send of a large message over a transport that does not copy it first
 *   (kResolveOnDeliveryBytes): it resolves on the acknowledgement, once every byte was read.
 */
import { kFlag } from './envelope.js';
import { messageKey, type EngineLink } from './engine-link.js';

/**
 * Once this many bytes have gone to a peer since the last acknowledgement was asked for, the
 * next message asks the receiver to acknowledge it on arrival, and this rank stays alive until
 * that acknowledgement comes back. So when a program ends, little is still on its way: ZeroMQ
 * flushes that small remainder at exit quickly (with more, it stalls the exit and warns), and
 * no buffer is freed while still being sent.
 */
export const kAckEveryBytes = 256 * 1024;
/**
 * Over ZeroMQ a message this large is sent without a copy at the call: its send resolves when
 * the receiver acknowledges it (it asks for that anyway, being at least kAckEveryBytes), which
 * is when the sender's memory has been read in full. Copying 16 MiB at the call took longer
 * than a round trip for the acknowledgement (measured: 3-4 ms of a 13 ms ping-pong).
 */
export const kResolveOnDeliveryBytes = kAckEveryBytes;
/** An acknowledgement that never comes (the receiver died) stops holding this rank after this. */
const kAckWaitMs = 30_000;

interface Delivery {
  resolve(): void;
  reject(e: unknown): void;
}

export class Acknowledgements {
  readonly #link: EngineLink;
  /** Per peer: bytes sent since the last acknowledgement was asked for. */
  readonly #unacked: Float64Array;
  /** Asked for and not answered yet, by message key: ends the pending count it holds. */
  readonly #awaiting = new Map<number, () => void>();
  readonly #deliveries = new Map<number, Delivery>();

  constructor(link: EngineLink, size: number) {
    this.#link = link;
    this.#unacked = new Float64Array(size);
  }

  /** kFlag.ack when this message brings what was sent to `dest` since the last request to kAckEveryBytes. */
  flag(dest: number, seq: number, bytes: number): number {
    if ((this.#unacked[dest] += bytes) < kAckEveryBytes) return 0;
    this.#unacked[dest] = 0;
    this.#expect(dest, seq);
    return kFlag.ack;
  }

  /** `sent`, or for a large message not copied by the transport, its acknowledgement too. */
  settle(dest: number, seq: number, bytes: number, sent: Promise<void>): Promise<void> {
    if (bytes < kResolveOnDeliveryBytes || this.#link.copiesBeforeResolving(dest)) return sent;
    const k = messageKey(dest, seq);
    const delivered = new Promise<void>((resolve, reject) => this.#deliveries.set(k, { resolve, reject }));
    sent.catch((err: unknown) => {
      this.#deliveries.get(k)?.reject(err);
      this.#deliveries.delete(k);
    });
    return delivered;
  }

  acknowledged(peer: number, seq: number): void {
    const k = messageKey(peer, seq);
    this.#awaiting.get(k)?.();
    const delivery = this.#deliveries.get(k);
    if (delivery === undefined) return;
    this.#deliveries.delete(k);
    delivery.resolve();
  }

  /** Nothing more will be acknowledged: stop holding the rank, fail the sends waiting. */
  fail(error: Error): void {
    for (const done of [...this.#awaiting.values()]) done();
    for (const d of this.#deliveries.values()) d.reject(error);
    this.#deliveries.clear();
  }

  #expect(peer: number, seq: number): void {
    const k = messageKey(peer, seq);
    const done = (): void => {
      clearTimeout(timer);
      if (this.#awaiting.delete(k)) this.#link.end();
    };
    const timer = setTimeout(done, kAckWaitMs);
    timer.unref();
    this.#awaiting.set(k, done);
    this.#link.begin();
  }
}
