/**
 * Collective mismatch detection for one communicator, always on. Every rank opens its
 * collective calls in the same order, so call #i on one rank must be call #i everywhere; each
 * message of a call carries the call's signature (coll/signature.ts) and the call number (its
 * tag). The guard watches ARRIVALS on the communicator's collective ctx, not receives, because
 * some ranks of a mismatched pair never post one (a gather leaf receives nothing, yet must learn
 * that the root was doing a bcast):
 *
 * - an arrival for a call this rank has opened is compared with this rank's own signature;
 * - an arrival for a call not yet opened is remembered (the first per call; later ones are
 *   compared with it) and compared when this rank opens that call.
 *
 * On a mismatch at call #i the communicator is broken from #i on, consistently on every rank:
 * this rank rejects its pending receives of calls >= #i at once, every later call rejects when
 * opened, arrivals for those calls are dropped, and a notice goes to every other rank, which
 * does the same. Calls before #i are untouched, so nothing waits on a rank that gave up. The
 * error names both ranks, both calls with their roots, the call number (#1 is the
 * communicator's first collective) and the communicator. A rank whose own part of #i had
 * already finished (a gather leaf, a bcast root) raises it from its next collective.
 *
 * Cost on the message path: the stamp (8 header bytes) and, per arrival, a few integer
 * comparisons; one small object per call for arrivals that come before the call is opened.
 */
import { Errors, type MpiError } from '../errors.js';
import type { Stamp } from '../p2p/envelope.js';
import type { P2PEngine } from '../p2p/p2p-engine.js';
import type { Packet } from '../serialization/packet.js';
import { controlPacket, isControlPacket, readControl } from './fault.js';
import { describeCall, kNone, kNoticeKind, sameCall } from './signature.js';

const kTagMask = 0x7fffffff;
/** Signatures of this many recent calls are kept to check late arrivals against. */
const kWindow = 256;
const kNotice: Stamp = { code: kNoticeKind, a: kNone, b: kNone };

export interface GuardParts {
  engine: P2PEngine;
  /** The communicator's collective ctx. */
  ctx: number;
  /** COMM_WORLD rank of each member, and back. */
  group: readonly number[];
  rankOf: ReadonlyMap<number, number>;
  rank: number;
  /** How errors name the communicator: "COMM_WORLD", "a dup of COMM_WORLD", ... */
  name: string;
}

/** One rank's side of a call: its communicator rank and signature. */
interface Side {
  rank: number;
  stamp: Stamp;
}

export class CollGuard {
  readonly #parts: GuardParts;
  /** Calls opened so far: the next call's number (0-based). */
  #opened = 0;
  readonly #ring = new Array<Stamp | undefined>(kWindow);
  readonly #ringIndex = new Float64Array(kWindow).fill(-1);
  /** First arrival of each call not yet opened here. */
  readonly #early = new Map<number, Side>();
  /** Per peer: the tag of the last call in which this rank sent it a message. */
  readonly #sentIn: Int32Array;
  #failure: { index: number; error: MpiError } | undefined;

  constructor(parts: GuardParts) {
    this.#parts = parts;
    this.#sentIn = new Int32Array(parts.group.length).fill(-1);
    parts.engine.watch(parts.ctx, (src, tag, stamp, packets) => this.#arrived(src, tag, stamp, packets));
  }

  /** Opens the next call with this rank's signature: gives its tag, or throws if the call is known to fail. */
  open(signature: Stamp): number {
    const index = this.#opened++;
    const slot = index & (kWindow - 1);
    this.#ring[slot] = signature;
    this.#ringIndex[slot] = index;
    if (this.#early.size > 0) {
      const first = this.#early.get(index);
      if (first !== undefined) {
        this.#early.delete(index);
        if (!sameCall(first.stamp, signature)) this.#mismatch(index, first, { rank: this.#parts.rank, stamp: signature });
      }
    }
    if (this.#failure !== undefined && index >= this.#failure.index) throw this.#failure.error;
    return index & kTagMask;
  }

  /**
   * The error breaking the call with this tag, if the communicator is broken from that call or
   * an earlier one. Checked before every receive: a failure that arrives while an algorithm is
   * between two steps cancels only the receives already posted, and the next one must not wait.
   */
  failureOf(tag: number): MpiError | undefined {
    const f = this.#failure;
    return f !== undefined && this.#indexOf(tag) >= f.index ? f.error : undefined;
  }

  /** Records that this rank sent `peer` a message of the call with this tag. */
  sentTo(peer: number, tag: number): void {
    this.#sentIn[peer] = tag;
  }

  /** The engine's watcher: false drops the message (a mismatch, a notice, or a call already failed). */
  #arrived(src: number, tag: number, stamp: Stamp, packets: Packet[]): boolean {
    const index = this.#indexOf(tag);
    if ((stamp.code & 15) === kNoticeKind) {
      this.#noticed(index, packets);
      return false;
    }
    if (this.#failure !== undefined && index >= this.#failure.index) return false;
    if (index >= this.#opened) {
      const first = this.#early.get(index);
      if (first === undefined) this.#early.set(index, { rank: this.#parts.rankOf.get(src) ?? -1, stamp });
      else if (!sameCall(first.stamp, stamp)) {
        this.#mismatch(index, first, { rank: this.#parts.rankOf.get(src) ?? -1, stamp });
        return false;
      }
      return true;
    }
    const slot = index & (kWindow - 1);
    if (this.#ringIndex[slot] !== index) return true; // opened too long ago to check
    const mine = this.#ring[slot]!;
    if (sameCall(mine, stamp)) return true;
    this.#mismatch(index, { rank: this.#parts.rankOf.get(src) ?? -1, stamp }, { rank: this.#parts.rank, stamp: mine });
    return false;
  }

  /** The call number a tag stands for: the one nearest to the calls opened so far (tags wrap at 2^31). */
  #indexOf(tag: number): number {
    const ahead = (tag - this.#opened) & kTagMask;
    return ahead < 2 ** 30 ? this.#opened + ahead : this.#opened + ahead - 2 ** 31;
  }

  /**
   * Fails call #index and tells the ranks that may not find out by themselves. A notice to a
   * rank that has already ended stays queued in ZeroMQ and holds this rank's exit (linger), so
   * none is sent where it is redundant: when this rank is one side of the mismatch and sent the
   * other side a message of this call, the other side detects it on arrival too; then only the
   * lower of the two tells the rest.
   */
  #mismatch(index: number, x: Side, y: Side): void {
    if (!this.#fail(index, mismatchError(index, this.#parts.name, x, y))) return;
    const { engine, ctx, group, rank } = this.#parts;
    const other = x.rank === rank ? y.rank : y.rank === rank ? x.rank : -1;
    const tag = index & kTagMask;
    const mutual = other >= 0 && this.#sentIn[other] === tag;
    if (mutual && other < rank) return;
    const notice = controlPacket({ x: [x.rank, x.stamp.code, x.stamp.a, x.stamp.b], y: [y.rank, y.stamp.code, y.stamp.a, y.stamp.b] });
    for (let r = 0; r < group.length; r++) {
      if (r !== rank && !(mutual && r === other)) engine.send(ctx, group[r], tag, [notice], kNotice, true).catch(() => {});
    }
  }

  #noticed(index: number, packets: Packet[]): void {
    if (packets.length !== 1 || !isControlPacket(packets[0])) return;
    const { x, y } = readControl<{ x: number[]; y: number[] }>(packets[0]);
    const side = (v: number[]): Side => ({ rank: v[0], stamp: { code: v[1], a: v[2], b: v[3] } });
    this.#fail(index, mismatchError(index, this.#parts.name, side(x), side(y)));
  }

  /** Breaks the communicator from call #index on; false if it already was (from there or earlier). */
  #fail(index: number, error: MpiError): boolean {
    if (this.#failure !== undefined && this.#failure.index <= index) return false;
    this.#failure = { index, error };
    this.#parts.engine.cancelReceives(this.#parts.ctx, (tag) => this.#indexOf(tag) >= index, error);
    return true;
  }
}

/** The error for call #index (0-based) where x and y differ; the higher rank is named first. */
export function mismatchError(index: number, comm: string, x: Side, y: Side): MpiError {
  const [one, other] = x.rank > y.rank ? [x, y] : [y, x];
  return Errors.mismatch(index + 1, comm, { rank: one.rank, called: describeCall(one.stamp) }, { rank: other.rank, called: describeCall(other.stamp) });
}
