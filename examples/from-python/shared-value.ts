// Replaces shared memory Value and Array updated by every worker under a lock:
//
//   def work(i, counter, arr):
//       for _ in range(10):
//           with counter.get_lock(): counter.value += 1
//       arr[i] = i * i
//   counter, arr = Value('i', 100), Array('d', 4)
//   ps = [Process(target=work, args=(i, counter, arr)) for i in range(4)]
//   ... start, join ...
//   print(counter.value, arr[:])       # 140 [0.0, 1.0, 4.0, 9.0]
//
// The same memory, really shared: `allocateShared` gives every rank of the host a typed array
// over one block (Value('i') is an Int32Array of one element, Array('d', n) a Float64Array),
// and `createSharedLock` is the lock. `barrier` plays join(): after it, every write is seen.
// `npx tsmpirun -n 4 examples/from-python/shared-value.ts`
import { COMM_WORLD } from 'tsmpi';

const comm = await COMM_WORLD.splitShared(); // the ranks of this host
const counter = await comm.allocateShared(Int32Array, 1); // Value('i')
const arr = await comm.allocateShared(Float64Array, comm.size); // Array('d', n)
const lock = await comm.createSharedLock(); // counter.get_lock()
if (comm.rank === 0) counter[0] = 100;
await comm.barrier();

for (let i = 0; i < 10; i++) {
  await lock.withLock(() => {
    counter[0] += 1; // read, add, write: the lock makes it one step
  });
}
arr[comm.rank] = comm.rank * comm.rank;

await comm.barrier(); // join(): every worker's writes are in
if (comm.rank === 0) {
  console.log(`counter: 100 + ${comm.size} workers x 10 increments = ${counter[0]}`);
  console.log(`array: [${Array.from(arr).join(', ')}]`);
}
