/**
 * The `recvbuf` option of the collectives that already existed (bcast, reduce, allreduce, scan,
 * exscan): their typed-array result written into the caller's array instead of a new one.
 * Reduce and allreduce pass it to their algorithms, which build the result there where they can
 * (coll/accumulator.ts); the variable-size collectives and reduce-scatter take it inside their
 * algorithms (coll/vector.ts); otherwise the result is copied in here.
 *
 * A recvbuf that cannot take the result for sure (not a typed array, another element type than
 * the data, shorter than the data of a reduction) is a TypeError/RangeError on that rank before
 * anything is sent, like a bad root. Where only the arrival tells (a bcast's non-roots), a
 * result of another element type is a TypeError and a longer one an MpiError ERR_TRUNCATE, after
 * the call has taken its messages, so the other ranks are not affected.
 */
import { Errors } from './errors.js';
import { isTypedArray, type TypedArray } from './ops/elementwise.js';
import { elementCode } from './serialization/into.js';
import { filled } from './coll/pieces.js';

/** What `options` asks for, checked against `data` where the result must have its type and length. */
export function recvbufFor(call: string, options: { recvbuf?: unknown } | undefined, data: unknown, sameLength: boolean): TypedArray | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== 'object' || options === null)
    throw new TypeError(`${call}: options must be an object such as { recvbuf }, got ${Errors.describe(options)}`);
  const recvbuf = options.recvbuf;
  if (recvbuf === undefined) return undefined;
  if (elementCode(recvbuf) === undefined) throw new TypeError(`${call}: recvbuf must be a typed array, got ${Errors.describe(recvbuf)}`);
  const out = recvbuf as TypedArray;
  if (data === undefined) return out;
  if (!isTypedArray(data) || elementCode(data) !== elementCode(out)) {
    throw new TypeError(
      `${call}: recvbuf is a ${out[Symbol.toStringTag]}, data ${Errors.describe(data)}: recvbuf takes typed-array results of its own element type`,
    );
  }
  if (sameLength && out.length < data.length) throw new RangeError(`${call}: recvbuf has ${out.length} elements, the result ${data.length}`);
  return out;
}

/** `result` copied into `recvbuf` (recvbuf itself when filled, else a view of its first elements), or `result` when none. */
export function intoRecvbuf(call: string, result: unknown, recvbuf: TypedArray | undefined): unknown {
  if (recvbuf === undefined || result === undefined) return result;
  if (!isTypedArray(result) || elementCode(result) !== elementCode(recvbuf)) {
    throw new TypeError(
      `${call}: the result is ${Errors.describe(result)}, recvbuf a ${recvbuf[Symbol.toStringTag]}: recvbuf takes typed-array results of its own element type`,
    );
  }
  if (result.length > recvbuf.length) throw Errors.truncate(call, result.length, recvbuf.length);
  // The algorithms that can build the result in recvbuf itself did.
  if (result.buffer !== recvbuf.buffer || result.byteOffset !== recvbuf.byteOffset) (recvbuf as Uint8Array).set(result as Uint8Array);
  return filled(recvbuf, result.length);
}
