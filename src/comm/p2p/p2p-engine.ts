/**
 * The messaging engine of one rank: puts envelopes on packets, hands them to the transport (or
 * straight back to this rank for a self-send), checks per-sender order on arrival, and matches
 * arrivals to receives. Ranks here are COMM_WORLD ranks; communicators translate.
 *
 * It also counts pending operations: while any send, receive or probe is outstanding the
 * transport is told to stay active (keep the process alive, read promptly); at zero the process
 * may exit once the program is done, like any Node program.
 *
 * Flow control (p2p/flow-window.ts): messages go eagerly while the receiver's window for this
 * rank has room, else as a rendezvous (header now, packets when the receiver takes it).
 */
import { Errors, MpiError } from '../errors.js';
import type { Packet } from '../serialization/packet.js';
import type { HostMemory } from '../host-memory.js';
import type { Transport } from '../transport/transport.js';
import { decodeEnvelope, encodeEnvelope, envelopeProblem, kFlag, kKind, type Envelope, type Stamp } from './envelope.js';
import { FlowWindow, kDefaultReceiveBuffer, messageCost, windowPerPeer } from './flow-window.js';
import { matches, MatchQueues, type Posted } from './matching.js';

export interface Incoming {
  /** Sender's COMM_WORLD rank. */
  readonly src: number;
  readonly tag: number;
  /** Empty while a rendezvous message has not been pulled (a probe sees it so). */
  readonly packets: Packet[];
  /** Payload bytes (the sum of the packets' sizes). */
  readonly bytes: number;
  /** The sender's number for this message to this rank: links a send to its receive in a trace. */
  readonly seq: number;
  /** A rendezvous message's seq, until its packets are here. */
  readonly rendezvous?: number;
}

export interface P2PEngineOptions {
  /**
   * Bytes of eager messages each peer may have here that the program has not received
   * (Infinity: no limit). Default: windowPerPeer(kDefaultReceiveBuffer, size).
   */
  windowPerPeer?: number;
  /**
   * Where every message sent and received is recorded (--trace/--stats): handed in by the
   * world, so p2p does not import the diagnostics (or the control client under them).
   */
  recorder?: MessageRecorder;
}

/** What the engine tells a recorder: `seq` links a send to its receive; times are performance.now(). */
export interface MessageRecorder {
  recordSend(peer: number, tag: number, bytes: number, seq: number, start: number, end: number): void;
  recordRecv(peer: number, tag: number, bytes: number, seq: number, start: number, end: number): void;
}

/** A rendezvous message this rank sent and still holds the packets of. */
interface Parked {
  ctx: number;
  tag: number;
  codes: number[];
  frames: Buffer[];
  resolve(): void;
  reject(e: unknown): void;
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
  readonly #held = new Map<number, Array<{ stamp: Stamp; msg: Incoming }>>();
  readonly #window: FlowWindow;
  /** Sent as a rendezvous, waiting for the receiver to pull, by peer * 2^32 + seq. */
  readonly #parked = new Map<number, Parked>();
  /** Rendezvous messages that arrived here and are not matched yet (declined if this rank ends). */
  readonly #unmatched = new Set<number>();
  /** Matched rendezvous messages whose packets were pulled and have not come yet. */
  readonly #pulling = new Map<number, { msg: Incoming; resolve(m: Incoming): void; reject(e: unknown): void }>();
  #pending = 0;
  #failure: Error | undefined;
  #nextContext = 2;
  readonly #recorder: MessageRecorder | undefined;

  /** `transport` is undefined for a world of one (singleton mode). */
  constructor(rank: number, size: number, transport: Transport | undefined, options: P2PEngineOptions = {}) {
    this.rank = rank;
    this.size = size;
    this.#transport = transport;
    this.#recorder = options.recorder;
    this.#window = new FlowWindow(options.windowPerPeer ?? windowPerPeer(kDefaultReceiveBuffer, size), size);
    this.#sendSeq = new Uint32Array(size);
    this.#recvSeq = new Uint32Array(size);
    this.#unacked = new Float64Array(size);
    transport?.onMessage((peer, header, frames, owned) => this.#onFrames(peer, header, frames, owned === true));
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

  /**
   * `stamp` travels in the header and goes to the receiver's watcher of `ctx` (not for
   * self-sends). `eager` sends past a full window: for small control messages that the
   * receiver's watcher must see whole.
   */
  send(ctx: number, dest: number, tag: number, packets: readonly Packet[], stamp?: Stamp, eager = false): Promise<void> {
    const recorder = this.#recorder;
    if (recorder === undefined) return this.#send(ctx, dest, tag, packets, stamp, eager);
    const start = performance.now();
    const seq = this.#sendSeq[dest];
    const sent = this.#send(ctx, dest, tag, packets, stamp, eager);
    sent.then(() => recorder.recordSend(dest, tag, sizeOf(packets), seq, start, performance.now()), ignore);
    return sent;
  }

  /**
   * Whether a message to `dest` may carry views on the caller's memory: its transport copies
   * every byte before the send resolves (never a self-send, which hands the packets over).
   */
  copiesBeforeResolving(dest: number): boolean {
    return dest !== this.rank && this.#transport?.copiesBeforeResolving?.(dest) === true;
  }

  /** Memory shared by the ranks of `group` when they run on one host behind shared memory. */
  hostMemory(group: readonly number[], name: string): HostMemory | undefined {
    return this.#transport?.hostMemory?.(group, name);
  }

  /** Which host each rank of `group` runs on, when it spans hosts that share memory inside (see Transport). */
  hostLayout(group: readonly number[]): number[] | undefined {
    return this.#transport?.hostLayout?.(group);
  }

  #send(ctx: number, dest: number, tag: number, packets: readonly Packet[], stamp: Stamp | undefined, eager: boolean): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure);
    if (dest === this.rank) {
      const copy = packets.slice();
      const seq = this.#sendSeq[dest]++;
      queueMicrotask(() => this.#arrive(ctx, { src: dest, tag, packets: copy, bytes: sizeOf(copy), seq }));
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
    if (!eager && !this.#window.charge(dest, messageCost(bytes))) return this.#park(dest, seq, { ctx, tag, codes, frames }, stamp);
    frames[0] = encodeEnvelope({ flags: this.#ackFlag(dest, seq, bytes), ctx, src: this.rank, tag, seq, codes, stamp });
    return this.#transmit(dest, frames);
  }

  #transmit(dest: number, frames: Buffer[]): Promise<void> {
    this.#begin();
    const sent = this.#transport!.send(dest, frames);
    sent.then(this.#end, this.#end);
    return sent;
  }

  /** kFlag.ack when this message brings what was sent to `dest` since the last request to kAckEveryBytes. */
  #ackFlag(dest: number, seq: number, bytes: number): number {
    if ((this.#unacked[dest] += bytes) < kAckEveryBytes) return 0;
    this.#unacked[dest] = 0;
    this.#expectAck(dest, seq);
    return kFlag.ack;
  }

  /** Sends only the header of a message (a rendezvous) and keeps its packets until `dest` pulls them. */
  #park(dest: number, seq: number, m: { ctx: number; tag: number; codes: number[]; frames: Buffer[] }, stamp: Stamp | undefined): Promise<void> {
    const sizes = Buffer.allocUnsafe(8 * m.codes.length);
    for (let i = 0; i < m.codes.length; i++) sizes.writeDoubleLE(m.frames[i + 1].length, 8 * i);
    const header = encodeEnvelope({ flags: kFlag.rendezvous, ctx: m.ctx, src: this.rank, tag: m.tag, seq, codes: m.codes, stamp });
    this.#begin();
    return new Promise<void>((resolve, reject) => {
      this.#parked.set(key(dest, seq), { ...m, resolve, reject });
      this.#transport!.send(dest, [header, sizes]).catch((err: unknown) => this.#unpark(dest, seq)?.reject(err));
    });
  }

  /** Removes a parked message, ending its pending count; undefined if it is not (or no longer) parked. */
  #unpark(peer: number, seq: number): Parked | undefined {
    const k = key(peer, seq);
    const parked = this.#parked.get(k);
    if (parked === undefined) return undefined;
    this.#parked.delete(k);
    this.#end();
    return parked;
  }

  /** `peer` matched rendezvous message `seq`: its packets go now, and its send resolves once they are handed over. */
  #pulled(peer: number, seq: number): void {
    const parked = this.#unpark(peer, seq);
    if (parked === undefined) return;
    const { ctx, tag, codes, frames } = parked;
    let bytes = 0;
    for (let i = 1; i < frames.length; i++) bytes += frames[i].length;
    frames[0] = encodeEnvelope({ kind: kKind.payload, flags: this.#ackFlag(peer, seq, bytes), ctx, src: this.rank, tag, seq, codes });
    this.#transmit(peer, frames).then(parked.resolve, parked.reject);
  }

  #signal(peer: number, kind: number, seq: number): void {
    const header = encodeEnvelope({ kind, ctx: 0, src: this.rank, tag: 0, seq, codes: [] });
    this.#transmit(peer, [header]).catch(() => {});
  }

  #expectAck(peer: number, seq: number): void {
    const k = key(peer, seq);
    const done = (): void => {
      clearTimeout(timer);
      if (this.#awaitingAck.delete(k)) this.#end();
    };
    const timer = setTimeout(done, kAckWaitMs);
    timer.unref();
    this.#awaitingAck.set(k, done);
    this.#begin();
  }

  #sendable(bytes: Buffer): Buffer {
    if (bytes.length <= kZeroCopyReceiveBytes || !this.#received.has(bytes)) return bytes;
    let copy = this.#received.get(bytes);
    if (copy === undefined) this.#received.set(bytes, (copy = Buffer.from(bytes)));
    return copy;
  }

  /** `src` may be -1 (any source) and `tag` -1 (any user tag). */
  recv(ctx: number, src: number, tag: number): Promise<Incoming> {
    const recorder = this.#recorder;
    if (recorder === undefined) return this.#recv(ctx, src, tag);
    const start = performance.now();
    return this.#recv(ctx, src, tag).then((m) => {
      recorder.recordRecv(m.src, m.tag, m.bytes, m.seq, start, performance.now());
      return m;
    });
  }

  #recv(ctx: number, src: number, tag: number): Promise<Incoming> {
    if (this.#failure) return Promise.reject(this.#failure);
    const hit = this.#match.take(ctx, src, tag);
    if (hit !== undefined) return this.#taken(hit.msg);
    this.#begin();
    return new Promise<Incoming>((resolve, reject) => {
      this.#match.post({ ctx, src, tag, resolve, reject });
    }).finally(this.#end);
  }

  /** A matched message: eager ones give back window, rendezvous ones are pulled first. */
  #taken(msg: Incoming): Promise<Incoming> {
    if (msg.rendezvous === undefined) {
      this.#consumed(msg);
      return Promise.resolve(msg);
    }
    this.#begin();
    return new Promise<Incoming>((resolve, reject) => this.#pull(msg, resolve, reject)).finally(this.#end);
  }

  #consumed(msg: Incoming): void {
    if (msg.src === this.rank) return;
    const credit = this.#window.taken(msg.src, messageCost(msg.bytes));
    if (credit > 0) this.#signal(msg.src, kKind.credit, credit);
  }

  #pull(msg: Incoming, resolve: (m: Incoming) => void, reject: (e: unknown) => void): void {
    const k = key(msg.src, msg.rendezvous!);
    this.#unmatched.delete(k);
    this.#pulling.set(k, { msg, resolve, reject });
    this.#signal(msg.src, kKind.pull, msg.rendezvous!);
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

  #onFrames(peer: number, header: Buffer, frames: Buffer[], owned: boolean): void {
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
    switch (env.kind) {
      case kKind.data:
        return this.#onData(peer, env, frames, owned);
      case kKind.payload:
        return this.#onPayload(peer, env, frames, owned);
      case kKind.ack:
        return this.#awaitingAck.get(key(peer, env.seq))?.();
      case kKind.pull:
        return this.#pulled(peer, env.seq);
      case kKind.decline:
        return this.#unpark(peer, env.seq)?.resolve();
      case kKind.credit:
        return this.#window.refund(peer, env.seq);
    }
  }

  #onData(peer: number, env: Envelope, frames: Buffer[], owned: boolean): void {
    const expected = this.#recvSeq[peer];
    if (env.seq !== expected) {
      this.fail(Errors.sequence(peer, expected, env.seq));
      return;
    }
    this.#recvSeq[peer] = expected + 1;
    let msg: Incoming;
    if (env.flags! & kFlag.rendezvous) {
      const sizes = frames[0];
      if (sizes.length !== 8 * env.codes.length) {
        process.emitWarning(
          `tsmpi: rank ${this.rank} ignored a malformed message from rank ${peer}: ${env.codes.length} packet sizes announced in ${sizes.length} bytes`,
        );
        return;
      }
      let bytes = 0;
      for (let i = 0; i < env.codes.length; i++) bytes += sizes.readDoubleLE(8 * i);
      msg = { src: peer, tag: env.tag, packets: [], bytes, seq: env.seq, rendezvous: env.seq };
      this.#unmatched.add(key(peer, env.seq));
    } else {
      if (env.flags! & kFlag.ack) this.#signal(peer, kKind.ack, env.seq);
      const packets = this.#packets(env, frames, owned);
      msg = { src: peer, tag: env.tag, packets, bytes: sizeOf(packets), seq: env.seq };
    }
    if (env.stamp !== undefined && !this.#watched(env.ctx, env.stamp, msg)) return;
    this.#arrive(env.ctx, msg);
  }

  #onPayload(peer: number, env: Envelope, frames: Buffer[], owned: boolean): void {
    const k = key(peer, env.seq);
    const pulling = this.#pulling.get(k);
    if (pulling === undefined) {
      process.emitWarning(`tsmpi: rank ${this.rank} ignored the packets of message ${env.seq} from rank ${peer}, which it never asked for`);
      return;
    }
    this.#pulling.delete(k);
    if (env.flags! & kFlag.ack) this.#signal(peer, kKind.ack, env.seq);
    const packets = this.#packets(env, frames, owned);
    pulling.resolve({ src: peer, tag: pulling.msg.tag, packets, bytes: sizeOf(packets), seq: env.seq });
  }

  #packets(env: Envelope, frames: Buffer[], owned: boolean): Packet[] {
    const packets = new Array<Packet>(frames.length);
    for (let i = 0; i < frames.length; i++) {
      const bytes = frames[i];
      if (!owned && bytes.length > kZeroCopyReceiveBytes) this.#received.set(bytes, undefined);
      packets[i] = { code: env.codes[i], bytes };
    }
    return packets;
  }

  /** Whether a stamped arrival goes on to matching; held (false) while its ctx has no watcher. */
  #watched(ctx: number, stamp: Stamp, msg: Incoming): boolean {
    const watcher = this.#watchers.get(ctx);
    if (watcher === undefined) {
      let held = this.#held.get(ctx);
      if (held === undefined) this.#held.set(ctx, (held = []));
      held.push({ stamp, msg });
      return false;
    }
    if (watcher(msg.src, msg.tag, stamp, msg.packets)) return true;
    this.#dropped(msg);
    return false;
  }

  /** A message that will never be received (its call failed): give back its window, or decline it. */
  #dropped(msg: Incoming): void {
    if (msg.rendezvous === undefined) this.#consumed(msg);
    else if (this.#unmatched.delete(key(msg.src, msg.rendezvous))) this.#signal(msg.src, kKind.decline, msg.rendezvous);
  }

  /** Routes stamped arrivals on `ctx` through `watcher`, first those that came before it. */
  watch(ctx: number, watcher: StampWatcher): void {
    this.#watchers.set(ctx, watcher);
    const held = this.#held.get(ctx);
    if (held === undefined) return;
    this.#held.delete(ctx);
    for (const { stamp, msg } of held) {
      if (watcher(msg.src, msg.tag, stamp, msg.packets)) this.#arrive(ctx, msg);
      else this.#dropped(msg);
    }
  }

  /** Rejects with `error` every posted receive on `ctx` whose tag `which` selects. */
  cancelReceives(ctx: number, which: (tag: number) => boolean, error: Error): void {
    for (const w of this.#match.pending()) {
      if (w.ctx === ctx && which(w.tag) && this.#match.cancel(w)) w.reject(error);
    }
  }

  #arrive(ctx: number, msg: Incoming): void {
    const waiter = this.#match.deliver(ctx, msg.src, msg.tag, msg);
    if (waiter !== undefined) {
      if (msg.rendezvous === undefined) {
        this.#consumed(msg);
        waiter.resolve(msg);
      } else {
        this.#pull(msg, waiter.resolve, waiter.reject);
      }
      return;
    }
    if (this.#probers.length > 0) this.#wakeProbers(ctx, msg.src, msg.tag, msg);
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
    for (const [k, p] of [...this.#parked]) {
      this.#unpark(Math.floor(k / 2 ** 32), k % 2 ** 32);
      p.reject(error);
    }
    for (const p of this.#pulling.values()) p.reject(error);
    this.#pulling.clear();
  }

  /**
   * This rank is ending: the rendezvous messages it was sent and never received will not be,
   * so their senders stop holding them (an eager message in the same place is simply dropped
   * with the process). True if any sender was told.
   */
  declineUnreceived(): boolean {
    if (this.#unmatched.size === 0 || this.#transport === undefined) return false;
    for (const k of this.#unmatched) this.#signal(Math.floor(k / 2 ** 32), kKind.decline, k % 2 ** 32);
    this.#unmatched.clear();
    return true;
  }

  async close(): Promise<void> {
    this.declineUnreceived();
    this.fail(new MpiError('ERR_FINALIZED', 'communication after finalize()'));
    await this.#transport?.close();
  }
}

const key = (peer: number, seq: number): number => peer * 2 ** 32 + seq;
const ignore = (): void => {};

function sizeOf(packets: readonly Packet[]): number {
  let bytes = 0;
  for (const p of packets) bytes += p.bytes.length;
  return bytes;
}
