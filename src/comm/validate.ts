/**
 * Argument checks at the API boundary. Every failure names the argument and the value and is
 * raised before anything is sent.
 */
import { ANY_SOURCE, ANY_TAG, TAG_UB, UNDEFINED } from './constants.js';
import { Errors } from './errors.js';

export function assertRank(what: string, value: unknown, size: number): asserts value is number {
  if (!Number.isInteger(value) || (value as number) < 0 || (value as number) >= size) throw Errors.invalidRank(what, value, size);
}

export function assertSource(what: string, value: unknown, size: number): asserts value is number {
  if (value === ANY_SOURCE) return;
  if (!Number.isInteger(value) || (value as number) < 0 || (value as number) >= size) throw Errors.invalidSource(what, value, size);
}

export function assertTag(what: string, value: unknown): asserts value is number {
  if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > TAG_UB) throw Errors.invalidTag(what, value, TAG_UB);
}

export function assertRecvTag(what: string, value: unknown): asserts value is number {
  if (value === ANY_TAG) return;
  if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > TAG_UB) throw Errors.invalidRecvTag(what, value, TAG_UB);
}

export function assertColor(value: unknown): asserts value is number {
  if (value === UNDEFINED) return;
  if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > TAG_UB) {
    throw new RangeError(`color ${Errors.describe(value)} is out of range: expected UNDEFINED or an integer in [0, ${TAG_UB}]`);
  }
}

export function assertInteger(what: string, value: unknown): asserts value is number {
  if (!Number.isSafeInteger(value)) throw Errors.notInteger(what, value);
}

export function assertExitCode(value: unknown): asserts value is number {
  if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > 255) {
    throw new RangeError(`code ${Errors.describe(value)} is out of range: expected an integer in [0, 255]`);
  }
}

export function assertRoot(value: unknown, size: number): asserts value is number {
  assertRank('root', value, size);
}
