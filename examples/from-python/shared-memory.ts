// Replaces a numpy array in multiprocessing.shared_memory that every worker computes on in
// place, here a running sum (prefix sum) of 0, 1, 2, ... in two passes:
//
//   shm = shared_memory.SharedMemory(create=True, size=n * 8)
//   a = np.ndarray((n,), dtype=np.float64, buffer=shm.buf)
//   a[:] = np.arange(n)
//   def part(i, name):                      # pass 1: each worker sums its slice in place
//       shm = shared_memory.SharedMemory(name=name)
//       a = np.ndarray((n,), dtype=np.float64, buffer=shm.buf)
//       lo, hi = i * n // p, (i + 1) * n // p
//       np.cumsum(a[lo:hi], out=a[lo:hi])
//   ... Pool(p).starmap(part, ...) ...; then add to each slice the sum of the slices before it
//   print(a[-1], n * (n - 1) / 2)
//   shm.close(); shm.unlink()
//
// `allocateShared(Float64Array, n)` is the SharedMemory and the ndarray at once; nothing to
// unlink: the memory goes when the last rank lets go of it, or with the job.
// `npx tsmpirun -n 4 examples/from-python/shared-memory.ts [n]`
import { COMM_WORLD } from 'tsmpi';

const n = Number(process.argv[2] ?? 1_000_000);
const comm = await COMM_WORLD.splitShared();
const a = await comm.allocateShared(Float64Array, n);
const sums = await comm.allocateShared(Float64Array, comm.size); // each slice's total
const lo = Math.floor((comm.rank * n) / comm.size);
const hi = Math.floor(((comm.rank + 1) * n) / comm.size);

for (let i = lo; i < hi; i++) a[i] = i; // a[:] = np.arange(n), each rank its slice
let running = 0;
for (let i = lo; i < hi; i++) a[i] = running += a[i]; // pass 1: prefix sum of the slice
sums[comm.rank] = running;
await comm.barrier();

let before = 0; // pass 2: add what the slices before this one sum to
for (let r = 0; r < comm.rank; r++) before += sums[r];
for (let i = lo; i < hi; i++) a[i] += before;
await comm.barrier();

if (comm.rank === 0) {
  const ok = a.every((x, i) => x === (i * (i + 1)) / 2);
  console.log(`prefix sum of 0..${n - 1} on ${comm.size} ranks, in place in one shared Float64Array`);
  console.log(`last: ${a[n - 1]}, n(n-1)/2 = ${(n * (n - 1)) / 2}, every element right: ${ok}`);
}
