/**
 * A Packet is one encoded value: a one-byte code saying how to decode it and its bytes.
 * Every message on the wire carries one or more packets (a point-to-point message carries one;
 * a collective may carry a whole subtree's items in one message), and interior nodes of a
 * collective forward packets without decoding them.
 */
export interface Packet {
  readonly code: number;
  readonly bytes: Buffer;
}

/** Packet codes. 0 is the structured-clone path; 1..14 are raw typed-array paths; 254 and 255 are internal. */
export const kCode = {
  structured: 0,
  arrayBuffer: 1,
  buffer: 2,
  uint8: 3,
  int8: 4,
  uint8Clamped: 5,
  int16: 6,
  uint16: 7,
  int32: 8,
  uint32: 9,
  float32: 10,
  float64: 11,
  bigInt64: 12,
  bigUint64: 13,
  dataView: 14,
  /** A collective's own bookkeeping (coll/fault.ts); never handed to decode. */
  collectiveControl: 254,
  /** A failure travelling through a collective so every rank raises it instead of hanging. */
  error: 255,
} as const;
