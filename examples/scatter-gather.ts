// Python's `Pool(4).map(square, range(16))`, SPMD style: the root scatters one chunk per rank,
// every rank squares its chunk, the root gathers the results in order.
// `npx tsmpirun -n 4 examples/scatter-gather.ts`
import { COMM_WORLD as comm } from 'tsmpi';

const square = (x: number): number => x * x;

let chunks: number[][] | undefined;
if (comm.rank === 0) {
  const inputs = Array.from({ length: 16 }, (_, i) => i);
  chunks = Array.from({ length: comm.size }, (_, r) => inputs.filter((_, i) => i % comm.size === r));
}
const mine = await comm.scatter(chunks, 0);
const results = await comm.gather(mine.map(square), 0);
if (comm.rank === 0) {
  // Undo the round-robin dealing so the output is in input order, as Pool.map returns it.
  const ordered: number[] = [];
  const total = results!.reduce((n, r) => n + r.length, 0);
  for (let i = 0; i < total; i++) ordered.push(results![i % comm.size][Math.floor(i / comm.size)]);
  console.log(ordered.join(' '));
}
