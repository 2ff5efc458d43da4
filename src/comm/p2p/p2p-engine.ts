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
 * rank has room, else as a rendezvous (p2p/rendezvous.ts: header now, packets when the receiver
 * takes it). Acknowledgements (p2p/acknowledgements.ts) and the watchers of stamped messages
 * (p2p/stamp-watchers.ts) are parts of their own; this is sequencing, matching and failure.
 */
import { Errors, MpiError } from '../errors.js';
import type { Packet } from '../serialization/packet.js';
import type { HostMemory } from '../host-memory.js';
import type { Transport } from '../transport/transport.js';
import { Acknowledgements, kResolveOnDeliveryBytes } from './acknowledgements.js';
import type { EngineLink } from './engine-link.js';
import { decodeEnvelope, encodeEnvelope, envelopeProblem, kFlag, kKind, type Envelope, type Stamp } from './envelope.js';
import { FlowWindow, kDefaultReceiveBuffer, messageCost, windowPerPeer } from './flow-window.js';
import { matches, MatchQueues, type Posted } from './matching.js';
import { Rendezvous } from './rendezvous.js';
import { StampWatchers, type StampWatcher } from './stamp-watchers.js';

export type { StampWatcher };

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

/**
 * zeromq.js hands over received frames above this size without copying: their memory belongs
 * to ZeroMQ and is freed when the process exits, even while a send that forwards them (an
 * interior node of a collective) is still being transmitted. Such frames are copied once into
 * memory of our own before they are sent on; smaller frames are copied by zeromq.js anyway.
 */
const kZeroCopyReceiveBytes = 128;

/**
 * What a receive does with a message's packets the moment it is matched: copies them where its
 * caller wants them and gives the packets the receive resolves with (none after recvInto's
 * copy). It runs synchronously as the message arrives, so the transport may write the frames'
 * memory again as soon as its handler returns. It must not throw.
 */
export type Capture = (packets: Packet[]) => Packet[];

interface Prober extends Posted {
  resolve(m: Incoming): void;
  reject(e: unknown): void;
}

interface Waiter extends Prober {
  /** True when a capture copied every packet out, so nothing holds the memory they arrived in. */
  resolve(m: Incoming): boolean;
}

function captured(m: Incoming, capture: Capture): Incoming {
  return { src: m.src, tag: m.tag, packets: capture(m.packets), bytes: m.bytes, seq: m.seq };
}

/** True when none of `copies` is a view on the memory of `packets` (a capture may pass large ones on as they are). */
function copiedOut(packets: readonly Packet[], copies: readonly Packet[]): boolean {
  for (const p of packets) {
    if (p.bytes.length === 0) continue;
    for (const c of copies) if (c.bytes.buffer === p.bytes.buffer) return false;
  }
  return true;
}

export class P2PEngine {
  readonly rank: number;
  readonly size: number;
  readonly #transport: Transport | undefined;
  readonly #match = new MatchQueues<Incoming, Waiter>();
  readonly #probers: Prober[] = [];
  readonly #sendSeq: Uint32Array;
  readonly #recvSeq: Uint32Array;
  /** Received frames owned by ZeroMQ, and the copy made the first time one is sent on. */
  readonly #received = new WeakMap<Buffer, Buffer | undefined>();
  readonly #acks: Acknowledgements;
  readonly #rendezvous: Rendezvous<Incoming>;
  readonly #watchers = new StampWatchers<Incoming>();
  readonly #window: FlowWindow;
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
    const link: EngineLink = {
      rank,
      transmit: (dest, frames) => this.#transmit(dest, frames),
      send: (dest, frames) => this.#transport!.send(dest, frames),
      signal: (peer, kind, seq) => this.#signal(peer, kind, seq),
      copiesBeforeResolving: (dest) => this.copiesBeforeResolving(dest),
      begin: () => this.#begin(),
      end: this.#end,
    };
    this.#acks = new Acknowledgements(link, size);
    this.#rendezvous = new Rendezvous(link, this.#acks);
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

  /**
   * Whether a message of `bytes` to `dest` may carry views on the caller's memory: its send
   * resolves only once every byte has been read, because the transport copies them first or
   * because the send waits for the receiver's acknowledgement.
   */
  mayBorrow(dest: number, bytes: number): boolean {
    return this.copiesBeforeResolving(dest) || (dest !== this.rank && this.#transport !== undefined && bytes >= kResolveOnDeliveryBytes);
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
    if (!eager && !this.#window.charge(dest, messageCost(bytes))) return this.#rendezvous.park(dest, seq, { ctx, tag, codes, frames }, stamp);
    frames[0] = encodeEnvelope({ flags: this.#acks.flag(dest, seq, bytes), ctx, src: this.rank, tag, seq, codes, stamp });
    return this.#acks.settle(dest, seq, bytes, this.#transmit(dest, frames));
  }

  #transmit(dest: number, frames: Buffer[]): Promise<void> {
    this.#begin();
    const sent = this.#transport!.send(dest, frames);
    sent.then(this.#end, this.#end);
    return sent;
  }

  #signal(peer: number, kind: number, seq: number): void {
    const header = encodeEnvelope({ kind, ctx: 0, src: this.rank, tag: 0, seq, codes: [] });
    this.#transmit(peer, [header]).catch(() => {});
  }

  #sendable(bytes: Buffer): Buffer {
    if (bytes.length <= kZeroCopyReceiveBytes || !this.#received.has(bytes)) return bytes;
    let copy = this.#received.get(bytes);
    if (copy === undefined) this.#received.set(bytes, (copy = Buffer.from(bytes)));
    return copy;
  }

  /** `src` may be -1 (any source) and `tag` -1 (any user tag). */
  recv(ctx: number, src: number, tag: number, capture?: Capture): Promise<Incoming> {
    const recorder = this.#recorder;
    if (recorder === undefined) return this.#recv(ctx, src, tag, capture);
    const start = performance.now();
    return this.#recv(ctx, src, tag, capture).then((m) => {
      recorder.recordRecv(m.src, m.tag, m.bytes, m.seq, start, performance.now());
      return m;
    });
  }

  #recv(ctx: number, src: number, tag: number, capture: Capture | undefined): Promise<Incoming> {
    if (this.#failure) return Promise.reject(this.#failure);
    const hit = this.#match.take(ctx, src, tag);
    if (hit !== undefined) return this.#taken(hit.msg, capture);
    this.#begin();
    // The count ends as the waiter settles, not in a finally(): that is two more promises and
    // a microtask hop on every receive.
    return new Promise<Incoming>((resolve, reject) => {
      this.#match.post({
        ctx,
        src,
        tag,
        resolve: (m) => {
          this.#end();
          if (capture === undefined) {
            resolve(m);
            return false;
          }
          const copied = captured(m, capture);
          resolve(copied);
          return copiedOut(m.packets, copied.packets);
        },
        reject: (e) => {
          this.#end();
          reject(e);
        },
      });
    });
  }

  /** A matched message: eager ones give back window, rendezvous ones are pulled first. */
  #taken(msg: Incoming, capture: Capture | undefined): Promise<Incoming> {
    if (msg.rendezvous === undefined) {
      this.#consumed(msg);
      if (capture === undefined) return Promise.resolve(msg);
      const copied = captured(msg, capture);
      // It waited as unexpected in the memory it arrived in, which nothing else holds now.
      if (msg.src !== this.rank && copiedOut(msg.packets, copied.packets)) this.#transport?.recycle?.(msg.src, bytesOf(msg.packets));
      return Promise.resolve(copied);
    }
    this.#begin();
    const pulled = new Promise<Incoming>((resolve, reject) => this.#rendezvous.pull(msg, resolve, reject)).finally(this.#end);
    return capture === undefined ? pulled : pulled.then((m) => captured(m, capture));
  }

  #consumed(msg: Incoming): void {
    if (msg.src === this.rank) return;
    const credit = this.#window.taken(msg.src, messageCost(msg.bytes));
    if (credit > 0) this.#signal(msg.src, kKind.credit, credit);
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

  /** True when nothing of the frames was kept (see MessageHandler): a signal, or packets a capturing receive copied. */
  #onFrames(peer: number, header: Buffer, frames: Buffer[], owned: boolean): boolean {
    const problem = envelopeProblem(header, frames.length);
    if (problem !== undefined) {
      process.emitWarning(`tsmpi: rank ${this.rank} ignored a malformed message from rank ${peer}: ${problem}`);
      return true;
    }
    const env = decodeEnvelope(header);
    if (env.src !== peer) {
      process.emitWarning(`tsmpi: rank ${this.rank} ignored a message claiming to be from rank ${env.src} on rank ${peer}'s connection`);
      return true;
    }
    switch (env.kind) {
      case kKind.data:
        return this.#onData(peer, env, frames, owned);
      case kKind.payload:
        this.#onPayload(peer, env, frames, owned);
        return false;
      case kKind.ack:
        this.#acks.acknowledged(peer, env.seq);
        break;
      case kKind.pull:
        this.#rendezvous.pulled(peer, env.seq);
        break;
      case kKind.decline:
        this.#rendezvous.declined(peer, env.seq);
        break;
      case kKind.credit:
        this.#window.refund(peer, env.seq);
        break;
    }
    return true;
  }

  #onData(peer: number, env: Envelope, frames: Buffer[], owned: boolean): boolean {
    const expected = this.#recvSeq[peer];
    if (env.seq !== expected) {
      this.fail(Errors.sequence(peer, expected, env.seq));
      return true;
    }
    this.#recvSeq[peer] = expected + 1;
    let msg: Incoming;
    if (env.flags! & kFlag.rendezvous) {
      const sizes = frames[0];
      if (sizes.length !== 8 * env.codes.length) {
        process.emitWarning(
          `tsmpi: rank ${this.rank} ignored a malformed message from rank ${peer}: ${env.codes.length} packet sizes announced in ${sizes.length} bytes`,
        );
        return true;
      }
      let bytes = 0;
      for (let i = 0; i < env.codes.length; i++) bytes += sizes.readDoubleLE(8 * i);
      msg = { src: peer, tag: env.tag, packets: [], bytes, seq: env.seq, rendezvous: env.seq };
      this.#rendezvous.announced(peer, env.seq);
    } else {
      if (env.flags! & kFlag.ack) this.#signal(peer, kKind.ack, env.seq);
      const packets = this.#packets(env, frames, owned);
      msg = { src: peer, tag: env.tag, packets, bytes: sizeOf(packets), seq: env.seq };
    }
    if (env.stamp !== undefined && !this.#watchers.admit(env.ctx, env.stamp, msg, this.#dropped)) return false;
    // A rendezvous header kept only numbers; an eager message's packets, unless a receive copied them.
    return this.#arrive(env.ctx, msg) || msg.rendezvous !== undefined;
  }

  #onPayload(peer: number, env: Envelope, frames: Buffer[], owned: boolean): void {
    const pulling = this.#rendezvous.arrived(peer, env.seq);
    if (pulling === undefined) {
      process.emitWarning(`tsmpi: rank ${this.rank} ignored the packets of message ${env.seq} from rank ${peer}, which it never asked for`);
      return;
    }
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

  /** A message that will never be received (its call failed): give back its window, or decline it. */
  readonly #dropped = (msg: Incoming): void => {
    if (msg.rendezvous === undefined) this.#consumed(msg);
    else this.#rendezvous.dropped(msg.src, msg.rendezvous);
  };

  /** Routes stamped arrivals on `ctx` through `watcher`, first those that came before it. */
  watch(ctx: number, watcher: StampWatcher): void {
    this.#watchers.watch(ctx, watcher, (msg) => this.#arrive(ctx, msg), this.#dropped);
  }

  /** Rejects with `error` every posted receive on `ctx` whose tag `which` selects. */
  cancelReceives(ctx: number, which: (tag: number) => boolean, error: Error): void {
    for (const w of this.#match.pending()) {
      if (w.ctx === ctx && which(w.tag) && this.#match.cancel(w)) w.reject(error);
    }
  }

  /** True when a capturing receive took the message's packets (see Capture). */
  #arrive(ctx: number, msg: Incoming): boolean {
    const waiter = this.#match.deliver(ctx, msg.src, msg.tag, msg);
    if (waiter !== undefined) {
      if (msg.rendezvous === undefined) {
        this.#consumed(msg);
        return waiter.resolve(msg);
      }
      this.#rendezvous.pull(msg, waiter.resolve, waiter.reject);
      return false;
    }
    if (this.#probers.length > 0) this.#wakeProbers(ctx, msg.src, msg.tag, msg);
    return false;
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
    this.#acks.fail(error);
    for (const w of this.#match.pending()) {
      this.#match.cancel(w);
      w.reject(error);
    }
    for (const p of this.#probers.splice(0)) p.reject(error);
    this.#rendezvous.fail(error);
  }

  /**
   * This rank is ending: the rendezvous messages it was sent and never received will not be,
   * so their senders stop holding them (an eager message in the same place is simply dropped
   * with the process). True if any sender was told.
   */
  declineUnreceived(): boolean {
    if (this.#transport === undefined) return false;
    return this.#rendezvous.declineUnreceived();
  }

  async close(): Promise<void> {
    this.declineUnreceived();
    this.fail(new MpiError('ERR_FINALIZED', 'communication after finalize()'));
    await this.#transport?.close();
  }
}

const ignore = (): void => {};

function sizeOf(packets: readonly Packet[]): number {
  let bytes = 0;
  for (const p of packets) bytes += p.bytes.length;
  return bytes;
}

function bytesOf(packets: readonly Packet[]): Buffer[] {
  const out = new Array<Buffer>(packets.length);
  for (let i = 0; i < packets.length; i++) out[i] = packets[i].bytes;
  return out;
}
