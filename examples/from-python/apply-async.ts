// Replaces Python's Pool.apply_async with tasks of uneven length:
//
//   import random, time
//   from multiprocessing import Pool
//
//   def work(ms):
//       time.sleep(ms / 1000)
//       return ms
//
//   if __name__ == "__main__":
//       random.seed(7)
//       durations = [random.randint(20, 180) for _ in range(20)]
//       with Pool(4) as pool:
//           results = [pool.apply_async(work, (ms,)) for ms in durations]
//           print([r.get() for r in results])
//
// Runs the same tasks one after another on rank 0, then on the pool, and prints both times.
// `npx tsmpirun -n 4 examples/from-python/apply-async.ts`
import { COMM_WORLD as comm, startPool, wtime } from 'tsmpi';

const tasks = {
  work: async (ms: number) => {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return ms;
  },
};

/** A small seeded generator, so every run sleeps the same durations. */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const pool = await startPool(comm, tasks);
if (pool !== null) {
  const random = seeded(7);
  const durations = Array.from({ length: 20 }, () => 20 + Math.floor(random() * 161));

  let t = wtime();
  for (const ms of durations) await tasks.work(ms);
  const serial = wtime() - t;

  t = wtime();
  const results = await Promise.all(durations.map((ms) => pool.applyAsync('work', [ms])));
  const parallel = wtime() - t;

  console.log(
    `${durations.length} tasks, ${durations.reduce((a, b) => a + b, 0)} ms of sleep in all; results in order: ${results.join(',') === durations.join(',')}`,
  );
  console.log(`serial on rank 0: ${(serial * 1000).toFixed(0)} ms`);
  console.log(`applyAsync on ${pool.workers} workers: ${(parallel * 1000).toFixed(0)} ms`);
  console.log(`speedup: ${(serial / parallel).toFixed(2)}x`);
  await pool.close();
}
