/**
 * The header frame in front of every message: a fixed 20-byte part and one code byte per
 * packet that follows as its own frame.
 *
 *   offset  size  field
 *   0       u8    kind      kKind: data, or a signal about an earlier message `seq` (see below)
 *   1       u8    count     number of packets of the message (0..255; 0 for a pure signal)
 *   2       u8    flags     kFlag.ack: the receiver acknowledges on arrival;
 *                           kFlag.rendezvous: the packets stay with the sender until pulled
 *   3       u8    stamp     0, or the code of a stamp (then 8 more bytes follow the fixed part)
 *   4       u32   ctx       context id (communicator p2p ctx, or ctx + 1 for its collectives)
 *   8       u32   src       sender's rank in COMM_WORLD
 *   12      i32   tag       user tag >= 0, or a collective's call number
 *   16      u32   seq       per (sender, receiver) counter: checks ZeroMQ's per-pipe FIFO order
 *   20      u32×2 a, b      only when stamped: the stamp's two numbers
 *   20|28   u8×count        packet codes
 *
 * Kinds. `data` carries its packets as frames, or, flagged `rendezvous`, one frame of packet
 * sizes (f64 each) instead: the sender keeps the packets until the receiver matches the
 * message and sends `pull`; they come back as `payload`. The other kinds carry no frames:
 * `ack` (message seq arrived), `pull` (send me message seq's packets), `decline` (message seq
 * will never be received: this rank is ending), `credit` (seq = bytes of eager messages the
 * receiver's program has taken since the last credit; see p2p/flow-window.ts).
 *
 * A stamp is opaque here: a layer above attaches it and reads it back (collectives stamp every
 * message with their call's signature, see coll/signature.ts). Unstamped headers are unchanged.
 */
export const kHeaderFixedBytes = 20;
export const kStampBytes = 8;

/** Three numbers a layer above attaches to a message: `code` in 1..255, `a` and `b` u32. */
export interface Stamp {
  readonly code: number;
  readonly a: number;
  readonly b: number;
}
export const kKind = { data: 1, ack: 2, pull: 3, payload: 4, decline: 5, credit: 6 } as const;
export const kFlag = { ack: 1, rendezvous: 2 } as const;
const kLastKind = kKind.credit;
export const kMaxPacketsPerMessage = 255;

export interface Envelope {
  kind?: number;
  flags?: number;
  ctx: number;
  src: number;
  tag: number;
  seq: number;
  codes: number[];
  stamp?: Stamp;
}

export function encodeEnvelope(e: Envelope): Buffer {
  const count = e.codes.length;
  if (count > kMaxPacketsPerMessage) throw new RangeError(`a message carries at most ${kMaxPacketsPerMessage} packets, got ${count}`);
  const stamp = e.stamp;
  const at = stamp === undefined ? kHeaderFixedBytes : kHeaderFixedBytes + kStampBytes;
  const b = Buffer.allocUnsafe(at + count);
  b.writeUInt8(e.kind ?? kKind.data, 0);
  b.writeUInt8(count, 1);
  b.writeUInt8(e.flags ?? 0, 2);
  b.writeUInt8(stamp === undefined ? 0 : stamp.code, 3);
  b.writeUInt32LE(e.ctx, 4);
  b.writeUInt32LE(e.src, 8);
  b.writeInt32LE(e.tag, 12);
  b.writeUInt32LE(e.seq >>> 0, 16);
  if (stamp !== undefined) {
    b.writeUInt32LE(stamp.a >>> 0, 20);
    b.writeUInt32LE(stamp.b >>> 0, 24);
  }
  for (let i = 0; i < count; i++) b[at + i] = e.codes[i];
  return b;
}

/** Why a header was rejected; `undefined` means it is well formed. */
export function envelopeProblem(b: Buffer, packetFrames: number): string | undefined {
  if (b.length < kHeaderFixedBytes) return `header of ${b.length} bytes is shorter than ${kHeaderFixedBytes}`;
  const kind = b[0];
  if (kind < kKind.data || kind > kLastKind) return `unknown message kind ${kind}`;
  const count = b[1];
  const signal = kind !== kKind.data && kind !== kKind.payload;
  if (signal && (count !== 0 || packetFrames !== 0))
    return `a signal of kind ${kind} carries no packets, this one announces ${count} and has ${packetFrames} frames`;
  const at = b[3] === 0 ? kHeaderFixedBytes : kHeaderFixedBytes + kStampBytes;
  if (b.length !== at + count) return `header announces ${count} packets${at === kHeaderFixedBytes ? '' : ' and a stamp'} but is ${b.length} bytes long`;
  if (kind === kKind.data && (b[2] & kFlag.rendezvous) !== 0) {
    if (packetFrames !== 1) return `a rendezvous header is followed by one frame of sizes, this one by ${packetFrames}`;
    return undefined;
  }
  if (count !== packetFrames) return `header announces ${count} packets but ${packetFrames} frames followed`;
  return undefined;
}

/** Decodes a header that `envelopeProblem` accepted. */
export function decodeEnvelope(b: Buffer): Envelope {
  const count = b[1];
  const stamped = b[3] !== 0;
  const at = stamped ? kHeaderFixedBytes + kStampBytes : kHeaderFixedBytes;
  const codes = new Array<number>(count);
  for (let i = 0; i < count; i++) codes[i] = b[at + i];
  return {
    kind: b[0],
    flags: b[2],
    ctx: b.readUInt32LE(4),
    src: b.readUInt32LE(8),
    tag: b.readInt32LE(12),
    seq: b.readUInt32LE(16),
    codes,
    stamp: stamped ? { code: b[3], a: b.readUInt32LE(20), b: b.readUInt32LE(24) } : undefined,
  };
}
