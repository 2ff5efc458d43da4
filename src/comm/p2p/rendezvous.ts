/**
 * Rendezvous messages, for a receiver whose window for this rank is full
 * (p2p/flow-window.ts): the sender sends the header (with the packets' sizes) and parks the
 * packets; the receiver, once a receive matches, pulls them; the sender then sends them as a
 * payload message. A receiver that ends without receiving declines instead, so the sender stops
 * holding them. Both sides of it live here: what this rank parked, and what it was announced.
 */
import type { Acknowledgements } from './acknowledgements.js';
import { encodeEnvelope, kFlag, kKind, type Stamp } from './envelope.js';
import { messageKey, peerOfKey, seqOfKey, type EngineLink } from './engine-link.js';

/** A rendezvous message this rank sent and still holds the packets of. */
interface Parked {
  ctx: number;
  tag: number;
  codes: number[];
  frames: Buffer[];
  resolve(): void;
  reject(e: unknown): void;
}

/** An announced message a receive matched, whose packets were pulled and have not come yet. */
interface Pulling<M> {
  msg: M;
  resolve(m: M): void;
  reject(e: unknown): void;
}

/** An announced message as the engine holds it: its sender and, until pulled, its sequence number. */
interface Announced {
  readonly src: number;
  readonly rendezvous?: number;
}

export class Rendezvous<M extends Announced> {
  readonly #link: EngineLink;
  readonly #acks: Acknowledgements;
  /** Sent as a rendezvous, waiting for the receiver to pull, by message key. */
  readonly #parked = new Map<number, Parked>();
  /** Announced here and not matched yet (declined if this rank ends). */
  readonly #unmatched = new Set<number>();
  readonly #pulling = new Map<number, Pulling<M>>();

  constructor(link: EngineLink, acks: Acknowledgements) {
    this.#link = link;
    this.#acks = acks;
  }

  /** Sends only the header of a message and keeps its packets until `dest` pulls them. */
  park(dest: number, seq: number, m: { ctx: number; tag: number; codes: number[]; frames: Buffer[] }, stamp: Stamp | undefined): Promise<void> {
    const sizes = Buffer.allocUnsafe(8 * m.codes.length);
    for (let i = 0; i < m.codes.length; i++) sizes.writeDoubleLE(m.frames[i + 1].length, 8 * i);
    const header = encodeEnvelope({ flags: kFlag.rendezvous, ctx: m.ctx, src: this.#link.rank, tag: m.tag, seq, codes: m.codes, stamp });
    this.#link.begin();
    return new Promise<void>((resolve, reject) => {
      this.#parked.set(messageKey(dest, seq), { ...m, resolve, reject });
      this.#link.send(dest, [header, sizes]).catch((err: unknown) => this.#unpark(dest, seq)?.reject(err));
    });
  }

  /** `peer` matched parked message `seq`: its packets go now; its send resolves once they are handed over (or acknowledged). */
  pulled(peer: number, seq: number): void {
    const parked = this.#unpark(peer, seq);
    if (parked === undefined) return;
    const { ctx, tag, codes, frames } = parked;
    let bytes = 0;
    for (let i = 1; i < frames.length; i++) bytes += frames[i].length;
    frames[0] = encodeEnvelope({ kind: kKind.payload, flags: this.#acks.flag(peer, seq, bytes), ctx, src: this.#link.rank, tag, seq, codes });
    this.#acks.settle(peer, seq, bytes, this.#link.transmit(peer, frames)).then(parked.resolve, parked.reject);
  }

  /** `peer` will never receive parked message `seq`: its send is done. */
  declined(peer: number, seq: number): void {
    this.#unpark(peer, seq)?.resolve();
  }

  /** `peer` announced message `seq` to this rank. */
  announced(peer: number, seq: number): void {
    this.#unmatched.add(messageKey(peer, seq));
  }

  /** A receive matched announced message `msg`: pulls its packets. */
  pull(msg: M, resolve: (m: M) => void, reject: (e: unknown) => void): void {
    const seq = msg.rendezvous!;
    const k = messageKey(msg.src, seq);
    this.#unmatched.delete(k);
    this.#pulling.set(k, { msg, resolve, reject });
    this.#link.signal(msg.src, kKind.pull, seq);
  }

  /** The pulled message whose packets just came, taken out; undefined if none was pulled. */
  arrived(peer: number, seq: number): Pulling<M> | undefined {
    const k = messageKey(peer, seq);
    const pulling = this.#pulling.get(k);
    this.#pulling.delete(k);
    return pulling;
  }

  /** An announced message that will never be received (its call failed): decline it. */
  dropped(peer: number, seq: number): void {
    if (this.#unmatched.delete(messageKey(peer, seq))) this.#link.signal(peer, kKind.decline, seq);
  }

  /** This rank is ending: every announced message not received is declined. True if any was. */
  declineUnreceived(): boolean {
    if (this.#unmatched.size === 0) return false;
    for (const k of this.#unmatched) this.#link.signal(peerOfKey(k), kKind.decline, seqOfKey(k));
    this.#unmatched.clear();
    return true;
  }

  fail(error: Error): void {
    for (const [k, p] of [...this.#parked]) {
      this.#unpark(peerOfKey(k), seqOfKey(k));
      p.reject(error);
    }
    for (const p of this.#pulling.values()) p.reject(error);
    this.#pulling.clear();
  }

  /** Removes a parked message, ending its pending count; undefined if it is not (or no longer) parked. */
  #unpark(peer: number, seq: number): Parked | undefined {
    const k = messageKey(peer, seq);
    const parked = this.#parked.get(k);
    if (parked === undefined) return undefined;
    this.#parked.delete(k);
    this.#link.end();
    return parked;
  }
}
