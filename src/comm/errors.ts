/**
 * Argument errors are the built-in kinds (`RangeError`, `TypeError`) so `instanceof` works the
 * way users expect; failures of the job itself are `MpiError` with a `code`. All wording lives
 * in `Errors` so messages stay consistent and tests can assert them literally.
 */
/**
 * Why a job-level call failed. An error that happened on another rank during a collective is
 * rebuilt as the kind the caller would have seen locally (serialization/codec.ts decodeError),
 * with the failing rank in its message, not as a code.
 */
export type ErrorCode =
  'ERR_MISMATCH' | 'ERR_INTERN' | 'ERR_TRANSPORT' | 'ERR_BOOTSTRAP' | 'ERR_FINALIZED' | 'ERR_TRUNCATE' | 'ERR_NOT_SHARED' | 'ERR_NO_MEM' | 'ERR_NOT_HELD';

/**
 * A failure of the job itself, not of an argument: a mismatch between ranks' collectives, a
 * truncated receive, a transport or bootstrap failure, ... with a {@link ErrorCode} saying which.
 *
 * ```ts
 * try { await comm.recvInto(small, 0); } catch (e) { if (isMpiError(e) && e.code === 'ERR_TRUNCATE') ... }
 * ```
 */
export class MpiError extends Error {
  /** Which failure this is. */
  readonly code: ErrorCode;
  /** The rank the failure concerns, when one does. */
  readonly rank?: number;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; rank?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MpiError';
    this.code = code;
    if (options?.rank !== undefined) this.rank = options.rank;
  }
}

/** Whether `e` is an {@link MpiError}: a type guard for `catch` clauses. */
export function isMpiError(e: unknown): e is MpiError {
  return e instanceof MpiError;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return `"${value}" (string)`;
  if (typeof value === 'bigint') return `${value}n (bigint)`;
  if (typeof value === 'number') return `${value}`;
  if (typeof value === 'boolean') return `${value} (boolean)`;
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol') return value.toString();
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  const ctor = value.constructor?.name;
  return ctor && ctor !== 'Object' ? `a ${ctor}` : 'an object';
}

export const Errors = {
  describe,
  invalidRank: (what: string, value: unknown, size: number): RangeError =>
    new RangeError(`${what} ${describe(value)} is out of range [0, ${size}) of this communicator`),
  invalidSource: (what: string, value: unknown, size: number): RangeError =>
    new RangeError(`${what} ${describe(value)} is out of range: expected ANY_SOURCE (-1) or a rank in [0, ${size})`),
  invalidTag: (what: string, value: unknown, max: number): RangeError =>
    new RangeError(`${what} ${describe(value)} is out of range: expected an integer in [0, ${max}]`),
  invalidRecvTag: (what: string, value: unknown, max: number): RangeError =>
    new RangeError(`${what} ${describe(value)} is out of range: expected ANY_TAG (-1) or an integer in [0, ${max}]`),
  notInteger: (what: string, value: unknown): RangeError => new RangeError(`${what} must be an integer, got ${describe(value)}`),
  unsendable: (value: unknown, cause?: unknown): TypeError =>
    new TypeError(
      `cannot send ${describe(value)}: ${cause instanceof Error ? `${cause.message} ` : ''}(only values that structured clone accepts can be sent)`,
      cause === undefined ? undefined : { cause },
    ),
  scatterLength: (got: unknown, size: number): RangeError =>
    new RangeError(`scatter: data on the root must be an array of exactly ${size} items (one per rank), got ${describe(got)}`),
  alltoallLength: (got: unknown, size: number): RangeError =>
    new RangeError(`alltoall: data must be an array of exactly ${size} items (one per rank), got ${describe(got)}`),
  /** A message or collective result longer than the caller's array (MPI_ERR_TRUNCATE). */
  truncate: (what: string, elements: number, room: number): MpiError =>
    new MpiError('ERR_TRUNCATE', `${what}: the message holds ${elements} elements, more than the ${room} the receive array has room for`),
  finalized: (what: string): MpiError => new MpiError('ERR_FINALIZED', `${what} called after finalize()`),
  /** Two ranks' calls at the same step of one communicator differ (`call`: 1 for its first collective). */
  mismatch: (call: number, comm: string, one: { rank: number; called: string }, other: { rank: number; called: string }): MpiError =>
    new MpiError('ERR_MISMATCH', `rank ${one.rank} called ${one.called} where rank ${other.rank} called ${other.called}, collective #${call} on ${comm}`),
  /** allocateShared/createSharedLock on a communicator whose ranks cannot share memory. */
  notShared: (what: string, comm: string, why: string): MpiError => new MpiError('ERR_NOT_SHARED', `${what} on ${comm}: ${why}`),
  /** The host could not give a shared block its memory (MPI_ERR_NO_MEM). */
  noSharedMemory: (what: string, rank: number, why: string): MpiError =>
    new MpiError('ERR_NO_MEM', `${what}: rank ${rank} could not map the shared block: ${why}`, { rank }),
  notHeld: (): MpiError => new MpiError('ERR_NOT_HELD', 'release: this rank does not hold the lock'),
  sequence: (peer: number, expected: number, got: number): MpiError =>
    new MpiError('ERR_INTERN', `message from rank ${peer} arrived out of order: sequence ${got}, expected ${expected}`),
};
