// Start-up and footprint of a job: one barrier, then a few 8 B allreduces, then every rank's
// resident size. "ready" is the time from BENCH_T0 (the epoch ms at which bench/run.ts started
// tsmpirun) to the end of the first barrier on the slowest rank: start-up without the exit.
// Used for every -n of the start-up table, including the oversubscribed np=64 job.
// BENCH_T0=$(date +%s%3N) tsmpirun --oversubscribe -n 64 bench/programs/startup.ts --iters 10
import { COMM_WORLD as comm, MAX, SUM, wtime } from 'tsmpi';
import { arg, emit } from './common.js';

const t0 = Number(process.env.BENCH_T0 ?? NaN);
const iters = Number(arg('iters', '10'));
const MiB = 1024 * 1024;

await comm.barrier();
const ready = (await comm.allreduce(Date.now() - t0, MAX)) as number;
const one = new Float64Array(1).fill(1);
const t = wtime();
let sum = 0;
for (let i = 0; i < iters; i++) sum = ((await comm.allreduce(one, SUM)) as Float64Array)[0]!;
const allreduceUs = (((await comm.allreduce(wtime() - t, MAX)) as number) / iters) * 1e6;
if (sum !== comm.size) throw new Error(`allreduce gave ${sum}, expected ${comm.size}`);
// Resident size as the program left it (no forced GC): what the job costs the host.
const m = process.memoryUsage();
const all = (await comm.gather([m.rss / MiB, m.heapUsed / MiB], 0)) as number[][] | undefined;
if (all)
  emit({
    program: 'startup',
    np: comm.size,
    transport: process.env.TSMPI_TRANSPORT ?? 'auto',
    readyMs: ready,
    allreduceUs,
    rss: all.map((x) => x[0]!),
    heap: all.map((x) => x[1]!),
  });
