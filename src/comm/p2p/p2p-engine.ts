/**
 * The messaging engine of one rank: puts envelopes on packets, hands them to the transport (or
 * straight back to this rank for a self-send), checks per-sender order on arrival, and matches
 * arrivals to receives. Ranks here are COMM_WORLD ranks; communicators translate.
 *
 * It also counts pending operations: while any send, receive or probe is outstanding the
 * transport is told to stay active (keep the process alive, read promptly); at zero the process
 * may exit once the program is done, like any Node program.
 */
import { Errors, MpiError } from '../errors.js';
import type { Packet } from '../serialization/packet.js';
import type { Transport } from '../transport/transport.js';
import { decodeEnvelope, encodeEnvelope, envelopeProblem, kFlag, kKind, type Stamp } from './envelope.js';
import { matches, MatchQueues, type Posted } from './matching.js';

export interface Incoming {
  /** Sender's COMM_WORLD rank. */
  readonly src: number;
  readonly tag: number;
  readonly packets: Packet[];
}

/**
 * zeromq.js hands over received frames above this size without copying: their memory belongs
 * to ZeroMQ and is freed when the process exits, even while a send that forwards them (an
 * interior node of a collective) is still being transmitted. Such frames are copied once into
 * memory of our own before they are sent on; smaller frames are copied by zeromq.js anyway.
 */
const kZeroCopyReceiveBytes = 128;

/**
 * Once this many bytes have gone to a peer since the last acknowledgement was asked for, the
 * next message asks the receiver to acknowledge it on arrival, and this rank stays alive until
 * that acknowledgement comes back. So when a program ends, little is still on its way: ZeroMQ
 * flushes that small remainder at exit quickly (with more, it stalls the exit and warns), and
 * no buffer is freed while still being sent.
 */
const kAckEveryBytes = 256 * 1024;
/** An acknowledgement that never comes (the receiver died) stops holding this rank after this. */
const kAckWaitMs = 30_000;

/**
 * Sees every stamped message arriving on a watched ctx before matching does; false drops it.
 * Communicators watch their collective ctx to check call signatures (coll/guard.ts).
 */
export type StampWatcher = (src: number, tag: number, stamp: Stamp, packets: Packet[]) => boolean;

interface Waiter extends Posted {
  resolve(m: Incoming): void;
  reject(e: unknown): void;
}

export class P2PEngine {
  readonly rank: number;
  readonly size: number;
  readonly #transport: Transport | undefined;
  readonly #match = new MatchQueues<Incoming, Waiter>();
  readonly #probers: Waiter[] = [];
  readonly #sendSeq: Uint32Array;
  readonly #recvSeq: Uint32Array;
  /** Received frames owned by ZeroMQ, and the copy made the first time one is sent on. */
  readonly #received = new WeakMap<Buffer, Buffer | undefined>();
  /** Per peer: bytes sent since the last acknowledgement request, and requests not yet answered. */
  readonly #unacked: Float64Array;
  readonly #awaitingAck = new Map<number, () => void>();
  readonly #watchers = new Map<number, StampWatcher>();
  /** Stamped arrivals on a ctx nobody watches yet (a communicator still being built elsewhere). */
  readonly #held = new Map<number, Array<{ src: number; tag: number; stamp: Stamp; packets: Packet[] }>>();
  #pending = 0;
  #failure: Error | undefined;
  #nextContext = 2;

  /** `transport` is undefined for a world of one (singleton mode). */
  constructor(rank: number, size: number, transport: Transport | undefined) {
    this.rank = rank;
    this.size = size;
    this.#transport = transport;
    this.#sendSeq = new Uint32Array(size);
    this.#recvSeq = new Uint32Array(size);
    this.#unacked = new Float64Array(size);
    transport?.onMessage((peer, header, frames) => this.#onFrames(peer, header, frames));
  }

  /** The lowest context id this rank has not used; communicators agree on the max of these. */
  get nextContext(): number {
    return this.#nextContext;
  }

  useContextsBelow(limit: number): void {
    this.#nextContext = Math.max(this.#nextContext, limit);
  }

  #begin(): void {
    if (this.#pending++ === 0) this.#transport?.setActive(true);
  }

  readonly #end = (): void => {
    if (--this.#pending === 0) this.#transport?.setActive(false);
  };

  /** `stamp` travels in the header and goes to the receiver's watcher of `ctx` (not for self-sends). */
  send(ctx: number, dest: number, tag: number, packets: readonly Packet[], stamp?: Stamp): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure);
    if (dest === this.rank) {
      queueMicrotask(() => this.#arrive(ctx, dest, tag, packets.slice()));
      return Promise.resolve();
    }
    const codes = new Array<number>(packets.length);
    const frames = new Array<Buffer>(packets.length + 1);
    let bytes = 0;
    for (let i = 0; i < packets.length; i++) {
      codes[i] = packets[i].code;
      frames[i + 1] = this.#sendable(packets[i].bytes);
      bytes += packets[i].bytes.length;
    }
    const seq = this.#sendSeq[dest]++;
    let flags = 0;
    if ((this.#unacked[dest] += bytes) >= kAckEveryBytes) {
      this.#unacked[dest] = 0;
      flags = kFlag.ack;
      this.#expectAck(dest, seq);
    }
    frames[0] = encodeEnvelope({ flags, ctx, src: this.rank, tag, seq, codes, stamp });
    this.#begin();
    const sent = this.#transport!.send(dest, frames);
    sent.then(this.#end, this.#end);
    return sent;
  }

  #expectAck(peer: number, seq: number): void {
    const key = peer * 2 ** 32 + seq;
    const done = (): void => {
      clearTimeout(timer);
      if (this.#awaitingAck.delete(key)) this.#end();
    };
    const timer = setTimeout(done, kAckWaitMs);
    timer.unref();
    this.#awaitingAck.set(key, done);
    this.#begin();
  }

  #acknowledge(peer: number, seq: number): void {
    const header = encodeEnvelope({ kind: kKind.ack, ctx: 0, src: this.rank, tag: 0, seq, codes: [] });
    this.#begin();
    this.#transport!.send(peer, [header]).then(this.#end, this.#end);
  }

  #sendable(bytes: Buffer): Buffer {
    if (bytes.length <= kZeroCopyReceiveBytes || !this.#received.has(bytes)) return bytes;
    let copy = this.#received.get(bytes);
    if (copy === undefined) this.#received.set(bytes, (copy = Buffer.from(bytes)));
    return copy;
  }

  /** `src` may be -1 (any source) and `tag` -1 (any user tag). */
  recv(ctx: number, src: number, tag: number): Promise<Incoming> {
    if (this.#failure) return Promise.reject(this.#failure);
    const hit = this.#match.take(ctx, src, tag);
    if (hit !== undefined) return Promise.resolve(hit.msg);
    this.#begin();
    return new Promise<Incoming>((resolve, reject) => {
      this.#match.post({ ctx, src, tag, resolve, reject });
    }).finally(this.#end);
  }

  iprobe(ctx: number, src: number, tag: number): Incoming | undefined {
    return this.#match.peek(ctx, src, tag)?.msg;
  }

  probe(ctx: number, src: number, tag: number): Promise<Incoming> {
    if (this.#failure) return Promise.reject(this.#failure);
    const hit = this.#match.peek(ctx, src, tag);
    if (hit !== undefined) return Promise.resolve(hit.msg);
    this.#begin();
    return new Promise<Incoming>((resolve, reject) => {
      this.#probers.push({ ctx, src, tag, resolve, reject });
    }).finally(this.#end);
  }

  #onFrames(peer: number, header: Buffer, frames: Buffer[]): void {
    const problem = envelopeProblem(header, frames.length);
    if (problem !== undefined) {
      process.emitWarning(`tsmpi: rank ${this.rank} ignored a malformed message from rank ${peer}: ${problem}`);
      return;
    }
    const env = decodeEnvelope(header);
    if (env.src !== peer) {
      process.emitWarning(`tsmpi: rank ${this.rank} ignored a message claiming to be from rank ${env.src} on rank ${peer}'s connection`);
      return;
    }
    if (env.kind === kKind.ack) {
      this.#awaitingAck.get(peer * 2 ** 32 + env.seq)?.();
      return;
    }
    const expected = this.#recvSeq[peer];
    if (env.seq !== expected) {
      this.fail(Errors.sequence(peer, expected, env.seq));
      return;
    }
    this.#recvSeq[peer] = expected + 1;
    if (env.flags! & kFlag.ack) this.#acknowledge(peer, env.seq);
    const packets = new Array<Packet>(frames.length);
    for (let i = 0; i < frames.length; i++) {
      const bytes = frames[i];
      if (bytes.length > kZeroCopyReceiveBytes) this.#received.set(bytes, undefined);
      packets[i] = { code: env.codes[i], bytes };
    }
    if (env.stamp !== undefined && !this.#watched(env.ctx, peer, env.tag, env.stamp, packets)) return;
    this.#arrive(env.ctx, peer, env.tag, packets);
  }

  /** Whether a stamped arrival goes on to matching; held (false) while its ctx has no watcher. */
  #watched(ctx: number, src: number, tag: number, stamp: Stamp, packets: Packet[]): boolean {
    const watcher = this.#watchers.get(ctx);
    if (watcher !== undefined) return watcher(src, tag, stamp, packets);
    let held = this.#held.get(ctx);
    if (held === undefined) this.#held.set(ctx, (held = []));
    held.push({ src, tag, stamp, packets });
    return false;
  }

  /** Routes stamped arrivals on `ctx` through `watcher`, first those that came before it. */
  watch(ctx: number, watcher: StampWatcher): void {
    this.#watchers.set(ctx, watcher);
    const held = this.#held.get(ctx);
    if (held === undefined) return;
    this.#held.delete(ctx);
    for (const m of held) if (watcher(m.src, m.tag, m.stamp, m.packets)) this.#arrive(ctx, m.src, m.tag, m.packets);
  }

  /** Rejects with `error` every posted receive on `ctx` whose tag `which` selects. */
  cancelReceives(ctx: number, which: (tag: number) => boolean, error: Error): void {
    for (const w of this.#match.pending()) {
      if (w.ctx === ctx && which(w.tag) && this.#match.cancel(w)) w.reject(error);
    }
  }

  #arrive(ctx: number, src: number, tag: number, packets: Packet[]): void {
    const msg: Incoming = { src, tag, packets };
    const waiter = this.#match.deliver(ctx, src, tag, msg);
    if (waiter !== undefined) {
      waiter.resolve(msg);
      return;
    }
    if (this.#probers.length > 0) this.#wakeProbers(ctx, src, tag, msg);
  }

  #wakeProbers(ctx: number, src: number, tag: number, msg: Incoming): void {
    for (let i = 0; i < this.#probers.length; i++) {
      const p = this.#probers[i];
      if (matches(p, ctx, src, tag)) {
        this.#probers.splice(i--, 1);
        p.resolve(msg);
      }
    }
  }

  /** Ends every pending and future operation with `error` (an invariant broke, or the job is ending). */
  fail(error: Error): void {
    if (this.#failure) return;
    this.#failure = error;
    for (const done of [...this.#awaitingAck.values()]) done();
    for (const w of [...this.#match.pending(), ...this.#probers.splice(0)]) {
      this.#match.cancel(w);
      w.reject(error);
    }
  }

  async close(): Promise<void> {
    this.fail(new MpiError('ERR_FINALIZED', 'communication after finalize()'));
    await this.#transport?.close();
  }
}
