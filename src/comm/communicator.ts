/**
 * A group of ranks with its own message space: point-to-point messages and collectives.
 * Methods validate their arguments and delegate: matching and transport live in the p2p
 * engine, algorithms in coll/, grid arithmetic in topology/.
 *
 * Longer than the 300-line cap, on purpose: this class is the public surface, one short method
 * per MPI call (about forty of them), each a few lines of checks and one delegation over the
 * private engine and collective host. Splitting it would spread one call's blocking and
 * nonblocking forms over files, or expose the private fields to make a mixin possible.
 */
import { ANY_SOURCE, ANY_TAG, PROC_NULL, UNDEFINED } from './constants.js';
import * as coll from './coll/index.js';
import * as vcoll from './coll/vector.js';
import type { CollChannel, CollHost, ForcedAlgorithms } from './coll/channel.js';
import { CollGuard } from './coll/guard.js';
import { controlClient } from './bootstrap/control-client.js';
import { kCommunicatorWaits } from './communicator-waits.js';
import { trackMethods } from './diagnostics/waits.js';
import { SUM } from './ops/builtin.js';
import { toOp } from './ops/create.js';
import type { OpLike } from './ops/op.js';
import type { HostMemory } from './host-memory.js';
import type { TypedArray } from './ops/elementwise.js';
import type { Stamp } from './p2p/envelope.js';
import type { Incoming, P2PEngine } from './p2p/p2p-engine.js';
import { decode, encode } from './serialization/codec.js';
import type { Packet } from './serialization/packet.js';
import { copyPacketInto, elementCode } from './serialization/into.js';
import { checkGrid, product, type Grid } from './topology/grid.js';
import type { CartComm } from './topology/cart-comm.js';
import { Request } from './request.js';
import { allocateShared, type SharedGroup } from './shared/allocate-shared.js';
import type { SharedHost } from './shared/shared-host.js';
import { createSharedLock, type SharedLock } from './shared/shared-lock.js';
import { Errors, MpiError } from './errors.js';
import { intoRecvbuf, recvbufFor } from './recvbuf.js';
import { ScratchPool } from './coll/scratch-pool.js';
import { fillStatus, type Received, type Status } from './status.js';
import { assertColor, assertExitCode, assertInteger, assertRank, assertRecvTag, assertRoot, assertSource, assertTag } from './validate.js';

/** @internal How CartComm (topology/cart-comm.ts) gets the parts of a split without a public method. */
export const kSplitParts = Symbol('tsmpi.splitParts');

/**
 * Builds a CartComm. That class extends this one, so this module cannot import it without an
 * import cycle; topology/cart-comm.ts hands its constructor in when it loads, and the package
 * entry (src/index.ts) loads it.
 */
let makeCartComm: ((parts: CommunicatorParts, grid: Grid) => CartComm) | undefined;

/** @internal Called once by topology/cart-comm.ts. */
export function provideCartComm(make: (parts: CommunicatorParts, grid: Grid) => CartComm): void {
  makeCartComm = make;
}

/** What a receive from PROC_NULL gives, at once. */
const kFromProcNull: Received<undefined> = { value: undefined, source: PROC_NULL, tag: ANY_TAG, count: 0 };
/** What a receive that copied its message out resolves with. */
const kNoPackets: Packet[] = [];

/**
 * The option of the typed-array collectives that writes the result into an array of the
 * caller's (mpi4py's `recvbuf`), so a loop allocates no result per call: the call resolves to
 * `recvbuf` itself when the result fills it, else to a view of its first elements.
 */
export interface RecvbufOptions<A extends TypedArray = TypedArray> {
  /** Where the result goes: an array of the result's type with room for it. */
  recvbuf?: A;
}

function recvbufOf(options: RecvbufOptions | undefined): TypedArray | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== 'object' || options === null) throw new TypeError(`options must be an object such as { recvbuf }, got ${Errors.describe(options)}`);
  return options.recvbuf;
}

/** What `gatherv`, `allgatherv` and `alltoallv` give: the pieces end to end, and how long each is. */
export interface Gathered<A extends TypedArray> {
  /** Every piece received, in rank order, end to end. */
  data: A;
  /** The length of each rank's piece, in elements. */
  counts: number[];
}

/** @internal What a communicator is made of; created by the world bootstrap, `split` and `dup`. */
export interface CommunicatorParts {
  engine: P2PEngine;
  /** COMM_WORLD rank of each member, index = rank in this communicator. */
  group: readonly number[];
  rank: number;
  /** Context id of user messages; collectives use ctx + 1. */
  ctx: number;
  algorithms: ForcedAlgorithms;
  /** How errors name it; COMM_WORLD when absent. */
  name?: string;
  /** Which host each rank runs on and where its memory can be shared; absent without a launcher. */
  host?: SharedHost;
}

/**
 * A group of ranks that talk to each other: point-to-point messages (`send`/`recv` and their
 * nonblocking forms), collectives (`bcast`, `allreduce`, ...) and new communicators (`split`,
 * `dup`, `createCart`, `splitShared`). {@link COMM_WORLD} holds every rank of the job.
 *
 * ```ts
 * import { COMM_WORLD as comm, SUM } from 'tsmpi';
 * const total = await comm.allreduce(comm.rank, SUM);
 * ```
 */
export class Communicator {
  readonly #engine: P2PEngine;
  readonly #group: readonly number[];
  readonly #rankOf: Map<number, number>;
  readonly #rank: number;
  readonly #ctx: number;
  readonly #coll: CollHost;
  readonly #name: string;
  readonly #guard: CollGuard;
  readonly #host: SharedHost | undefined;
  #copiesToAll: boolean | undefined;

  /** @internal */
  constructor(parts: CommunicatorParts) {
    this.#engine = parts.engine;
    this.#group = parts.group;
    this.#rankOf = new Map(parts.group.map((world, local) => [world, local]));
    this.#rank = parts.rank;
    this.#ctx = parts.ctx;
    this.#name = parts.name ?? 'COMM_WORLD';
    this.#host = parts.host;
    this.#guard = new CollGuard({ engine: parts.engine, ctx: parts.ctx + 1, group: parts.group, rankOf: this.#rankOf, rank: parts.rank, name: this.#name });
    const self = this;
    // Looked up on first use: most communicators never run a large bcast or allreduce.
    let layout: { hostOf: readonly number[] | undefined; memory: HostMemory | undefined } | undefined;
    const hosts = (): NonNullable<typeof layout> => {
      if (layout !== undefined) return layout;
      const hostOf = parts.engine.hostLayout(parts.group);
      const mine = hostOf === undefined ? parts.group : parts.group.filter((_, r) => hostOf[r] === hostOf[parts.rank]);
      return (layout = { hostOf, memory: parts.engine.hostMemory(mine, `coll-${parts.ctx}`) });
    };
    this.#coll = {
      rank: parts.rank,
      size: parts.group.length,
      algorithms: parts.algorithms,
      scratch: new ScratchPool(),
      channel: (signature) => self.#channel(signature),
      get hostMemory() {
        return hosts().memory;
      },
      get hostOf() {
        return hosts().hostOf;
      },
    };
  }

  /** This process's rank in the communicator, in [0, size). */
  get rank(): number {
    return this.#rank;
  }

  /** The number of ranks in the communicator. */
  get size(): number {
    return this.#group.length;
  }

  /** How errors and reports name it: `COMM_WORLD`, `a split of COMM_WORLD (color 1)`, `a dup of ...`. */
  get name(): string {
    return this.#name;
  }

  /**
   * A fresh lane on the collective context: every rank opens them in the same order, so tags
   * agree. The guard checks the call's signature against what the other ranks called.
   */
  #channel(signature: Stamp): CollChannel {
    const tag = this.#guard.open(signature);
    const ctx = this.#ctx + 1;
    const engine = this.#engine;
    const group = this.#group;
    const guard = this.#guard;
    return {
      rank: this.#rank,
      size: group.length,
      sendCopies: this.#sendCopies(),
      send: (peer, packets) => {
        guard.sentTo(peer, tag);
        return engine.send(ctx, group[peer], tag, packets, signature);
      },
      recv: (peer, capture) => {
        // An algorithm may leave a receive unawaited once another of its receives failed (a
        // mismatch rejects them all at once): that one must not become an unhandled rejection.
        const failed = guard.failureOf(tag);
        const packets = failed !== undefined ? Promise.reject(failed) : engine.recv(ctx, group[peer], tag, capture).then(packetsOf);
        packets.catch(ignore);
        return packets;
      },
    };
  }

  /** Whether the transport copies every send to the other ranks before it resolves (all behind shared memory). */
  #sendCopies(): boolean {
    if (this.#copiesToAll === undefined) {
      const me = this.#group[this.#rank];
      this.#copiesToAll = this.#group.every((peer) => peer === me || this.#engine.copiesBeforeResolving(peer));
    }
    return this.#copiesToAll;
  }

  #received<T>(m: Incoming): Received<T> {
    return { value: decode(m.packets[0]) as T, source: this.#rankOf.get(m.src) ?? -1, tag: m.tag, count: m.bytes };
  }

  #worldSource(source: number): number {
    return source === ANY_SOURCE ? ANY_SOURCE : this.#group[source];
  }

  /**
   * A typed array goes as a view on the caller's memory where its send resolves only once
   * every byte has been read (engine.mayBorrow: a peer behind shared memory, whose transport
   * copies it into the ring, or a large message over ZeroMQ, which waits for the receiver's
   * acknowledgement): MPI lets the caller touch it again then. Elsewhere it is copied at the call.
   */
  #encodeFor(dest: number, data: unknown): Packet {
    const bytes = ArrayBuffer.isView(data) || data instanceof ArrayBuffer ? data.byteLength : 0;
    return encode(data, !this.#engine.mayBorrow(this.#group[dest], bytes));
  }

  /** Sends `data` to `dest`; resolves once the message is handed to the transport. */
  send(data: unknown, dest: number, tag = 0): Promise<void> {
    // Not async: the message path is one promise from here to the transport (an async wrapper
    // added two microtask hops to every 8 B message). Errors still come as rejections.
    try {
      assertTag('tag', tag);
      if (dest === PROC_NULL) return Promise.resolve();
      assertRank('dest', dest, this.size);
      return this.#engine.send(this.#ctx, this.#group[dest], tag, [this.#encodeFor(dest, data)]);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** The next message matching `source` and `tag` (wildcards allowed); fills `status`. */
  recv<T = unknown>(source: number = ANY_SOURCE, tag: number = ANY_TAG, status?: Status): Promise<T> {
    try {
      return this.#recv<T, T>(source, tag, 'source', 'tag', (r) => {
        fillStatus(status, r);
        return r.value;
      });
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Throws for bad arguments; `then` maps the message (one step, no extra promise). */
  #recv<T, R = Received<T>>(source: number, tag: number, sourceName = 'source', tagName = 'tag', then?: (r: Received<T>) => R): Promise<R> {
    assertRecvTag(tagName, tag);
    const map = then ?? ((r: Received<T>) => r as unknown as R);
    if (source === PROC_NULL) return Promise.resolve(map(kFromProcNull as Received<T>));
    assertSource(sourceName, source, this.size);
    return this.#engine.recv(this.#ctx, this.#worldSource(source), tag).then((m) => map(this.#received<T>(m)));
  }

  /**
   * Receives a typed-array message into `buf` without allocating an array for it; resolves to
   * the number of elements written (the rest of `buf` is untouched). A longer message is an
   * MpiError ERR_TRUNCATE, one of another element type (or not a typed array) a TypeError; the
   * message is consumed either way, as MPI does. `status` is filled before the check.
   */
  async recvInto(buf: TypedArray, source: number = ANY_SOURCE, tag: number = ANY_TAG, status?: Status): Promise<number> {
    if (elementCode(buf) === undefined) throw new TypeError(`buf must be a typed array, got ${describeValue(buf)}`);
    assertRecvTag('tag', tag);
    if (source === PROC_NULL) {
      fillStatus(status, kFromProcNull);
      return 0;
    }
    assertSource('source', source, this.size);
    // Copied as the message is matched, so the transport may reuse the memory it arrived in.
    let written: { count: number } | { error: unknown } = { count: 0 };
    const capture = (packets: Packet[]): Packet[] => {
      try {
        written = { count: copyPacketInto(buf, packets[0], 0, 'recvInto') };
      } catch (error) {
        written = { error };
      }
      return kNoPackets;
    };
    const m = await this.#engine.recv(this.#ctx, this.#worldSource(source), tag, capture);
    fillStatus(status, { source: this.#rankOf.get(m.src) ?? -1, tag: m.tag, count: m.bytes });
    const done = written as { count: number } | { error: unknown };
    if ('error' in done) throw done.error;
    return done.count;
  }

  /** Nonblocking send. Argument errors throw at once; send failures surface on `wait`. */
  isend(data: unknown, dest: number, tag = 0): Request<void> {
    assertTag('tag', tag);
    if (dest === PROC_NULL) return new Request(Promise.resolve({ value: undefined, source: PROC_NULL, tag, count: 0 }));
    assertRank('dest', dest, this.size);
    const sent = this.#engine.send(this.#ctx, this.#group[dest], tag, [this.#encodeFor(dest, data)]);
    return new Request(sent.then(() => ({ value: undefined, source: this.#rank, tag, count: 0 })));
  }

  /** Nonblocking receive; `await req` or `req.wait(status)` gives the value. */
  irecv<T = unknown>(source: number = ANY_SOURCE, tag: number = ANY_TAG): Request<T> {
    return new Request(this.#recv<T>(source, tag));
  }

  /** Sends to `dest` and receives from `source` at once, so two ranks exchanging never deadlock. */
  async sendrecv<T = unknown>(data: unknown, dest: number, sendtag = 0, source: number = ANY_SOURCE, recvtag: number = ANY_TAG, status?: Status): Promise<T> {
    if (dest !== PROC_NULL) assertRank('dest', dest, this.size);
    assertTag('sendtag', sendtag);
    if (source !== PROC_NULL) assertSource('source', source, this.size);
    assertRecvTag('recvtag', recvtag);
    const packet = dest === PROC_NULL ? encode(data) : this.#encodeFor(dest, data);
    const received = this.#recv<T>(source, recvtag, 'source', 'recvtag');
    const sent = dest === PROC_NULL ? undefined : this.#engine.send(this.#ctx, this.#group[dest], sendtag, [packet]);
    const [, r] = await Promise.all([sent, received]);
    fillStatus(status, r);
    return r.value;
  }

  /** Waits until a matching message has arrived, without receiving it; fills `status`. */
  async probe(source: number = ANY_SOURCE, tag: number = ANY_TAG, status?: Status): Promise<void> {
    assertRecvTag('tag', tag);
    if (source === PROC_NULL) return fillStatus(status, kFromProcNull);
    assertSource('source', source, this.size);
    const m = await this.#engine.probe(this.#ctx, this.#worldSource(source), tag);
    fillStatus(status, { source: this.#rankOf.get(m.src) ?? -1, tag: m.tag, count: m.bytes });
  }

  /** True if a matching message has already arrived (fills `status`); never waits. */
  iprobe(source: number = ANY_SOURCE, tag: number = ANY_TAG, status?: Status): boolean {
    assertRecvTag('tag', tag);
    if (source === PROC_NULL) {
      fillStatus(status, kFromProcNull);
      return true;
    }
    assertSource('source', source, this.size);
    const m = this.#engine.iprobe(this.#ctx, this.#worldSource(source), tag);
    if (m === undefined) return false;
    fillStatus(status, { source: this.#rankOf.get(m.src) ?? -1, tag: m.tag, count: m.bytes });
    return true;
  }

  /**
   * Resolves once every rank of the communicator has called it (MPI_Barrier).
   *
   * ```ts
   * await comm.barrier(); // every rank has reached this line
   * ```
   */
  async barrier(): Promise<void> {
    await coll.barrier(this.#coll);
  }

  /**
   * The root's value on every rank (each rank gets its own copy, the root included); a typed
   * array can land in `options.recvbuf`.
   */
  async bcast<T = unknown>(data: T | undefined, root = 0, options?: RecvbufOptions): Promise<T> {
    assertRoot(root, this.size);
    const out = recvbufFor('bcast', options, this.#rank === root ? data : undefined, true);
    return intoRecvbuf('bcast', await coll.bcast(this.#coll, data, root), out) as T;
  }

  /** Item i of the root's array goes to rank i; the root's array must have exactly `size` items. */
  async scatter<T = unknown>(data: readonly T[] | undefined, root = 0): Promise<T> {
    assertRoot(root, this.size);
    return (await coll.scatter(this.#coll, data as unknown[] | undefined, root)) as T;
  }

  /** Every rank's value, in rank order, on the root; `undefined` elsewhere. */
  async gather<T = unknown>(data: T, root = 0): Promise<T[] | undefined> {
    assertRoot(root, this.size);
    return (await coll.gather(this.#coll, data, root)) as T[] | undefined;
  }

  /**
   * Every rank's value, in rank order, on every rank (MPI_Allgather).
   *
   * ```ts
   * const ranks = await comm.allgather(comm.rank); // [0, 1, ..., size - 1] everywhere
   * ```
   */
  async allgather<T = unknown>(data: T): Promise<T[]> {
    return (await coll.allgather(this.#coll, data)) as T[];
  }

  /** Item j of each rank's array goes to rank j; each rank gets one item from every rank. */
  async alltoall<T = unknown>(data: readonly T[]): Promise<T[]> {
    return (await coll.alltoall(this.#coll, data as unknown[])) as T[];
  }

  /**
   * `op` over every rank's value, in rank order, on the root; `undefined` elsewhere
   * (MPI_Reduce). A typed-array result can land in `options.recvbuf` on the root.
   *
   * ```ts
   * const total = await comm.reduce(local, SUM, 0); // a number on rank 0, undefined elsewhere
   * ```
   */
  async reduce<T = unknown>(data: T, op: OpLike = SUM, root = 0, options?: RecvbufOptions): Promise<T | undefined> {
    const o = toOp(op);
    assertRoot(root, this.size);
    const out = this.#rank === root ? recvbufFor('reduce', options, data, true) : undefined;
    return intoRecvbuf('reduce', await coll.reduce(this.#coll, data, o, root, out), out) as T | undefined;
  }

  /**
   * `op` over every rank's value, on every rank (MPI_Allreduce); every rank gets the same
   * bits. A typed-array result can land in `options.recvbuf`.
   *
   * ```ts
   * const sum = await comm.allreduce(new Float64Array([comm.rank, 1]), SUM); // [0+1+..., size]
   * ```
   */
  async allreduce<T = unknown>(data: T, op: OpLike = SUM, options?: RecvbufOptions): Promise<T> {
    const o = toOp(op);
    const out = recvbufFor('allreduce', options, data, true);
    return intoRecvbuf('allreduce', await coll.allreduce(this.#coll, data, o, out), out) as T;
  }

  /** Inclusive prefix reduction: rank i gets op over ranks 0..i. */
  async scan<T = unknown>(data: T, op: OpLike = SUM, options?: RecvbufOptions): Promise<T> {
    const o = toOp(op);
    const out = recvbufFor('scan', options, data, true);
    return intoRecvbuf('scan', await coll.scan(this.#coll, data, o), out) as T;
  }

  /** Exclusive prefix reduction: rank i gets op over ranks 0..i-1; `undefined` on rank 0. */
  async exscan<T = unknown>(data: T, op: OpLike = SUM, options?: RecvbufOptions): Promise<T | undefined> {
    const o = toOp(op);
    const out = recvbufFor('exscan', options, data, true);
    return intoRecvbuf('exscan', await coll.exscan(this.#coll, data, o), out) as T | undefined;
  }

  // Nonblocking collectives: the blocking call started now (its channel opens before this
  // returns, so calls started in the same order on every rank match), carried by a Request.
  // It progresses whenever the program yields to the event loop. Argument errors throw at
  // once, as for isend.

  /**
   * Nonblocking {@link Communicator.barrier}: a {@link Request} that completes once every rank has called it.
   */
  ibarrier(): Request<void> {
    return collRequest(coll.barrier(this.#coll));
  }

  /**
   * Nonblocking {@link Communicator.bcast}.
   */
  ibcast<T = unknown>(data: T | undefined, root = 0, options?: RecvbufOptions): Request<T> {
    assertRoot(root, this.size);
    const out = recvbufFor('ibcast', options, this.#rank === root ? data : undefined, true);
    return collRequest(coll.bcast(this.#coll, data, root).then((v) => intoRecvbuf('ibcast', v, out) as T));
  }

  /**
   * Nonblocking {@link Communicator.scatter}.
   */
  iscatter<T = unknown>(data: readonly T[] | undefined, root = 0): Request<T> {
    assertRoot(root, this.size);
    return collRequest(coll.scatter(this.#coll, data as unknown[] | undefined, root) as Promise<T>);
  }

  /**
   * Nonblocking {@link Communicator.gather}.
   */
  igather<T = unknown>(data: T, root = 0): Request<T[] | undefined> {
    assertRoot(root, this.size);
    return collRequest(coll.gather(this.#coll, data, root) as Promise<T[] | undefined>);
  }

  /**
   * Nonblocking {@link Communicator.allgather}.
   */
  iallgather<T = unknown>(data: T): Request<T[]> {
    return collRequest(coll.allgather(this.#coll, data) as Promise<T[]>);
  }

  /**
   * Nonblocking {@link Communicator.alltoall}.
   */
  ialltoall<T = unknown>(data: readonly T[]): Request<T[]> {
    return collRequest(coll.alltoall(this.#coll, data as unknown[]) as Promise<T[]>);
  }

  /**
   * Nonblocking {@link Communicator.reduce}.
   */
  ireduce<T = unknown>(data: T, op: OpLike = SUM, root = 0, options?: RecvbufOptions): Request<T | undefined> {
    const o = toOp(op);
    assertRoot(root, this.size);
    const out = this.#rank === root ? recvbufFor('ireduce', options, data, true) : undefined;
    return collRequest(coll.reduce(this.#coll, data, o, root, out).then((v) => intoRecvbuf('ireduce', v, out) as T | undefined));
  }

  /**
   * Nonblocking {@link Communicator.allreduce}.
   *
   * ```ts
   * const req = comm.iallreduce(grad, SUM);
   * computeSomethingElse();
   * const sum = await req;
   * ```
   */
  iallreduce<T = unknown>(data: T, op: OpLike = SUM, options?: RecvbufOptions): Request<T> {
    const o = toOp(op);
    const out = recvbufFor('iallreduce', options, data, true);
    return collRequest(coll.allreduce(this.#coll, data, o, out).then((v) => intoRecvbuf('iallreduce', v, out) as T));
  }

  /**
   * Nonblocking {@link Communicator.scan}.
   */
  iscan<T = unknown>(data: T, op: OpLike = SUM, options?: RecvbufOptions): Request<T> {
    const o = toOp(op);
    const out = recvbufFor('iscan', options, data, true);
    return collRequest(coll.scan(this.#coll, data, o).then((v) => intoRecvbuf('iscan', v, out) as T));
  }

  /**
   * Nonblocking {@link Communicator.exscan}.
   */
  iexscan<T = unknown>(data: T, op: OpLike = SUM, options?: RecvbufOptions): Request<T | undefined> {
    const o = toOp(op);
    const out = recvbufFor('iexscan', options, data, true);
    return collRequest(coll.exscan(this.#coll, data, o).then((v) => intoRecvbuf('iexscan', v, out) as T | undefined));
  }

  /**
   * The root's typed array cut in rank order into pieces of `counts[i]` elements; rank i gets
   * its piece, a new array of the root's type (or written into `options.recvbuf`). Non-roots
   * pass `undefined` for `data` and `counts`.
   */
  async scatterv<A extends TypedArray>(data: A | undefined, counts: number[] | undefined, root = 0, options?: RecvbufOptions<A>): Promise<A> {
    assertRoot(root, this.size);
    return (await vcoll.scatterv(this.#coll, data, counts, root, recvbufOf(options))) as A;
  }

  /** Typed arrays of any length joined in rank order on the root, with each rank's element count; `undefined` elsewhere. */
  async gatherv<A extends TypedArray>(data: A, root = 0, options?: RecvbufOptions<A>): Promise<Gathered<A> | undefined> {
    assertRoot(root, this.size);
    return (await vcoll.gatherv(this.#coll, data, root, recvbufOf(options))) as Gathered<A> | undefined;
  }

  /** `gatherv` with the result on every rank. */
  async allgatherv<A extends TypedArray>(data: A, options?: RecvbufOptions<A>): Promise<Gathered<A>> {
    return (await vcoll.allgatherv(this.#coll, data, recvbufOf(options))) as Gathered<A>;
  }

  /**
   * The first `counts[0]` elements go to rank 0, the next `counts[1]` to rank 1, ...; the result
   * joins what every rank sent here in rank order, `counts[j]` elements from rank j (nobody
   * sends counts first: they come with the data).
   */
  async alltoallv<A extends TypedArray>(data: A, counts: number[], options?: RecvbufOptions<A>): Promise<Gathered<A>> {
    return (await vcoll.alltoallv(this.#coll, data, counts, recvbufOf(options))) as Gathered<A>;
  }

  /** Element-wise `op` over equal-length arrays (a multiple of `size` long); rank i gets block i. */
  async reduceScatterBlock<A extends TypedArray>(data: A, op: OpLike = SUM, options?: RecvbufOptions<A>): Promise<A> {
    return (await vcoll.reduceScatterBlock(this.#coll, data, toOp(op), recvbufOf(options))) as A;
  }

  /** Element-wise `op` over equal-length arrays; rank i gets block i, of `counts[i]` elements. */
  async reduceScatter<A extends TypedArray>(data: A, counts: number[], op: OpLike = SUM, options?: RecvbufOptions<A>): Promise<A> {
    return (await vcoll.reduceScatter(this.#coll, data, counts, toOp(op), recvbufOf(options))) as A;
  }

  /**
   * Splits into disjoint communicators, one per `color`, ranked by (key, old rank).
   * `color = UNDEFINED` takes part but gets `null`.
   */
  async split(color: number, key = 0): Promise<Communicator | null> {
    assertColor(color);
    assertInteger('key', key);
    const parts = await this.#splitParts(color, key, `a split of ${this.#name} (color ${color})`);
    return parts === null ? null : new Communicator(parts);
  }

  /** @internal The parts of the communicator a split with these arguments makes (null for UNDEFINED). */
  [kSplitParts](color: number, key: number, name: string): Promise<CommunicatorParts | null> {
    return this.#splitParts(color, key, name);
  }

  async #splitParts(color: number, key: number, name: string): Promise<CommunicatorParts | null> {
    const all = (await coll.allgather(this.#coll, [color, key, this.#engine.nextContext], 'split')) as [number, number, number][];
    const ctx = Math.max(...all.map((a) => a[2]));
    this.#engine.useContextsBelow(ctx + 2);
    if (color === UNDEFINED) return null;
    const members = all
      .map((a, i) => ({ color: a[0], key: a[1], i }))
      .filter((m) => m.color === color)
      .sort((a, b) => a.key - b.key || a.i - b.i)
      .map((m) => m.i);
    return this.#parts(
      members.map((i) => this.#group[i]),
      members.indexOf(this.#rank),
      ctx,
      name,
    );
  }

  /**
   * Collective: a Cartesian grid of `dims` over the first product(dims) ranks, which keep their
   * numbers (`reorder` is accepted and, as MPI allows, changes nothing); the other ranks get
   * null. Ranks are numbered row-major over the grid.
   *
   * ```ts
   * const grid = await comm.createCart(computeDims(comm.size, 2), [true, false]);
   * const { source, dest } = grid!.shift(0, 1);
   * ```
   */
  async createCart(dims: number[], periods?: boolean[], reorder = false): Promise<CartComm | null> {
    const grid = checkGrid(dims, periods, reorder, this.size);
    const inGrid = this.#rank < product(grid.dims);
    const parts = await this.#splitParts(inGrid ? 0 : UNDEFINED, this.#rank, `a Cartesian grid ${JSON.stringify(grid.dims)} of ${this.#name}`);
    if (parts === null) return null;
    if (makeCartComm === undefined) throw new MpiError('ERR_INTERN', 'createCart: topology/cart-comm.js was not loaded (the package entry loads it)');
    return makeCartComm(parts, grid);
  }

  /** The same group with a separate message space. */
  async dup(): Promise<Communicator> {
    const all = (await coll.allgather(this.#coll, this.#engine.nextContext, 'dup')) as number[];
    const ctx = Math.max(...all);
    this.#engine.useContextsBelow(ctx + 2);
    return new Communicator(this.#parts(this.#group, this.#rank, ctx, `a dup of ${this.#name}`));
  }

  #parts(group: readonly number[], rank: number, ctx: number, name: string): CommunicatorParts {
    return { engine: this.#engine, group, rank, ctx, algorithms: this.#coll.algorithms, name, host: this.#host };
  }

  // Ranks on one host: shared memory (MPI-3 shared windows; shared/).

  /** Collective: a communicator of the ranks on this rank's host, in their old order (MPI_Comm_split_type SHARED). */
  async splitShared(): Promise<Communicator> {
    const world = this.#group[this.#rank];
    const color = this.#host?.colorOf(world) ?? 0;
    const parts = await this.#splitParts(color, this.#rank, `the ranks of ${this.#host?.nameOf(world) ?? 'this host'} in ${this.#name}`);
    return new Communicator(parts!);
  }

  /**
   * Collective: a zero-filled typed array over one block of memory that every rank of this
   * communicator sees (MPI_Win_allocate_shared); its ranks must run on one host, else
   * MpiError ERR_NOT_SHARED on every rank. Writes are seen by the others after a barrier;
   * Atomics on integer arrays are atomic across the ranks.
   *
   * ```ts
   * const host = await COMM_WORLD.splitShared();
   * const counter = await host.allocateShared(Int32Array, 1);
   * Atomics.add(counter, 0, 1);
   * ```
   */
  // Any typed-array constructor, whatever its overloads take: `unknown[]` would refuse them.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async allocateShared<A extends TypedArray>(ctor: new (...args: any[]) => A, length: number): Promise<A> {
    return allocateShared<A>(this.#sharedGroup(), this.#host, ctor, length);
  }

  /**
   * Collective: a lock across the ranks of this communicator (multiprocessing.Lock), which
   * must run on one host: `acquire()`, `release()`, `withLock(fn)`. Waiters are served in the
   * order they came and sleep in the kernel.
   */
  async createSharedLock(): Promise<SharedLock> {
    return createSharedLock(this);
  }

  #sharedGroup(): SharedGroup {
    return { rank: this.#rank, size: this.size, group: this.#group, name: this.#name, allgather: (v) => coll.allgather(this.#coll, v, 'allocateShared') };
  }

  /** Ends every rank of the job at once; the launcher exits with `code`. */
  abort(code = 1): never {
    assertExitCode(code);
    abortJob(code);
  }
}

// Each communicating method registers what it waits on (communicator-waits.ts), for the
// launcher's hang report and --trace.
trackMethods(Communicator.prototype, kCommunicatorWaits);

const describeValue = Errors.describe;

/** A collective's promise as a Request; its status is MPI's empty one (ANY_SOURCE, ANY_TAG, 0). */
function collRequest<T>(result: Promise<T>): Request<T> {
  return new Request(result.then((value) => ({ value, source: ANY_SOURCE, tag: ANY_TAG, count: 0 })));
}
const packetsOf = (m: Incoming): Packet[] => m.packets;
const ignore = (): void => {};

/** Tells the launcher (if any) and exits; ZeroMQ flushes the notice while the process exits. */
export function abortJob(code: number): never {
  controlClient()
    ?.abort(code)
    .catch(() => {});
  process.exit(code);
}
