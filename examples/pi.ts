// Midpoint-rule pi: rank 0 broadcasts the number of intervals, every rank sums its share,
// allreduce adds the shares up. `npx tsmpirun -n 4 examples/pi.ts [intervals]`
import { COMM_WORLD as comm, SUM, wtime } from 'tsmpi';

const start = wtime();
const n = await comm.bcast(comm.rank === 0 ? Number(process.argv[2] ?? 10_000_000) : 0, 0);
const h = 1 / n;
let local = 0;
for (let i = comm.rank; i < n; i += comm.size) {
  const x = h * (i + 0.5);
  local += 4 / (1 + x * x);
}
const pi = await comm.allreduce(local * h, SUM);
if (comm.rank === 0) {
  console.log(`pi is approximately ${pi.toFixed(16)}, error ${Math.abs(pi - Math.PI).toExponential(3)}`);
  console.log(`${n} intervals on ${comm.size} ranks in ${((wtime() - start) * 1000).toFixed(1)} ms`);
}
