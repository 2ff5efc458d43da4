/**
 * Encodes values into packets and back. Top-level typed arrays, Buffers, DataViews and
 * ArrayBuffers travel as raw bytes (one copy at the call, so the caller may reuse its array as
 * soon as the call resolves) and arrive as the same type; everything else goes through V8's
 * structured-clone serializer. Encoding happens once per message at the sender, decoding once
 * per receiver after the match.
 */
import v8 from 'node:v8';
import { Errors } from '../errors.js';
import { kCode, type Packet } from './packet.js';

type ViewCtor = { new (buffer: ArrayBufferLike, byteOffset: number, length: number): ArrayBufferView; BYTES_PER_ELEMENT: number };

const kViewTypes: ReadonlyArray<readonly [number, ViewCtor]> = [
  [kCode.uint8, Uint8Array],
  [kCode.int8, Int8Array],
  [kCode.uint8Clamped, Uint8ClampedArray],
  [kCode.int16, Int16Array],
  [kCode.uint16, Uint16Array],
  [kCode.int32, Int32Array],
  [kCode.uint32, Uint32Array],
  [kCode.float32, Float32Array],
  [kCode.float64, Float64Array],
  [kCode.bigInt64, BigInt64Array],
  [kCode.bigUint64, BigUint64Array],
];
const kCtorByCode = new Map<number, ViewCtor>(kViewTypes);
const kCodeByCtor = new Map<unknown, number>(kViewTypes.map(([code, ctor]) => [ctor, code]));

/**
 * Copies `length` bytes so the packet no longer shares memory with the caller's array; with
 * `copy` false (the transport copies the bytes before the send resolves) a view on them.
 */
function capture(buffer: ArrayBufferLike, byteOffset: number, length: number, copy: boolean): Buffer {
  if (!copy) return Buffer.from(buffer, byteOffset, length);
  const bytes = Buffer.allocUnsafeSlow(length);
  bytes.set(new Uint8Array(buffer, byteOffset, length));
  return bytes;
}

function rawCode(value: ArrayBufferView): number | undefined {
  if (Buffer.isBuffer(value)) return kCode.buffer;
  if (value instanceof DataView) return kCode.dataView;
  return kCodeByCtor.get((Object.getPrototypeOf(value) as object | null)?.constructor);
}

/**
 * `copy` false: raw bytes stay views on the caller's memory, for a send whose transport copies
 * them before the send resolves (the caller must not change them until then, as in MPI).
 */
export function encode(value: unknown, copy = true): Packet {
  if (ArrayBuffer.isView(value)) {
    const code = rawCode(value);
    if (code !== undefined) return { code, bytes: capture(value.buffer, value.byteOffset, value.byteLength, copy) };
  } else if (value instanceof ArrayBuffer) {
    return { code: kCode.arrayBuffer, bytes: capture(value, 0, value.byteLength, copy) };
  }
  try {
    return { code: kCode.structured, bytes: v8.serialize(value) };
  } catch (err) {
    throw Errors.unsendable(value, err);
  }
}

/** A view on `bytes` when its alignment allows, else an aligned copy (received frames may sit anywhere). */
function view(ctor: ViewCtor, bytes: Buffer): ArrayBufferView {
  const width = ctor.BYTES_PER_ELEMENT;
  if (bytes.length % width !== 0) throw new RangeError(`received ${bytes.length} bytes, not a whole number of ${ctor.name} elements`);
  if (bytes.byteOffset % width === 0) return new ctor(bytes.buffer, bytes.byteOffset, bytes.length / width);
  const aligned = new ArrayBuffer(bytes.length);
  new Uint8Array(aligned).set(bytes);
  return new ctor(aligned, 0, bytes.length / width);
}

function exactArrayBuffer(bytes: Buffer): ArrayBuffer {
  if (bytes.byteOffset === 0 && bytes.buffer.byteLength === bytes.length && bytes.buffer instanceof ArrayBuffer) return bytes.buffer;
  const copy = new ArrayBuffer(bytes.length);
  new Uint8Array(copy).set(bytes);
  return copy;
}

export function decode(packet: Packet): unknown {
  const { code, bytes } = packet;
  switch (code) {
    case kCode.structured:
      return v8.deserialize(bytes);
    case kCode.buffer:
      return bytes;
    case kCode.arrayBuffer:
      return exactArrayBuffer(bytes);
    case kCode.dataView:
      return new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    case kCode.error:
      throw decodeError(packet);
    default: {
      const ctor = kCtorByCode.get(code);
      if (ctor === undefined) throw new TypeError(`received a packet with unknown code ${code}`);
      return view(ctor, bytes);
    }
  }
}

/** What an error packet carries: enough to rebuild an error of the same kind on every rank. */
export interface ErrorInfo {
  name: string;
  message: string;
  rank: number;
}

export function encodeError(info: ErrorInfo): Packet {
  return { code: kCode.error, bytes: Buffer.from(JSON.stringify(info)) };
}

export function isErrorPacket(packet: Packet): boolean {
  return packet.code === kCode.error;
}

export function readErrorInfo(packet: Packet): ErrorInfo {
  return JSON.parse(packet.bytes.toString('utf8')) as ErrorInfo;
}

/**
 * Rebuilds the error as the kind the user would have seen locally (RangeError, TypeError), with
 * the originating rank in the message, so `instanceof` behaves the same on every rank.
 */
export function decodeError(packet: Packet): Error {
  const info = readErrorInfo(packet);
  const message = `${info.message} (raised on rank ${info.rank})`;
  switch (info.name) {
    case 'RangeError':
      return new RangeError(message);
    case 'TypeError':
      return new TypeError(message);
    default: {
      const e = new Error(message);
      e.name = info.name;
      return e;
    }
  }
}

/**
 * Decodes a packet whose bytes are also being sent on (a collective's root or interior node):
 * ZeroMQ may still be reading those bytes after the send resolved, so the value handed to the
 * user must not be a view on them.
 */
export function decodeShared(packet: Packet): unknown {
  if (packet.code === kCode.error) return decode(packet);
  return decode({ code: packet.code, bytes: Buffer.from(packet.bytes) });
}
