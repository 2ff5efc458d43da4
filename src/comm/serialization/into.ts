/**
 * Typed-array packets written into an array the caller owns (`recvInto`, the `recvbuf` option
 * of the typed-array collectives) instead of a fresh one: the element types must agree and the
 * bytes must fit; then they are copied, and nothing of the message's size is allocated.
 *
 * A Buffer and a Uint8Array hold the same elements (a Buffer is a Uint8Array), so either lands in
 * either; every other type only in its own (a Float32Array message never lands in a Float64Array).
 */
import { Errors } from '../errors.js';
import type { TypedArray } from '../ops/elementwise.js';
import { kCode, type Packet } from './packet.js';

const kElementCodes: Readonly<Record<string, number>> = {
  Int8Array: kCode.int8,
  Uint8Array: kCode.uint8,
  Uint8ClampedArray: kCode.uint8Clamped,
  Int16Array: kCode.int16,
  Uint16Array: kCode.uint16,
  Int32Array: kCode.int32,
  Uint32Array: kCode.uint32,
  Float32Array: kCode.float32,
  Float64Array: kCode.float64,
  BigInt64Array: kCode.bigInt64,
  BigUint64Array: kCode.bigUint64,
};
const kNames = new Map<number, string>(Object.entries(kElementCodes).map(([name, code]) => [code, name]));

/** The packet code of an array's element type (a Buffer counts as the Uint8Array it is); undefined for a DataView or a non-view. */
export function elementCode(array: unknown): number | undefined {
  if (!ArrayBuffer.isView(array) || array instanceof DataView) return undefined;
  return kElementCodes[(array as TypedArray)[Symbol.toStringTag]];
}

/** The element code a packet's bytes hold, or undefined when it is not a typed array. */
function packetElementCode(code: number): number | undefined {
  if (code === kCode.buffer) return kCode.uint8;
  return kNames.has(code) ? code : undefined;
}

function describePacket(code: number): string {
  const element = packetElementCode(code);
  if (element !== undefined) return `a ${kNames.get(element)!}`;
  if (code === kCode.arrayBuffer) return 'an ArrayBuffer';
  if (code === kCode.dataView) return 'a DataView';
  return 'an object, not a typed array';
}

/** Elements of a typed-array packet of this code, for counts of received pieces. */
export function elementsOf(packet: Packet, bytesPerElement: number): number {
  return packet.bytes.length / bytesPerElement;
}

/**
 * Copies a typed-array packet into `target` from element `at` on; gives the number of elements
 * written. A packet of another element type (or not a typed array) is a TypeError, one longer
 * than the room left an MpiError ERR_TRUNCATE; `what` names the call in both.
 */
export function copyPacketInto(target: TypedArray, packet: Packet, at: number, what: string): number {
  const mine = elementCode(target)!;
  if (packetElementCode(packet.code) !== mine) {
    throw new TypeError(`${what}: the message is ${describePacket(packet.code)}, not the ${kNames.get(mine)!} elements of the receive array`);
  }
  const width = target.BYTES_PER_ELEMENT;
  const elements = packet.bytes.length / width;
  if (at + elements > target.length) throw Errors.truncate(what, elements, target.length - at);
  packet.bytes.copy(new Uint8Array(target.buffer, target.byteOffset + at * width, elements * width));
  return elements;
}
