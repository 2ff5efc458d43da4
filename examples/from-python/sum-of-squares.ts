// Replaces a numba-style parallel sum of squares over a large float64 array:
//
//   @numba.njit(parallel=True)
//   def sum_of_squares(x):
//       s = 0.0
//       for i in numba.prange(x.size):
//           s += x[i] * x[i]
//       return s
//   x = np.arange(10_000_000, dtype=np.float64)
//   print(sum_of_squares(x))
//
// Threads over one array become ranks over slices: each rank builds only its own contiguous
// slice of 0, 1, ..., n-1 as a Float64Array, sums the squares of it, and `allreduce` adds the
// partial sums. The closed form n(n-1)(2n-1)/6, computed exactly with bigint, gives the error.
// `npx tsmpirun -n 4 examples/from-python/sum-of-squares.ts [n]`
import { COMM_WORLD as comm, SUM, wtime } from 'tsmpi';

const n = await comm.bcast(comm.rank === 0 ? Number(process.argv[2] ?? 10_000_000) : 0, 0);
if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`n must be a positive integer, got ${process.argv[2]}`);
await comm.barrier();
const start = wtime();

// Slices differ in length by at most one element.
const lo = Math.floor((n * comm.rank) / comm.size);
const hi = Math.floor((n * (comm.rank + 1)) / comm.size);
const x = new Float64Array(hi - lo);
for (let i = 0; i < x.length; i++) x[i] = lo + i;
let local = 0;
for (let i = 0; i < x.length; i++) local += x[i] * x[i];
const total = await comm.allreduce(local, SUM);
const seconds = wtime() - start;

if (comm.rank === 0) {
  const N = BigInt(n);
  const exact = Number((N * (N - 1n) * (2n * N - 1n)) / 6n);
  const error = Math.abs(total - exact) / exact;
  console.log(`sum of squares of 0..${n - 1} on ${comm.size} ranks: ${total.toPrecision(17)}`);
  console.log(`closed form n(n-1)(2n-1)/6:  ${exact.toPrecision(17)}, relative error ${error.toExponential(2)}`);
  console.log(`built and summed in ${(seconds * 1000).toFixed(1)} ms`);
}
