/**
 * Shared-memory transport for the ranks of one host (the native part: ./shm-native.ts and
 * native/shm.cc). Each rank owns a segment file in the job directory holding one ring per
 * sender on its host, and a FIFO, its bell. A sender copies a message into its ring in the
 * receiver's segment; the receiver copies it out. Nothing goes through the kernel unless one
 * side sleeps.
 *
 * Waiting: while the program has communication pending (setActive(true)), every turn of the
 * event loop polls the rings for up to the spin budget before the process sleeps; a sleeping
 * process is woken by a byte in its bell, which libuv watches like any socket. Writers ring
 * only a sleeping receiver, and receivers ring a writer only when it waits for room in a full
 * ring. With nothing pending the bell is unref'd, so a rank whose program is done exits, yet
 * arrivals still wake it and are taken off the rings at once.
 *
 * Order and loss: one ring per ordered pair, written by one process and read by one, in order;
 * a full ring makes the sender wait (its `send` resolves when the last byte is in), never
 * drops. A message reaches the handler only once all of it is in.
 */
import { constants, openSync, rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { MpiError } from '../errors.js';
import type { ShmHandle, ShmMessage, ShmNative } from './shm-native.js';
import type { HostMemory } from '../host-memory.js';
import { HostScratch } from './host-scratch.js';
import type { MessageHandler } from './transport.js';

/** Ring bytes per sender: a host's rings together stay within this per receiving rank... */
const kRingBudgetPerRank = 16 * 1024 * 1024;
/** ...with each ring between these (a quarter ring is the streaming chunk). */
const kMinRingBytes = 64 * 1024;
const kMaxRingBytes = 1024 * 1024;

/** The ring size for a host of `slots` ranks: a power of two. */
export function ringBytesFor(slots: number): number {
  const share = kRingBudgetPerRank / Math.max(1, slots - 1);
  const pow2 = 2 ** Math.floor(Math.log2(share));
  return Math.min(kMaxRingBytes, Math.max(kMinRingBytes, pow2));
}

/** The segment file's address as the directory carries it; the bell is beside it. */
export const kShmScheme = 'shm://';
const bellOf = (segment: string): string => `${segment}.bell`;

interface PendingWrite {
  frames: Buffer[];
  offset: number;
  resolve(): void;
  reject(e: unknown): void;
}

export interface ShmTransportOptions {
  rank: number;
  /** The job directory on this host (private, ideally a tmpfs). */
  dir: string;
  /** Ranks on this host, this one included: one ring each. */
  slots: number;
  /** How long a waiting rank polls before it sleeps, in µs (0: never). */
  spinUs: number;
  /**
   * Give the CPU away between looks (sched_yield) instead of pausing: for hosts with more ranks
   * than CPUs, where the rank waited for may need this very CPU.
   */
  yieldWhilePolling?: boolean;
}

const kDone: Promise<void> = Promise.resolve();
/** At most this long a send polls for room before returning (the peer may be sending to us). */
const kWriteSpinNs = 50_000;

/** A spare receive batch larger than this goes back to the garbage collector (batches are rarely this large). */
const kSpareMaxBytes = 1024 * 1024;
/** Spare frames: only large ones (smaller messages travel in batches), a few, up to 64 MiB in all. */
const kSpareFrameMinBytes = 32 * 1024;
const kSpareFramesKept = 16;
const kSpareFramesMaxBytes = 64 * 1024 * 1024;

export class ShmTransport {
  readonly #native: ShmNative;
  readonly #handle: ShmHandle;
  readonly #segment: string;
  readonly #bell: net.Socket;
  readonly #spinNs: number;
  /** A send waits for room this long before queueing; the event loop's polling takes over then. */
  readonly #writeSpinNs: number;
  readonly #slots: number;
  /** COMM_WORLD rank → slot, for the peers reached through this transport. */
  readonly #slotOf = new Map<number, number>();
  readonly #writes: PendingWrite[][] = [];
  /** COMM_WORLD rank → its segment file, for the ranks of this host (this one included). */
  readonly #segments = new Map<number, string>();
  /** Host-memory files this rank created in its own directory: removed at close. */
  readonly #ownFiles = new Set<string>();
  #blocked = 0;
  #handler: MessageHandler | undefined;
  /** A batch Buffer no handler kept, for the next poll to write (see #keepSpare). */
  #spare: Buffer | undefined;
  /** Frames of large messages no handler kept, for the next polls to fill again. */
  readonly #spareFrames = new SpareFrames();
  /** Batches with messages their handlers kept, and how many are not yet given back (see recycle). */
  readonly #keptBatches = new WeakMap<ArrayBufferLike, { batch: Buffer; messages: number }>();
  #active = false;
  #immediate: NodeJS.Immediate | undefined;
  #closed = false;

  private constructor(native: ShmNative, options: ShmTransportOptions) {
    this.#native = native;
    this.#slots = options.slots;
    // The native side reads a negative budget as "poll yielding the CPU".
    this.#spinNs = Math.max(0, options.spinUs) * 1000 * (options.yieldWhilePolling === true ? -1 : 1);
    this.#writeSpinNs = Math.sign(this.#spinNs) * Math.min(Math.abs(this.#spinNs), kWriteSpinNs);
    this.#segment = path.join(options.dir, `shm-${options.rank}`);
    this.#handle = native.create(this.#segment, bellOf(this.#segment), options.slots, ringBytesFor(options.slots));
    // O_RDWR: this process is a writer of its own FIFO too, so it never sees end-of-file when
    // the last peer closes it; libuv reads it like a pipe.
    const fd = openSync(bellOf(this.#segment), constants.O_RDWR | constants.O_NONBLOCK);
    this.#bell = new net.Socket({ fd, readable: true, writable: false });
    this.#bell.on('data', this.#run);
    this.#bell.on('error', () => {}); // only at close
    this.#bell.unref();
    // Files of a rank that ends without close() (process.exit) go with it.
    process.once('exit', this.#closeNow);
  }

  /** Creates this rank's segment; throws MpiError if it cannot. */
  static create(native: ShmNative, options: ShmTransportOptions): ShmTransport {
    try {
      return new ShmTransport(native, options);
    } catch (error) {
      throw new MpiError('ERR_TRANSPORT', `cannot set up shared memory in ${options.dir}: ${(error as Error).message}`, { cause: error });
    }
  }

  get endpoint(): string {
    return `${kShmScheme}${this.#segment}`;
  }

  get slots(): number {
    return this.#slots;
  }

  /** `peers[i]` is the COMM_WORLD rank in slot i and `segments[i]` its segment; `rank` is in it. */
  setPeers(rank: number, peers: readonly number[], segments: readonly string[]): void {
    const slot = peers.indexOf(rank);
    this.#native.setPeers(this.#handle, slot, [...peers], [...segments], segments.map(bellOf));
    peers.forEach((r, i) => {
      this.#segments.set(r, segments[i]);
      if (r !== rank) this.#slotOf.set(r, i);
      this.#writes[i] = [];
    });
  }

  /**
   * Host memory for a communicator whose ranks (COMM_WORLD ranks, first one first) all run on
   * this host: a file `name` beside the first rank's segment. Undefined if one is elsewhere.
   */
  hostMemory(group: readonly number[], name: string): HostMemory | undefined {
    if (!group.every((r) => this.#segments.has(r))) return undefined;
    const file = `${this.#segments.get(group[0])!}.${name}`;
    if (file.startsWith(this.#segment)) this.#ownFiles.add(file);
    const native = this.#native;
    return new HostScratch(
      file,
      (at, bytes) => native.mapShared(at, bytes),
      (bytes) => native.allocate(bytes),
    );
  }

  send(peer: number, frames: Buffer[]): Promise<void> {
    if (this.#closed) return Promise.reject(new MpiError('ERR_TRANSPORT', `cannot send to rank ${peer}: the transport is closed`));
    const slot = this.#slotOf.get(peer)!;
    const queue = this.#writes[slot];
    let offset = 0;
    if (queue.length === 0) {
      try {
        const written = this.#native.write(this.#handle, slot, frames, 0, this.#writeSpinNs);
        if (written === true) return kDone;
        offset = written;
      } catch (error) {
        return Promise.reject(new MpiError('ERR_TRANSPORT', `sending to rank ${peer} failed: ${(error as Error).message}`, { cause: error, rank: peer }));
      }
    }
    return new Promise<void>((resolve, reject) => {
      queue.push({ frames, offset, resolve, reject });
      // The peer rings when it has made room: keep listening, and the process alive, till then.
      if (this.#blocked++ === 0) this.#bell.ref();
    });
  }

  onMessage(handler: MessageHandler): void {
    this.#handler = handler;
    this.#schedule();
  }

  setActive(active: boolean): void {
    this.#active = active;
    if (active) {
      this.#bell.ref();
      this.#schedule();
    } else if (this.#blocked === 0) {
      this.#bell.unref();
    }
  }

  #schedule(): void {
    if (this.#immediate === undefined && !this.#closed) this.#immediate = setImmediate(this.#run);
  }

  /** One round of progress: take what arrived, continue blocked writes, then poll again or sleep. */
  readonly #run = (): void => {
    if (this.#immediate !== undefined) {
      clearImmediate(this.#immediate);
      this.#immediate = undefined;
    }
    if (this.#closed || this.#handler === undefined) return;
    const got = this.#blocked > 0 ? this.#progressBothWays() : this.#drain(this.#active ? this.#spinNs : 0);
    // Something came while the program waits: more is likely soon (a reply, the next chunk).
    if ((got && this.#active) || this.#native.arm(this.#handle)) this.#schedule();
  };

  /**
   * With a write waiting for room, polls both ways for up to the spin budget: takes what has
   * arrived (the peer may be waiting for room here too, as in an exchange) and continues the
   * writes as their readers make room. Polling only the incoming rings would leave a write
   * that could go on waiting out the whole budget (measured: a 16 MiB ping-pong took 2-3x as
   * long with a 1 ms budget). True if messages were handed on.
   */
  #progressBothWays(): boolean {
    const spinMs = this.#active ? Math.abs(this.#spinNs) / 1e6 : 0;
    const deadline = performance.now() + spinMs;
    for (;;) {
      const got = this.#drain(0);
      const wrote = this.#resumeWrites();
      if (got || this.#blocked === 0 || this.#closed) return got;
      if (!wrote && performance.now() >= deadline) return false;
    }
  }

  #drain(spinNs: number): boolean {
    let got = false;
    for (;;) {
      const spare = this.#spare;
      this.#spare = undefined;
      const messages = this.#native.poll(this.#handle, spinNs, spare, this.#spareFrames.count > 0 ? this.#spareFrames.list : undefined);
      if (messages === undefined) {
        this.#spare = spare;
        return got;
      }
      this.#spareFrames.dropTaken();
      got = true;
      spinNs = 0;
      const batch = messages[0];
      const free = batch === undefined || this.#unpack(batch);
      this.#keepSpare(batch !== undefined && free ? batch : undefined, batch === spare ? undefined : spare);
      for (let i = 1; i < messages.length && !this.#closed; i++) {
        const [rank, header, packets] = messages[i] as ShmMessage;
        if (this.#handler!(rank, header, packets, true) === true) this.#spareFrames.keep(packets);
      }
      if (this.#closed) return got;
    }
  }

  /**
   * The next poll writes its batch into a Buffer that no handler kept (the larger of the two
   * free ones), so a loop whose receives copy what arrives (recvInto, the reductions) stops
   * allocating one per poll.
   */
  #keepSpare(a: Buffer | undefined, b: Buffer | undefined): void {
    const larger = a === undefined || (b !== undefined && b.length > a.length) ? b : a;
    this.#spare = larger !== undefined && larger.length <= kSpareMaxBytes ? larger : undefined;
  }

  /** A message its handler kept is given back: its batch becomes the spare once all its kept messages are. */
  recycle(_peer: number, frames: readonly Buffer[]): void {
    for (const f of frames) {
      const kept = this.#keptBatches.get(f.buffer);
      if (kept !== undefined) {
        if (--kept.messages === 0) {
          this.#keptBatches.delete(f.buffer);
          this.#keepSpare(kept.batch, this.#spare);
        }
        return;
      }
    }
    this.#spareFrames.keep(frames);
  }

  /** Hands on the small messages of a poll, each frame a view on the poll's one Buffer; true if no handler kept any. */
  #unpack(batch: Buffer): boolean {
    let kept = 0;
    const count = batch.readUInt32LE(0);
    let at = 4;
    for (let m = 0; m < count && !this.#closed; m++) {
      const rank = batch.readUInt32LE(at);
      const frames = batch.readUInt32LE(at + 4);
      at += 8;
      const header = batch.subarray(batch.readUInt32LE(at), batch.readUInt32LE(at) + batch.readUInt32LE(at + 4));
      at += 8;
      const packets = new Array<Buffer>(frames - 1);
      for (let f = 0; f < frames - 1; f++, at += 8) {
        const offset = batch.readUInt32LE(at);
        packets[f] = batch.subarray(offset, offset + batch.readUInt32LE(at + 4));
      }
      if (this.#handler!(rank, header, packets, true) !== true) kept++;
    }
    if (kept > 0) this.#keptBatches.set(batch.buffer, { batch, messages: kept });
    return kept === 0 && !this.#closed;
  }

  /** Continues the waiting writes as far as their rings have room; true if any byte went. */
  #resumeWrites(): boolean {
    let progress = false;
    for (let slot = 0; slot < this.#writes.length; slot++) {
      const queue = this.#writes[slot];
      while (queue !== undefined && queue.length > 0) {
        const w = queue[0];
        let written: true | number;
        try {
          written = this.#native.write(this.#handle, slot, w.frames, w.offset, 0);
        } catch (error) {
          written = true;
          w.reject(new MpiError('ERR_TRANSPORT', `sending through shared memory failed: ${(error as Error).message}`, { cause: error }));
        }
        progress ||= written === true || written > w.offset;
        if (written !== true) {
          w.offset = written;
          break;
        }
        queue.shift();
        w.resolve();
        if (--this.#blocked === 0 && !this.#active) this.#bell.unref();
      }
    }
    return progress;
  }

  readonly #closeNow = (): void => {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#immediate !== undefined) clearImmediate(this.#immediate);
    this.#bell.destroy();
    this.#native.close(this.#handle);
    for (const file of this.#ownFiles) rmSync(file, { force: true });
    const error = new MpiError('ERR_TRANSPORT', 'the shared-memory transport closed with this send unfinished');
    for (const queue of this.#writes) for (const w of queue?.splice(0) ?? []) w.reject(error);
  };

  async close(): Promise<void> {
    process.removeListener('exit', this.#closeNow);
    this.#closeNow();
  }
}

/**
 * Frame Buffers of large messages (their own memory, not a batch's) whose handler copied them
 * out: the native poll fills one again for a frame of exactly its length (taking it out of the
 * list), so a loop receiving arrays of one size into its own memory stops allocating them.
 */
class SpareFrames {
  readonly list: Array<Buffer | undefined> = [];
  #bytes = 0;

  get count(): number {
    return this.list.length;
  }

  keep(frames: readonly Buffer[]): void {
    for (const f of frames) {
      if (f.length < kSpareFrameMinBytes || this.list.length >= kSpareFramesKept || this.#bytes + f.length > kSpareFramesMaxBytes) continue;
      // A frame is its Buffer's whole memory (the native part creates one per frame).
      if (f.byteOffset !== 0 || f.length !== f.buffer.byteLength) continue;
      this.list.push(f);
      this.#bytes += f.length;
    }
  }

  /** Forgets the ones the last poll took (it left undefined in their place). */
  dropTaken(): void {
    let at = 0;
    for (const f of this.list) {
      if (f === undefined) continue;
      this.list[at++] = f;
    }
    this.list.length = at;
    this.#bytes = 0;
    for (let i = 0; i < at; i++) this.#bytes += this.list[i]!.length;
  }
}
