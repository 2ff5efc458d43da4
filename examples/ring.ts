// A token travels around the ring of ranks, each adding its rank. `npx tsmpirun -n 4 examples/ring.ts`
import { COMM_WORLD as comm } from 'tsmpi';

const next = (comm.rank + 1) % comm.size;
const prev = (comm.rank - 1 + comm.size) % comm.size;
if (comm.rank === 0) {
  await comm.send({ hops: [0] }, next);
  const token = await comm.recv<{ hops: number[] }>(prev);
  console.log(`token came back through ranks ${token.hops.join(' -> ')} -> 0`);
} else {
  const token = await comm.recv<{ hops: number[] }>(prev);
  token.hops.push(comm.rank);
  await comm.send(token, next);
}
