// Replaces Python's worker processes that are started, do their work and are joined:
//
//   def work(n):
//       time.sleep(0.1 * n)
//       print(f"worker {n} (pid {os.getpid()}) slept {100 * n} ms")
//   ps = [Process(target=work, args=(n,)) for n in range(4)]
//   for p in ps: p.start()
//   for p in ps: p.join()
//
// Every rank already is a worker process, started by the launcher; "join" is a gather of
// what each worker reports (here its pid), which returns on the root once all have finished.
// `npx tsmpirun -n 4 examples/from-python/workers-sleep.ts`
import { COMM_WORLD as comm } from 'tsmpi';

const ms = 100 * comm.rank;
await new Promise((resolve) => setTimeout(resolve, ms));
console.log(`worker ${comm.rank} (pid ${process.pid}) slept ${ms} ms`);

const pids = await comm.gather(process.pid, 0);
if (comm.rank === 0) console.log(`joined ${pids!.length} workers: pids ${pids!.join(' ')}`);
