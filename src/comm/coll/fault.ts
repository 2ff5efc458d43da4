/**
 * How a collective fails without hanging anyone. A rank whose own part goes wrong (a bad operand,
 * an unsendable value, an op that throws, a wrong-length array) records the error in its Fault,
 * keeps taking part, and sends an error packet wherever it would have sent data. A rank that
 * receives an error packet records it too and forwards an error packet from then on. When the
 * collective's messages are done, the rank raises: its own error if it originated one, else the
 * error of the lowest failing rank it heard of (the lowest rank wins where two errors meet).
 * Since every rank sent and received exactly what the algorithm prescribes, channels and tags
 * stay aligned and the next collective works normally.
 *
 * Also here: control packets, the private in-band markers some algorithms exchange (a scatter-
 * allgather bcast header, an allreduce ring descriptor). They use a code the codec never
 * produces and never reach `decode`.
 */
import { decode, encode, encodeError, isErrorPacket, readErrorInfo, decodeError } from '../serialization/codec.js';
import { kCode, type Packet } from '../serialization/packet.js';
import type { Op } from '../ops/op.js';

export class Fault {
  readonly rank: number;
  #packet: Packet | undefined;
  #packetRank = Infinity;
  #local: { error: unknown } | undefined;

  constructor(rank: number) {
    this.rank = rank;
  }

  /** True once this rank raised or heard of an error in this collective. */
  get failed(): boolean {
    return this.#packet !== undefined;
  }

  /** The error packet to send in place of data (lowest failing rank known here). */
  get packet(): Packet {
    if (this.#packet === undefined) throw new Error('internal: no fault recorded');
    return this.#packet;
  }

  /** An error raised on this rank: thrown here at the end, sent to the others as a packet. */
  fail(error: unknown): void {
    this.#local ??= { error };
    const name = error instanceof Error ? error.name : 'Error';
    const message = error instanceof Error ? error.message : String(error);
    this.#merge(encodeError({ name, message, rank: this.rank }), this.rank);
  }

  /** Records every error packet of a received message; true if it held any. */
  absorb(message: readonly Packet[]): boolean {
    let found = false;
    for (const p of message) {
      if (isErrorPacket(p)) {
        found = true;
        this.#merge(p, readErrorInfo(p).rank);
      }
    }
    return found;
  }

  #merge(packet: Packet, rank: number): void {
    if (rank < this.#packetRank) {
      // A copy: a received packet's memory may be reused once the call ends (CapturedReceives).
      this.#packet = { code: packet.code, bytes: Buffer.from(packet.bytes) };
      this.#packetRank = rank;
    }
  }

  /**
   * Encodes a value, or records why it cannot be sent and gives the error packet instead.
   * `copy` false: raw bytes stay views on the value (see codec.ts `encode`).
   */
  encode(value: unknown, copy = true): Packet {
    try {
      return encode(value, copy);
    } catch (err) {
      this.fail(err);
      return this.packet;
    }
  }

  /** Decodes a received data packet, recording a failure (returns undefined) if it cannot. */
  decode(packet: Packet): unknown {
    try {
      return decode(packet);
    } catch (err) {
      this.fail(err);
      return undefined;
    }
  }

  /** op.apply(lower, higher), recording a throw as this rank's failure. */
  apply(op: Op, lower: unknown, higher: unknown): unknown {
    try {
      return op.apply(lower, higher);
    } catch (err) {
      this.fail(err);
      return undefined;
    }
  }

  /** The message to send: `data()` while healthy, the error packet once failed. */
  message(data: () => Packet[]): Packet[] {
    if (this.failed) return [this.packet];
    const msg = data();
    return this.failed ? [this.packet] : msg;
  }

  /** Throws if this rank originated an error (for ranks that otherwise need no result). */
  throwIfLocal(): void {
    if (this.#local !== undefined) throw this.#local.error;
  }

  /** Throws this rank's own error, else the lowest-rank error heard of, if any. */
  throwIfFailed(): void {
    this.throwIfLocal();
    if (this.#packet !== undefined) throw decodeError(this.#packet);
  }
}

/** Code of control packets: outside the codec's codes (0..15 data, 255 error). */
const kControl = kCode.collectiveControl;

export function controlPacket(body: object): Packet {
  return { code: kControl, bytes: Buffer.from(JSON.stringify(body)) };
}

export function isControlPacket(packet: Packet | undefined): boolean {
  return packet !== undefined && packet.code === kControl;
}

export function readControl<T>(packet: Packet): T {
  return JSON.parse(packet.bytes.toString('utf8')) as T;
}

/**
 * The result, detached from the caller's input: a reduction whose result is the input itself
 * (size 1, rank 0 of a scan) returns a copy, so changing the result never changes the input.
 */
export function detach(result: unknown, input: unknown, fault: Fault): unknown {
  if (result !== input || typeof input !== 'object' || input === null) return result;
  const packet = fault.encode(input);
  return fault.failed ? undefined : fault.decode(packet);
}
