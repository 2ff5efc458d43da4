/**
 * The header frame in front of every message: a fixed 20-byte part and one code byte per
 * packet that follows as its own frame.
 *
 *   offset  size  field
 *   0       u8    kind      kKind.data, or kKind.ack (no packets; seq = the data message acknowledged)
 *   1       u8    count     number of packet frames after the header (0..255; 0 for a pure signal)
 *   2       u8    flags     kFlag.ack: the receiver acknowledges on arrival
 *   3       u8    reserved  0
 *   4       u32   ctx       context id (communicator p2p ctx, or ctx + 1 for its collectives)
 *   8       u32   src       sender's rank in COMM_WORLD
 *   12      i32   tag       user tag >= 0, or a collective's call number
 *   16      u32   seq       per (sender, receiver) counter: checks ZeroMQ's per-pipe FIFO order
 *   20      u8×count        packet codes
 */
export const kHeaderFixedBytes = 20;
export const kKind = { data: 1, ack: 2 } as const;
export const kFlag = { ack: 1 } as const;
export const kMaxPacketsPerMessage = 255;

export interface Envelope {
  kind?: number;
  flags?: number;
  ctx: number;
  src: number;
  tag: number;
  seq: number;
  codes: number[];
}

export function encodeEnvelope(e: Envelope): Buffer {
  const count = e.codes.length;
  if (count > kMaxPacketsPerMessage) throw new RangeError(`a message carries at most ${kMaxPacketsPerMessage} packets, got ${count}`);
  const b = Buffer.allocUnsafe(kHeaderFixedBytes + count);
  b.writeUInt8(e.kind ?? kKind.data, 0);
  b.writeUInt8(count, 1);
  b.writeUInt8(e.flags ?? 0, 2);
  b.writeUInt8(0, 3);
  b.writeUInt32LE(e.ctx, 4);
  b.writeUInt32LE(e.src, 8);
  b.writeInt32LE(e.tag, 12);
  b.writeUInt32LE(e.seq >>> 0, 16);
  for (let i = 0; i < count; i++) b[kHeaderFixedBytes + i] = e.codes[i];
  return b;
}

/** Why a header was rejected; `undefined` means it is well formed. */
export function envelopeProblem(b: Buffer, packetFrames: number): string | undefined {
  if (b.length < kHeaderFixedBytes) return `header of ${b.length} bytes is shorter than ${kHeaderFixedBytes}`;
  if (b[0] !== kKind.data && b[0] !== kKind.ack) return `unknown message kind ${b[0]}`;
  const count = b[1];
  if (b[0] === kKind.ack && count !== 0) return `an acknowledgement carries no packets, this one announces ${count}`;
  if (b.length !== kHeaderFixedBytes + count) return `header announces ${count} packets but is ${b.length} bytes long`;
  if (count !== packetFrames) return `header announces ${count} packets but ${packetFrames} frames followed`;
  return undefined;
}

/** Decodes a header that `envelopeProblem` accepted. */
export function decodeEnvelope(b: Buffer): Envelope {
  const count = b[1];
  const codes = new Array<number>(count);
  for (let i = 0; i < count; i++) codes[i] = b[kHeaderFixedBytes + i];
  return {
    kind: b[0],
    flags: b[2],
    ctx: b.readUInt32LE(4),
    src: b.readUInt32LE(8),
    tag: b.readInt32LE(12),
    seq: b.readUInt32LE(16),
    codes,
  };
}
