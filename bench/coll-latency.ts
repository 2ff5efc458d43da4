// Small-collective latency: 8-byte allreduce and barrier loops on rank 0, per call: wall-clock
// microseconds and this process's CPU microseconds (steadier than wall time on a busy machine).
// `tsmpirun -n 2 bench/coll-latency.ts` (ITERS=20000 by default).
import { COMM_WORLD as comm, SUM, wtime } from 'tsmpi';

const iters = Number(process.env.ITERS ?? 20000);
const v = new Float64Array(1);

async function time(body: () => Promise<unknown>): Promise<string> {
  await comm.barrier();
  const cpu = process.cpuUsage();
  const t = wtime();
  for (let i = 0; i < iters; i++) await body();
  const wall = ((wtime() - t) / iters) * 1e6;
  const used = process.cpuUsage(cpu);
  return `${wall.toFixed(1)} us (cpu ${((used.user + used.system) / iters).toFixed(1)} us)`;
}

for (let i = 0; i < 2000; i++) await comm.allreduce(v, SUM);
const allreduce = await time(() => comm.allreduce(v, SUM));
const barrier = await time(() => comm.barrier());
if (comm.rank === 0) console.log(`allreduce8 ${allreduce} barrier ${barrier}`);
