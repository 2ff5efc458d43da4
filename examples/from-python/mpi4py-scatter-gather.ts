// Replaces mpi4py's scatter / compute / gather of squares:
//
//   comm = MPI.COMM_WORLD
//   data = [i + 1 for i in range(comm.size)] if comm.rank == 0 else None
//   x = comm.scatter(data, root=0)
//   print(f'rank {comm.rank} got {x}, squares it to {x * x}')
//   squares = comm.gather(x * x, root=0)
//   if comm.rank == 0: print('gathered', squares)
//
// The calls map one to one; they return promises, so each is awaited.
// `npx tsmpirun -n 4 examples/from-python/mpi4py-scatter-gather.ts`
import { COMM_WORLD as comm } from 'tsmpi';

const data = comm.rank === 0 ? Array.from({ length: comm.size }, (_, i) => i + 1) : undefined;
const x = await comm.scatter(data, 0);
console.log(`rank ${comm.rank} got ${x}, squares it to ${x * x}`);
const squares = await comm.gather(x * x, 0);
if (comm.rank === 0) console.log(`gathered [${squares!.join(', ')}]`);
