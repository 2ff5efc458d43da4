// Resident size per rank: idle (after one barrier), after a 16 MiB bcast, and across many
// iterations of an 8-byte allreduce (heap and RSS after a garbage collection at 10% and at the end).
// tsmpirun -n 4 bench/programs/memory.ts --iters 10000
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { COMM_WORLD as comm, SUM } from 'tsmpi';
import { arg, emit } from './common.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const iters = Number(arg('iters', '10000'));
const MiB = 1024 * 1024;

async function sample(): Promise<{ rss: number[]; heap: number[] }> {
  gc();
  gc();
  const m = process.memoryUsage();
  const all = (await comm.allgather([m.rss / MiB, m.heapUsed / MiB])) as number[][];
  return { rss: all.map((x) => x[0]!), heap: all.map((x) => x[1]!) };
}

await comm.barrier();
const idle = await sample();
const big = new Float64Array((16 * MiB) / 8).fill(1);
await comm.bcast(comm.rank === 0 ? big : null, 0);
const afterBcast = await sample();
const v = new Float64Array(1).fill(1);
const warm = Math.floor(iters / 10);
for (let i = 0; i < warm; i++) await comm.allreduce(v, SUM);
const start = await sample();
const mid = Math.floor((iters - warm) / 2);
for (let i = 0; i < mid; i++) await comm.allreduce(v, SUM);
const middle = await sample();
for (let i = mid; i < iters - warm; i++) await comm.allreduce(v, SUM);
const end = await sample();
emit({ program: 'memory', np: comm.size, iters, idle, afterBcast, start, middle, end });
