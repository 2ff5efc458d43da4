// Element-wise sum of a large Float64Array over every rank. Typed arrays travel as raw bytes
// and large ones use the bandwidth-optimal ring algorithm.
// `npx tsmpirun -n 4 examples/typed-allreduce.ts [elements]`
import { COMM_WORLD as comm, SUM, wtime } from 'tsmpi';

const n = Number(process.argv[2] ?? 2_000_000);
const mine = new Float64Array(n).map((_, i) => comm.rank + i);
await comm.barrier();
const start = wtime();
const total = await comm.allreduce(mine, SUM);
const seconds = wtime() - start;
// Sum over ranks r of (r + i) = size*i + size*(size-1)/2
const expected = (i: number): number => comm.size * i + (comm.size * (comm.size - 1)) / 2;
const ok = total.every((v, i) => v === expected(i));
if (comm.rank === 0) {
  const mb = (n * 8) / 1e6;
  console.log(`allreduce of ${n} float64 (${mb.toFixed(1)} MB) on ${comm.size} ranks: ${(seconds * 1000).toFixed(1)} ms, ${ok ? 'correct' : 'WRONG'}`);
}
if (!ok) process.exitCode = 1;
