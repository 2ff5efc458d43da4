// Rank program of bench/pool-balance.ts: 200 tasks of uneven length (sleeps) run three ways —
// serially on rank 0, as a static split (each rank a contiguous block: scatter, compute,
// gather) and through the task pool (rank 0 drives, the others take chunks as they finish) —
// plus a lazy million-item imap. Prints one BENCH line per measurement on rank 0.
//   --cases uniform,heavy --reps 3 --serial 1 --lazy 1000,100
import { COMM_WORLD as comm, startPool, wtime } from 'tsmpi';
import { arg, emit, list, numbers } from './common.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const tasks = {
  work: async (ms: number) => {
    await sleep(ms);
    return ms;
  },
  square: (x: number) => x * x,
};

/** A seeded generator, so every rank and every run sees the same durations. */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Task durations (ms) of a case. */
function durations(name: string): number[] {
  const random = seeded(42);
  if (name === 'uniform') return Array.from({ length: 200 }, () => Math.floor(random() * 41));
  // Heavy tail: 190 short tasks then 10 long ones, so a static split hands every long one to the last rank.
  if (name === 'heavy') return [...Array.from({ length: 190 }, () => 2 + Math.floor(random() * 7)), ...Array.from({ length: 10 }, () => 200)];
  throw new RangeError(`unknown case ${name}`);
}

async function staticSplit(d: number[]): Promise<number> {
  await comm.barrier();
  const t = wtime();
  const per = Math.ceil(d.length / comm.size);
  const blocks = comm.rank === 0 ? Array.from({ length: comm.size }, (_, r) => d.slice(r * per, (r + 1) * per)) : undefined;
  const mine = await comm.scatter(blocks, 0);
  const out: number[] = [];
  for (const ms of mine) out.push(await tasks.work(ms));
  await comm.gather(out, 0);
  return wtime() - t;
}

const cases = list('cases', 'uniform,heavy');
const reps = Number(arg('reps', '3'));
const serialReps = Number(arg('serial', '1'));
const lazySizes = numbers('lazy', '1000,100');
const lazyItems = Number(arg('items', '1000000'));

// Static splits first: they need every rank, the pool needs its workers serving.
const staticTimes = new Map<string, number[]>();
for (const name of cases) {
  const d = durations(name);
  const times: number[] = [];
  for (let r = 0; r < reps; r++) times.push(await staticSplit(d));
  staticTimes.set(name, times);
}

const pool = await startPool(comm, tasks);
if (pool !== null) {
  for (const name of cases) {
    const d = durations(name);
    const serial: number[] = [];
    for (let r = 0; r < serialReps; r++) {
      const t = wtime();
      for (const ms of d) await tasks.work(ms);
      serial.push(wtime() - t);
    }
    const dynamic: Record<string, number[]> = { 1: [], default: [] };
    for (let r = 0; r < reps; r++) {
      for (const key of ['1', 'default']) {
        const t = wtime();
        await pool.map('work', d, key === '1' ? { chunksize: 1 } : {});
        dynamic[key]!.push(wtime() - t);
      }
    }
    emit({
      kind: 'balance',
      case: name,
      np: comm.size,
      workers: pool.workers,
      tasks: d.length,
      sumMs: d.reduce((a, b) => a + b, 0),
      serial,
      static: staticTimes.get(name),
      pool1: dynamic['1'],
      poolDefault: dynamic.default,
    });
  }

  for (const chunksize of lazySizes) {
    let pulled = 0;
    let ahead = 0;
    function* items(): Generator<number> {
      for (let i = 0; i < lazyItems; i++) {
        pulled++;
        yield i;
      }
    }
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 50);
    pool.resetPeak();
    const t = wtime();
    let count = 0;
    for await (const sq of pool.imap('square', items(), { chunksize })) {
      if (sq !== count * count) throw new Error(`item ${count}: got ${sq}`);
      count++;
      if (pulled - count > ahead) ahead = pulled - count;
    }
    const seconds = wtime() - t;
    clearInterval(sampler);
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
    emit({
      kind: 'lazy',
      np: comm.size,
      workers: pool.workers,
      chunksize,
      items: count,
      seconds,
      itemsPerSecond: count / seconds,
      peakInFlight: pool.stats.peakItemsInFlight,
      bound: pool.stats.window * chunksize,
      ahead,
      rssBeforeMB: rssBefore / 2 ** 20,
      rssPeakMB: rssPeak / 2 ** 20,
    });
  }
  await pool.close();
}
