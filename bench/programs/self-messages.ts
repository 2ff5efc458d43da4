// The rank-side cost of a message with no transport and no other process: one process (no
// launcher: a world of one) sends 8 B to itself and receives it, ITERS times per repetition.
// Prints the median µs per send+recv pair over 7 repetitions. For bench/trace-overhead.ts.
//   node --import tsx bench/programs/self-messages.ts [ITERS]
import { COMM_WORLD as comm } from 'tsmpi';

const iters = Number(process.argv[2] ?? 20000);
const data = new Float64Array(1);
const reps: number[] = [];
for (let r = 0; r < 7; r++) {
  const t = performance.now();
  for (let i = 0; i < iters; i++) {
    await comm.send(data, 0, 1);
    await comm.recv(0, 1);
  }
  reps.push(((performance.now() - t) * 1000) / iters);
}
reps.sort((a, b) => a - b);
console.log(`BENCH ${JSON.stringify({ rows: [{ reps: [reps[3]] }] })}`);
