// Python's Queue example: rank 0 produces work items, the other ranks consume them until
// they receive the sentinel. Consumers ask for work, so fast consumers take more.
// `npx tsmpirun -n 4 examples/producer-consumer.ts`
import { ANY_SOURCE, COMM_WORLD as comm, Status } from 'tsmpi';

const kRequest = 1;
const kWork = 2;
const kSentinel = null;

if (comm.size < 2) throw new Error('producer-consumer needs at least 2 ranks');

if (comm.rank === 0) {
  const items = Array.from({ length: 20 }, (_, i) => i + 1);
  let stopped = 0;
  const status = new Status();
  while (stopped < comm.size - 1) {
    await comm.recv(ANY_SOURCE, kRequest, status);
    const item = items.shift() ?? kSentinel;
    if (item === kSentinel) stopped++;
    await comm.send(item, status.source, kWork);
  }
  console.log('producer: all items handed out, every consumer stopped');
} else {
  let done = 0;
  let sum = 0;
  for (;;) {
    await comm.send(comm.rank, 0, kRequest);
    const item = await comm.recv<number | null>(0, kWork);
    if (item === kSentinel) break;
    await new Promise((r) => setTimeout(r, 5 * item)); // pretend to work
    done++;
    sum += item * item;
  }
  console.log(`consumer ${comm.rank}: processed ${done} items, sum of squares ${sum}`);
}
