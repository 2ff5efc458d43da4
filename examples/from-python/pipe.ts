// Replaces Python's two-ended Pipe between a parent and a child process:
//
//   def child(conn):
//       conn.send([42, None, 'hello'])
//       print('child got', conn.recv())
//   parent_conn, child_conn = Pipe()
//   p = Process(target=child, args=(child_conn,)); p.start()
//   print(parent_conn.recv())          # [42, None, 'hello']
//   parent_conn.send({'reply': 'thanks'})
//   p.join()
//
// A Pipe joins exactly two processes, so each pair of ranks (0 and 1, 2 and 3, ...) gets its
// own two-rank communicator from `split`: `-n 2` is one Pipe, `-n 4` two independent ones.
// An odd rank count leaves a rank without its other end: the program says so and exits 1.
// `npx tsmpirun -n 2 examples/from-python/pipe.ts` (or -n 4)
import { COMM_WORLD as comm } from 'tsmpi';

if (comm.size % 2 !== 0) {
  if (comm.rank === 0) console.error(`pipe.ts needs an even number of ranks (-n 2 for one Pipe), got -n ${comm.size}`);
  process.exit(1);
}

// Ranks 2k and 2k+1 share the pipe k; in it, the lower rank is the parent end.
const pipe = (await comm.split(Math.floor(comm.rank / 2)))!;
const other = 1 - pipe.rank;
const conn = {
  send: (value: unknown): Promise<void> => pipe.send(value, other),
  recv: <T>(): Promise<T> => pipe.recv<T>(other),
};
const label = `pipe ${Math.floor(comm.rank / 2)}`;

if (pipe.rank === 1) {
  await conn.send([42, null, 'hello']);
  console.log(`${label} child (rank ${comm.rank}) got ${JSON.stringify(await conn.recv())}`);
} else {
  console.log(`${label} parent (rank ${comm.rank}) got ${JSON.stringify(await conn.recv())}`);
  await conn.send({ reply: 'thanks' });
}
