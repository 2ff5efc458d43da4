// Replaces an Amdahl's-law demo that times a job with a serial part on 1, 2, 4, 8 processes:
//
//   def job(p, f, work):                  # fraction f of the work cannot be split
//       spin(f * work)                    # serial part, one process
//       with Pool(p) as pool:             # parallel part, split over p processes
//           pool.map(spin, [(1 - f) * work / p] * p)
//   for p in (1, 2, 4, 8):
//       t = timeit(lambda: job(p, 0.1, W), number=1)
//       print(p, t1 / t, 1 / (f + (1 - f) / p))
//
// One `-n 8` run measures every count: for each p, `split` makes a sub-communicator of the
// first p ranks of the running world, which runs the job while the other ranks wait (idle,
// not spinning). Its rank 0 does the serial part alone, then all p ranks do 1/p of the rest
// each, and a reduce ends the job. Each count is timed twice and the faster run kept.
// Amdahl's formula assumes one CPU per process: ranks beyond the machine's CPU count share
// cores, so the last column caps p at the CPU count, which is what this machine can show.
// `npx tsmpirun -n 8 examples/from-python/amdahl.ts [serial-fraction] [work-millions]`
import os from 'node:os';
import { COMM_WORLD as world, MAX, UNDEFINED, wtime } from 'tsmpi';

const serialFraction = Number(process.argv[2] ?? 0.1);
const work = Number(process.argv[3] ?? 300) * 1e6; // iterations of the spin loop in total
if (!(serialFraction >= 0 && serialFraction <= 1)) throw new RangeError(`serial-fraction must be in [0, 1], got ${process.argv[2]}`);
if (!(work > 0)) throw new RangeError(`work-millions must be a positive number, got ${process.argv[3]}`);

/** CPU-bound busy work of `iterations` steps; the result keeps the loop from being optimised away. */
function spin(iterations: number): number {
  let s = 0;
  for (let i = 0; i < iterations; i++) s += Math.sqrt(i);
  return s;
}

const counts = [1, 2, 4, 8].filter((p) => p <= world.size);
const cpus = os.availableParallelism();
const amdahl = (p: number): number => 1 / (serialFraction + (1 - serialFraction) / p);
spin(work / 100); // warm up the JIT so the first timed count is not penalised

const times: number[] = [];
for (const p of counts) {
  const comm = await world.split(world.rank < p ? 0 : UNDEFINED);
  let best = Infinity;
  if (comm) {
    for (let run = 0; run < 2; run++) {
      await comm.barrier();
      const start = wtime();
      if (comm.rank === 0) spin(serialFraction * work);
      await comm.barrier(); // nobody starts the parallel part before the serial part is done
      const sink = spin(((1 - serialFraction) * work) / p);
      await comm.reduce(sink, MAX, 0);
      best = Math.min(best, wtime() - start);
    }
  }
  times.push(best);
  await world.barrier(); // the next count starts once every rank is back
}

if (world.rank === 0) {
  console.log(`Amdahl's law, serial fraction ${serialFraction}, ${work / 1e6} million steps, ${cpus} CPUs on this machine`);
  console.log('ranks   time (ms)   measured speedup   Amdahl   Amdahl with p capped at CPUs');
  counts.forEach((p, i) => {
    const row = [
      String(p).padStart(5),
      (times[i] * 1000).toFixed(1).padStart(11),
      (times[0] / times[i]).toFixed(2).padStart(18),
      amdahl(p).toFixed(2).padStart(8),
      amdahl(Math.min(p, cpus)).toFixed(2).padStart(30),
    ];
    console.log(row.join(' '));
  });
  if (counts.at(-1)! > cpus) console.log(`beyond ${cpus} ranks the ranks share ${cpus} CPUs: expect the capped column, not Amdahl's`);
}
