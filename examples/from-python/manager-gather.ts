// Replaces a Manager's shared list and dict that worker processes fill in:
//
//   def work(i, l, d):
//       l.append(i * i)
//       d[f'worker-{i}'] = os.getpid()
//   with Manager() as m:
//       l, d = m.list(), m.dict()
//       ps = [Process(target=work, args=(i, l, d)) for i in range(4)]
//       for p in ps: p.start()
//       for p in ps: p.join()
//       print(list(l), dict(d))
//
// There is no server process holding the shared objects: each rank computes its entries and
// `gather` brings them to the root in rank order (a list in a fixed order, unlike the
// Manager's, which is in order of arrival); `allgather` would give every rank the result.
// `npx tsmpirun -n 4 examples/from-python/manager-gather.ts`
import { COMM_WORLD as comm } from 'tsmpi';

const entries = await comm.gather({ square: comm.rank * comm.rank, key: `worker-${comm.rank}`, pid: process.pid }, 0);
if (comm.rank === 0) {
  const list = entries!.map((e) => e.square);
  const dict = Object.fromEntries(entries!.map((e) => [e.key, e.pid]));
  console.log(`list: ${JSON.stringify(list)}`);
  console.log(`dict: ${JSON.stringify(dict)}`);
}
