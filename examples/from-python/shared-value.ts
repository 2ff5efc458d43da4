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
// Nothing is shared and nothing needs a lock: the root's initial value reaches every rank
// with `bcast`, each rank works on its own copy, and `allreduce` with SUM combines the
// contributions (an array contribution is zero everywhere but in the rank's own slot).
// `npx tsmpirun -n 4 examples/from-python/shared-value.ts`
import { COMM_WORLD as comm, SUM } from 'tsmpi';

const initial = await comm.bcast(comm.rank === 0 ? 100 : 0, 0);

let increments = 0;
for (let i = 0; i < 10; i++) increments++;
const arr = new Float64Array(comm.size);
arr[comm.rank] = comm.rank * comm.rank;

const [added, combined] = await Promise.all([comm.allreduce(increments, SUM), comm.allreduce(arr, SUM)]);
const counter = initial + added;
if (comm.rank === 0) {
  console.log(`counter: ${initial} + ${comm.size} workers x 10 increments = ${counter}`);
  console.log(`array: [${combined.join(', ')}]`);
}
