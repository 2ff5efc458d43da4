// Replaces printing under a Lock so that lines of different processes never mix:
//
//   def work(lock, i):
//       for k in range(200):
//           with lock:
//               print(f'rank {i} line {k}: ' + str(i) * 120)
//   lock = Lock()
//   for i in range(4): Process(target=work, args=(lock, i)).start()
//
// No lock is needed: the launcher forwards each rank's output in whole lines only, so two
// ranks can never mix within a line, even when a line is written in several pieces with other
// work (here a yield to the event loop) between them. Lines of one rank keep their order.
// `npx tsmpirun -n 4 examples/from-python/lock-print.ts` (add --tag-output for [rank] prefixes)
import { COMM_WORLD as comm } from 'tsmpi';

const lines = 200;
const payload = String(comm.rank).repeat(120);
const write = (text: string): Promise<void> => new Promise((resolve) => process.stdout.write(text, () => resolve()));

for (let k = 0; k < lines; k++) {
  await write(`rank ${comm.rank} line ${k}: `);
  await write(payload.slice(0, 60));
  await new Promise((resolve) => setImmediate(resolve));
  await write(`${payload.slice(60)}\n`);
}
