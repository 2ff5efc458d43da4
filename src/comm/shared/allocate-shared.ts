/**
 * allocateShared: one zero-filled block of memory that every rank of a communicator on one
 * host views as the same typed array (MPI_Win_allocate_shared).
 *
 * The block is a file in this host's job directory (a tmpfs), created and mapped by every
 * rank, and unlinked by the first rank as soon as every rank has mapped it. From then on the
 * kernel counts the mappings: the memory is freed when the last rank lets go of its array
 * (the mapping goes when the ArrayBuffer is collected) or ends, however it ends (a SIGKILL
 * unmaps too). A rank killed between the creation and the unlink leaves the file in the job
 * directory, which goes with the job. So nothing outlives the job, and once every rank is past
 * the call (any later collective) the block has no name in the file system at all.
 *
 * Steps (all ranks): allgather of (type, length; the file's path from the first rank) →
 * every rank maps the file, the first also reserves its memory (a host out of memory fails
 * here, not with a SIGBUS at the first write) → allgather of what went wrong, if anything →
 * the first rank unlinks the file. Every rank sees the same two allgathers, so every rank
 * fails alike: a mismatch or a rank that could not map never leaves another waiting.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { Errors, MpiError } from '../errors.js';
import type { TypedArray } from '../ops/elementwise.js';
import { checkSharedArguments, type TypedArrayConstructor } from './shared-arguments.js';
import type { SharedHost } from './shared-host.js';

/** What allocateShared needs of a communicator. */
export interface SharedGroup {
  readonly rank: number;
  readonly size: number;
  /** COMM_WORLD rank of each member. */
  readonly group: readonly number[];
  readonly name: string;
  /** An allgather that the collective checks name `allocateShared`. */
  allgather(value: unknown): Promise<unknown[]>;
}

interface Proposal {
  type: string;
  length: number;
  /** The block's path, from the first rank; '' elsewhere. */
  file: string;
}

export async function allocateShared<A extends TypedArray>(comm: SharedGroup, host: SharedHost | undefined, ctor: unknown, length: unknown): Promise<A> {
  checkSharedArguments(ctor, length);
  const n = length as number;
  // Nobody to share with: ordinary (zeroed) memory does, with or without the native part.
  if (comm.size === 1) return new ctor(n) as A;
  if (host === undefined)
    throw Errors.notShared('allocateShared', comm.name, 'this process was not started by tsmpirun, so it knows of no other rank of its host');
  const notShared = host.whyNotShared(comm.group);
  if (notShared !== undefined) throw Errors.notShared('allocateShared', comm.name, notShared);
  const loaded = host.native();
  if ('why' in loaded) throw Errors.notShared('allocateShared', comm.name, loaded.why);

  const file = comm.rank === 0 ? path.join(host.jobDir, `shared-${comm.group[0]}-${randomBytes(6).toString('hex')}`) : '';
  const proposals = (await comm.allgather({ type: ctor.name, length: n, file } satisfies Proposal)) as Proposal[];
  const [first] = proposals;
  const odd = proposals.findIndex((p) => p.type !== first.type || p.length !== first.length);
  if (odd >= 0) {
    const [a, b] = [proposals[odd], first];
    throw new MpiError(
      'ERR_MISMATCH',
      `allocateShared on ${comm.name}: rank ${odd} asked for ${a.length} ${a.type} elements where rank 0 asked for ${b.length} ${b.type}`,
    );
  }
  const at = first.file;
  const bytes = n * ctor.BYTES_PER_ELEMENT;
  let array: A | undefined;
  let problem: string | null = null;
  try {
    // A zero-length array still maps a byte: every rank then follows the same steps.
    const buffer = loaded.native.mapShared(at, Math.max(1, bytes));
    if (comm.rank === 0) loaded.native.reserve(at, bytes);
    array = new (ctor as TypedArrayConstructor<A>)(buffer, 0, n);
  } catch (error) {
    problem = (error as Error).message;
  }
  const problems = (await comm.allgather(problem)) as (string | null)[];
  // Every rank has mapped it (or given up): the mappings alone keep the memory from now on.
  if (comm.rank === 0) rmSync(at, { force: true });
  const failed = problems.findIndex((p) => p !== null);
  if (failed >= 0) throw Errors.noSharedMemory(`allocateShared(${ctor.name}, ${n}) on ${comm.name}`, failed, problems[failed]!);
  return array!;
}
