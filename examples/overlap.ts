// Overlapping communication with computation: an `iallreduce` of a large array is started, the
// program computes in slices and yields between them (the collective advances whenever the
// event loop runs: messages arrive, the next round starts), then waits for the request. Timed
// against the allreduce alone and the computation alone; the saving is how much of the two
// overlapped. Results are checked against the serial values.
// `npx tsmpirun -n 4 examples/overlap.ts [elements] [work]`
import { COMM_WORLD as comm, MAX, SUM, wtime } from 'tsmpi';

const n = Number(process.argv[2] ?? 2_000_000);
const work = Number(process.argv[3] ?? 20_000_000);
const { rank, size } = comm;
const data = new Float64Array(n).map((_, i) => (i % 1000) + rank);
const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Some computation independent of the reduction, in slices of `slice` steps with a yield after each. */
async function compute(slice: number): Promise<number> {
  let acc = 0;
  for (let done = 0; done < work; done += slice) {
    const end = Math.min(work, done + slice);
    for (let i = done; i < end; i++) acc += Math.sqrt(i) * 1e-6;
    await yieldToLoop();
  }
  return acc;
}

/** The slowest rank's time of `body`, in ms. */
async function timed<T>(body: () => Promise<T>): Promise<[number, T]> {
  await comm.barrier();
  const start = wtime();
  const value = await body();
  return [await comm.allreduce((wtime() - start) * 1000, MAX), value];
}

const slice = 50_000;
const best = { comm: Infinity, compute: Infinity, both: Infinity };
let reduced: Float64Array | undefined;
let computed = 0;
for (let round = 0; round < 4; round++) {
  // round 0 warms up
  const [tc, r] = await timed(() => comm.allreduce(data, SUM));
  const [tw, c] = await timed(() => compute(slice));
  const [tb, [r2, c2]] = await timed(async () => {
    const req = comm.iallreduce(data, SUM);
    const c3 = await compute(slice);
    return [await req, c3] as const;
  });
  if (round === 0) continue;
  best.comm = Math.min(best.comm, tc);
  best.compute = Math.min(best.compute, tw);
  best.both = Math.min(best.both, tb);
  reduced = r2;
  computed = c2;
  if (c !== c2 || r.some((v, i) => v !== r2[i])) throw new Error('overlapped results differ from the separate ones');
}

// Serial values: sum over ranks of (i % 1000 + r), and the computation done once here.
const expected = (i: number): number => size * (i % 1000) + (size * (size - 1)) / 2;
let serial = 0;
for (let i = 0; i < work; i++) serial += Math.sqrt(i) * 1e-6;
const correct = reduced!.every((v, i) => v === expected(i)) && computed === serial;
if (rank === 0) {
  const saved = best.comm + best.compute - best.both;
  console.log(`overlap: iallreduce of ${n} float64 (${((n * 8) / 1e6).toFixed(1)} MB) on ${size} ranks with ${work} steps of computation`);
  console.log(`allreduce alone ${best.comm.toFixed(1)} ms, computation alone ${best.compute.toFixed(1)} ms, overlapped ${best.both.toFixed(1)} ms`);
  console.log(`saved ${saved.toFixed(1)} ms (${((100 * saved) / (best.comm + best.compute)).toFixed(0)}% of the two in sequence)`);
  console.log(correct ? 'results match the serial computation' : 'WRONG results');
}
if (!correct) process.exitCode = 1;
