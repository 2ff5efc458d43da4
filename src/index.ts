/**
 * tsmpi: MPI for TypeScript. Importing this module in a process started by `tsmpirun` connects
 * the world before the import resolves, so `COMM_WORLD.rank` and `.size` are ready at once.
 *
 * ```ts
 * import { COMM_WORLD as comm, SUM } from 'tsmpi';
 * const total = await comm.allreduce(comm.rank, SUM);
 * ```
 */
import os from 'node:os';
import type { Communicator } from './comm/communicator.js';
import { isLaunched } from './comm/bootstrap/env.js';
import { initWorld, type World } from './comm/world.js';
import { tracked } from './comm/diagnostics/waits.js';

/**
 * A task of a multi-task `srun` step (no tsmpirun) first turns Slurm's environment into the
 * launcher contract; that is launcher code, loaded only then, so comm/ never imports it.
 */
async function joinWorld(): Promise<World> {
  if (!isLaunched(process.env) && process.env.SLURM_STEP_ID !== undefined) {
    const { joinSlurmStep } = await import('./launcher/slurm/step-join.js');
    await joinSlurmStep(process.env);
  }
  return initWorld(process.env);
}

// A rank still joining shows as "in init" in a hang report.
const world = await tracked('init', undefined, false, joinWorld, () => ({ name: 'COMM_WORLD' })).call({ name: 'COMM_WORLD' });
let finalized: Promise<void> | undefined;

/** Every rank of the job. */
export const COMM_WORLD: Communicator = world.comm;

/** Seconds since an arbitrary point, monotonic and high resolution (MPI_Wtime). */
export function wtime(): number {
  return performance.now() / 1000;
}

/** The name of the host this rank runs on. */
export function getProcessorName(): string {
  return os.hostname();
}

/**
 * Collective, like MPI_Finalize: waits for every rank, then closes this rank's sockets.
 * Optional: a program that just ends is finalized too, with every message it sent delivered.
 */
export function finalize(): Promise<void> {
  return finalizeTracked.call(COMM_WORLD);
}

// Reported as "finalize" in a hang report (its barrier is part of it).
const finalizeTracked = tracked('finalize', undefined, false, (): Promise<void> => {
  finalized ??= (async () => {
    await COMM_WORLD.barrier();
    await world.engine.close();
  })();
  return finalized;
});

/** Ends every rank of the job; `tsmpirun` exits with `code`. */
export function abort(code = 1): never {
  return COMM_WORLD.abort(code);
}

export { ANY_SOURCE, ANY_TAG, PROC_NULL, TAG_UB, UNDEFINED } from './comm/constants.js';
export { Communicator, type Gathered, type RecvbufOptions } from './comm/communicator.js';
export { SharedLock } from './comm/shared/shared-lock.js';
export { CartComm } from './comm/topology/cart-comm.js';
export { computeDims } from './comm/topology/dims.js';
export type { BigIntTypedArray, NumberTypedArray, TypedArray } from './comm/ops/elementwise.js';
export { Request, waitall, waitany } from './comm/request.js';
export { Status } from './comm/status.js';
export { MpiError, isMpiError, type ErrorCode } from './comm/errors.js';
export { SUM, PROD, MIN, MAX, LAND, LOR, LXOR, BAND, BOR, BXOR, MINLOC, MAXLOC } from './comm/ops/builtin.js';
export { createOp } from './comm/ops/create.js';
export type { Op, OpLike } from './comm/ops/op.js';
export { startPool, Pool, TaskError, TaskCancelledError, PoolClosedError } from './pool/index.js';
export type { MapOptions, PoolStats, StartPoolOptions, SubmitOptions, TaskArgs, TaskName, TaskRegistry, TaskResult } from './pool/index.js';
