// Bytes allocated per iteration of a solver-style loop, with and without the recvbuf option
// (and recv against recvInto). The V8 heap in use plus the ArrayBuffer memory (typed arrays,
// Buffers, received frames) is read after every iteration; a window of 10 iterations counts
// only if neither reading went down in it (a garbage collection would hide what was
// allocated), and the figure is the mean over 30 such windows, the largest over the ranks.
// A measurement of allocation, not of time. Rank 0 prints a markdown table and one BENCH line
// (JSON) for bench/run.ts, whose step "allocations per solver iteration" runs it at np=4 on
// each transport for 8, 1024 and 16384 elements (bench/lib/plan.ts). By hand:
//   npm run build && npx tsmpirun -n 4 bench/programs/alloc-per-iteration.ts [elements]
//   (TSMPI_TRANSPORT=zmq npx tsmpirun ... for the ZeroMQ transport; elements default 1024)
import { COMM_WORLD as comm, MAX, SUM } from 'tsmpi';
import type { AllocCall } from '../lib/results.js';
import { emit } from './common.js';

const n = Number(process.argv[2] ?? 1024);
const kWindow = 10;
const kWindows = 30;
const { rank, size } = comm;

async function measure(body: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 20; i++) await body();
  await comm.barrier();
  let total = 0;
  let counted = 0;
  let tries = 0;
  // Every rank runs the same number of iterations (collectives must match): the windows that
  // count differ per rank, so each rank keeps going until the slowest has its 30.
  for (;;) {
    const mine = counted >= kWindows;
    if (tries++ > 0 && (await comm.allreduce(mine ? 1 : 0, SUM)) === size) break;
    let heap = process.memoryUsage().heapUsed;
    let buffers = process.memoryUsage().arrayBuffers;
    let grown = 0;
    let clean = true;
    for (let i = 0; i < kWindow; i++) {
      await body();
      const m = process.memoryUsage();
      if (m.heapUsed < heap || m.arrayBuffers < buffers) clean = false;
      grown += m.heapUsed - heap + m.arrayBuffers - buffers;
      [heap, buffers] = [m.heapUsed, m.arrayBuffers];
    }
    if (clean && counted < kWindows) {
      total += grown / kWindow;
      counted++;
    }
  }
  return comm.allreduce(total / counted, MAX);
}

const data = new Float64Array(n).fill(rank + 1);
const counts = Array.from({ length: size }, (_, i) => Math.floor((n * (i + 1)) / size) - Math.floor((n * i) / size));
const sum = new Float64Array(n);
const exchanged = new Float64Array(n * 2);
const block = new Float64Array(counts[rank]);
const right = (rank + 1) % size;
const left = (rank - 1 + size) % size;
const halo = new Float64Array(n);

const cases: Array<[AllocCall, string, () => Promise<unknown>, () => Promise<unknown>]> = [
  ['allreduce', `allreduce(Float64Array(${n}), SUM)`, () => comm.allreduce(data, SUM), () => comm.allreduce(data, SUM, { recvbuf: sum })],
  ['alltoallv', `alltoallv(Float64Array(${n}), equal counts)`, () => comm.alltoallv(data, counts), () => comm.alltoallv(data, counts, { recvbuf: exchanged })],
  [
    'reduceScatter',
    `reduceScatter(Float64Array(${n}), equal counts, SUM)`,
    () => comm.reduceScatter(data, counts, SUM),
    () => comm.reduceScatter(data, counts, SUM, { recvbuf: block }),
  ],
  [
    'ring',
    `ring exchange of Float64Array(${n}): recv / recvInto`,
    () => Promise.all([comm.send(data, right, 1), comm.recv(left, 1)]),
    () => Promise.all([comm.send(data, right, 1), comm.recvInto(halo, left, 1)]),
  ],
];

const rows: { call: AllocCall; name: string; fresh: number; into: number }[] = [];
for (const [call, name, fresh, into] of cases) {
  const a = Math.round(await measure(fresh));
  const b = Math.round(await measure(into));
  rows.push({ call, name, fresh: a, into: b });
}
if (rank === 0) {
  console.log(
    `bytes allocated per iteration on ${size} ranks (V8 heap + ArrayBuffers; mean of ${kWindows} windows of ${kWindow} iterations without a collection; the largest rank)`,
  );
  console.log('| call | new result | recvbuf / recvInto | saved |');
  console.log('|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.name} | ${r.fresh} | ${r.into} | ${r.fresh - r.into} |`);
}
emit({
  program: 'alloc-per-iteration',
  np: size,
  elements: n,
  window: kWindow,
  windows: kWindows,
  rows: rows.map(({ call, fresh, into }) => ({ call, fresh, into })),
});
