// Replaces Python's multiprocessing.Pool.map:
//
//   from multiprocessing import Pool
//
//   def square(x):
//       return x * x
//
//   if __name__ == "__main__":
//       with Pool(4) as pool:
//           print(pool.map(square, range(16)))
//
// Every rank runs this file with the same task registry; rank 0 gets the pool and the other
// ranks serve it until it is closed. `npx tsmpirun -n 4 examples/from-python/pool-map.ts`
import { COMM_WORLD as comm, startPool } from 'tsmpi';

const tasks = {
  square: (x: number) => x * x,
};

const pool = await startPool(comm, tasks);
if (pool !== null) {
  const squares = await pool.map(
    'square',
    Array.from({ length: 16 }, (_, i) => i),
  );
  console.log(`[${squares.join(', ')}]`);
  await pool.close();
}
