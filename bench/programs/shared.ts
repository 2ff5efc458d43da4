// Memory shared by the ranks of a host (issue 16): the time for every rank to add --adds to one
// shared Int32 counter with Atomics, the lock hand-offs per second when every rank takes a
// shared lock --rounds times, and the time to allocate, fill (a[i] = i, each rank its slice)
// and sum (each rank its slice, then the partial sums) a shared Float64Array of --mib MiB.
// Each figure is the slowest rank's, --reps times. Python's equivalents: bench/anchors/shared_python.py.
// tsmpirun -n 4 bench/programs/shared.ts --adds 1000000 --mib 64
import { COMM_WORLD, wtime } from 'tsmpi';
import { arg, emit, slowest } from './common.js';

const comm = await COMM_WORLD.splitShared();
const adds = Number(arg('adds', '1000000'));
const rounds = Number(arg('rounds', '2000'));
const n = (Number(arg('mib', '64')) * 1024 * 1024) / 8;
const reps = Number(arg('reps', '5'));
const lo = Math.floor((comm.rank * n) / comm.size);
const hi = Math.floor(((comm.rank + 1) * n) / comm.size);

async function timed(body: () => unknown): Promise<number> {
  await comm.barrier();
  const t = wtime();
  await body();
  return slowest(wtime() - t);
}

const counterMs: number[] = [],
  handoffsPerS: number[] = [],
  allocateMs: number[] = [],
  fillMs: number[] = [],
  sumMs: number[] = [];
const lock = await comm.createSharedLock();
const partial = await comm.allocateShared(Float64Array, comm.size);
let total = 0;
for (let r = 0; r < reps; r++) {
  const counter = await comm.allocateShared(Int32Array, 1);
  counterMs.push(
    1000 *
      (await timed(() => {
        for (let i = 0; i < adds; i++) Atomics.add(counter, 0, 1);
      })),
  );
  if (Atomics.load(counter, 0) !== adds * comm.size) throw new Error(`counter ${counter[0]}, expected ${adds * comm.size}`);
  const s = await timed(async () => {
    for (let i = 0; i < rounds; i++) await lock.withLock(() => undefined);
  });
  handoffsPerS.push((rounds * comm.size) / s);
  let a!: Float64Array;
  allocateMs.push(1000 * (await timed(async () => (a = await comm.allocateShared(Float64Array, n)))));
  fillMs.push(
    1000 *
      (await timed(() => {
        for (let i = lo; i < hi; i++) a[i] = i;
      })),
  );
  sumMs.push(
    1000 *
      (await timed(async () => {
        let sum = 0;
        for (let i = lo; i < hi; i++) sum += a[i];
        partial[comm.rank] = sum;
        await comm.barrier();
        total = partial.reduce((x, y) => x + y, 0);
      })),
  );
  if (total !== (n * (n - 1)) / 2) throw new Error(`sum ${total}, expected ${(n * (n - 1)) / 2}`);
}
emit({ program: 'shared', np: comm.size, adds, rounds, mib: (n * 8) / 1024 / 1024, counterMs, handoffsPerS, allocateMs, fillMs, sumMs });
