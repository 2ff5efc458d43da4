// Replaces Python's producer-consumer Queue where a sentinel (None) ends each consumer:
//
//   def consumer(q):
//       while (item := q.get()) is not None:
//           print(item * item)
//   q = Queue()
//   cs = [Process(target=consumer, args=(q,)) for _ in range(3)]
//   for c in cs: c.start()
//   for i in range(20): q.put(i)
//   for _ in cs: q.put(None)          # one sentinel per consumer
//   for c in cs: c.join()
//
// Rank 0 holds the queue; `get()` asks it for the next item, so, as with a shared Queue, an
// item goes to whichever consumer is free first. A consumer stops at its sentinel and asks
// for nothing more, so each one takes exactly one sentinel.
// `npx tsmpirun -n 4 examples/from-python/queue-sentinel.ts`
import { ANY_SOURCE, COMM_WORLD as comm, Status } from 'tsmpi';

const kGet = 1;
const kItem = 2;

if (comm.size < 2) {
  console.error('queue-sentinel.ts needs a producer and at least one consumer: run it with -n 2 or more');
  process.exit(1);
}

if (comm.rank === 0) {
  const consumers = comm.size - 1;
  const queue: Array<number | null> = [...Array.from({ length: 20 }, (_, i) => i), ...Array<null>(consumers).fill(null)];
  const status = new Status();
  for (const item of queue) {
    await comm.recv(ANY_SOURCE, kGet, status);
    await comm.send(item, status.source, kItem);
  }
  console.log(`producer: put 20 items and ${consumers} sentinels`);
} else {
  const get = async (): Promise<number | null> => {
    await comm.send(null, 0, kGet);
    return comm.recv<number | null>(0, kItem);
  };
  const got: number[] = [];
  let squares = 0;
  for (let item = await get(); item !== null; item = await get()) {
    await new Promise((resolve) => setTimeout(resolve, item)); // pretend to work
    got.push(item);
    squares += item * item;
  }
  console.log(`consumer ${comm.rank}: got [${got.join(', ')}], sum of squares ${squares}, then the sentinel`);
}
