// Replaces Python's Pool.imap, results consumed as they arrive:
//
//   import time
//   from multiprocessing import Pool
//
//   def slow_square(x):
//       time.sleep(0.05 * (x % 3))
//       return x * x
//
//   if __name__ == "__main__":
//       with Pool(4) as pool:
//           for x, sq in zip(range(10), pool.imap(slow_square, range(10))):
//               print(f"{x}^2 = {sq}", flush=True)
//
// The loop body runs as soon as the next result in input order is in, while the workers go on
// with later items; the input is read lazily. `npx tsmpirun -n 4 examples/from-python/imap.ts`
import { COMM_WORLD as comm, startPool, wtime } from 'tsmpi';

const tasks = {
  slowSquare: async (x: number) => {
    await new Promise((resolve) => setTimeout(resolve, 50 * (x % 3)));
    return x * x;
  },
};

function* range(n: number): Generator<number> {
  for (let i = 0; i < n; i++) yield i;
}

const pool = await startPool(comm, tasks);
if (pool !== null) {
  const start = wtime();
  let x = 0;
  for await (const sq of pool.imap('slowSquare', range(10))) {
    console.log(`${x}^2 = ${sq}  (at ${((wtime() - start) * 1000).toFixed(0)} ms)`);
    x++;
  }
  await pool.close();
}
