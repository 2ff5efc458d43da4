/**
 * The receives of one collective call, copied as they are matched into memory borrowed from the
 * communicator's scratch pool (see p2p Capture): the transport may then reuse the memory they
 * arrived in, and a loop of collectives stops allocating receive memory. At the call's end the
 * result is moved out of borrowed memory (into the caller's recvbuf when given) and the memory
 * goes back to the pool, so nothing the program holds ever points into it.
 */
import type { TypedArray } from '../ops/elementwise.js';
import type { Packet } from '../serialization/packet.js';
import { resultMemory } from './accumulator.js';
import type { CollChannel } from './channel.js';
import type { ScratchPool } from './scratch-pool.js';

const kBytes = new Uint8Array(0);

/**
 * Larger messages are left where they arrived: the copy would cost more than the allocation
 * it saves (and more than the pool keeps).
 */
const kCapturedBytes = 1024 * 1024;
/** The slab small messages share (see #room). */
const kSlabBytes = 64 * 1024;
const align8 = (n: number): number => (n + 7) & ~7;

export class CapturedReceives {
  readonly #pool: ScratchPool;
  readonly #borrowed: TypedArray[] = [];
  #slab: TypedArray | undefined;
  #slabUsed = 0;

  constructor(pool: ScratchPool) {
    this.#pool = pool;
  }

  /** `ch` whose receives are captured. */
  channel(ch: CollChannel): CollChannel {
    return {
      rank: ch.rank,
      size: ch.size,
      sendCopies: ch.sendCopies,
      send: (peer, packets) => ch.send(peer, packets),
      recv: (peer) => ch.recv(peer, this.#capture),
    };
  }

  // Each packet at an 8-byte aligned offset, so typed arrays decode as views on it.
  readonly #capture = (packets: Packet[]): Packet[] => {
    let bytes = 0;
    for (const p of packets) bytes += align8(p.bytes.length);
    if (bytes === 0 || bytes > kCapturedBytes) return packets;
    const [memory, start] = this.#room(bytes);
    const out = new Array<Packet>(packets.length);
    let at = start;
    for (let i = 0; i < packets.length; i++) {
      const { code, bytes: from } = packets[i];
      const to = Buffer.from(memory.buffer, at, from.length);
      to.set(from);
      out[i] = { code, bytes: to };
      at += align8(from.length);
    }
    return out;
  };

  /**
   * Where `bytes` go: small messages one after another in a slab borrowed for the call (a call's
   * control messages and small pieces then take one pooled buffer, not one each), larger ones
   * in memory of their own.
   */
  #room(bytes: number): [TypedArray, number] {
    if (bytes > kSlabBytes / 4) {
      const own = this.#pool.borrow(kBytes, bytes);
      this.#borrowed.push(own);
      return [own, 0];
    }
    if (this.#slab === undefined || this.#slabUsed + bytes > kSlabBytes) {
      this.#slab = this.#pool.borrow(kBytes, kSlabBytes);
      this.#borrowed.push(this.#slab);
      this.#slabUsed = 0;
    }
    const at = this.#slabUsed;
    this.#slabUsed += bytes;
    return [this.#slab, at];
  }

  /**
   * `result` as the call may return it: a typed array that lies in borrowed memory is copied
   * out first (into `into` when it fits); then every borrowed buffer goes back to the pool.
   */
  release<T>(result: T, into?: TypedArray): T {
    let out: unknown = result;
    if (ArrayBuffer.isView(result) && !(result instanceof DataView) && this.#borrowed.some((m) => m.buffer === result.buffer)) {
      const lent = result as unknown as TypedArray;
      const copy = resultMemory(into, lent, lent.length, true);
      (copy as Uint8Array).set(lent as Uint8Array);
      out = copy;
    }
    for (const m of this.#borrowed.splice(0)) this.#pool.giveBack(m);
    this.#slab = undefined;
    return out as T;
  }
}
