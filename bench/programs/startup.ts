// Start-up and footprint of a job: one barrier, then a few 8 B allreduces, then every rank's
// resident size. "ready" is the time from BENCH_T0 (the epoch ms at which bench/run.ts started
// tsmpirun) to the end of the first barrier on the slowest rank: start-up without the exit.
// Used for every -n of the start-up table, including the oversubscribed np=64 job.
// "phases" splits the start-up per rank, in ms since BENCH_T0: the rank's Node process started
// (launcher start and spawn before it), the program's first line ran (Node's boot, the
// preload and the TypeScript loader before it), tsmpi's import resolved (loading tsmpi,
// binding, the rendezvous with every rank), the first barrier ended.
// BENCH_T0=$(date +%s%3N) tsmpirun --oversubscribe -n 64 bench/programs/startup.ts --iters 10
const t0 = Number(process.env.BENCH_T0 ?? NaN);
const programStart = Date.now() - t0;
// Imported here, not above: a static import would load and connect before the line above runs.
const { COMM_WORLD: comm, MAX, SUM, wtime } = await import('tsmpi');
const worldReady = Date.now() - t0;
const { arg, emit } = await import('./common.js');
const iters = Number(arg('iters', '10'));
const MiB = 1024 * 1024;

await comm.barrier();
const barrierEnd = Date.now() - t0;
const ready = (await comm.allreduce(barrierEnd, MAX)) as number;
const nodeStart = performance.timeOrigin - t0;
const one = new Float64Array(1).fill(1);
const t = wtime();
let sum = 0;
for (let i = 0; i < iters; i++) sum = ((await comm.allreduce(one, SUM)) as Float64Array)[0]!;
const allreduceUs = (((await comm.allreduce(wtime() - t, MAX)) as number) / iters) * 1e6;
if (sum !== comm.size) throw new Error(`allreduce gave ${sum}, expected ${comm.size}`);
// Resident size as the program left it (no forced GC): what the job costs the host.
const m = process.memoryUsage();
const all = (await comm.gather([m.rss / MiB, m.heapUsed / MiB, nodeStart, programStart, worldReady, barrierEnd], 0)) as number[][] | undefined;
if (all) {
  const column = (i: number) => all.map((x) => x[i]!);
  const phases = { nodeStart: column(2), programStart: column(3), worldReady: column(4), barrierEnd: column(5) };
  emit({
    program: 'startup',
    np: comm.size,
    transport: process.env.TSMPI_TRANSPORT ?? 'auto',
    readyMs: ready,
    allreduceUs,
    rss: column(0),
    heap: column(1),
    phases,
  });
}
