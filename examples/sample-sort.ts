// Sample sort of random integers: each rank sorts its keys, every rank's regular samples are
// allgathered to pick size-1 splitters, each rank cuts its keys into one bucket per rank and
// `alltoallv` delivers bucket j to rank j (the receivers learn the bucket sizes from the data).
// Then the global order is checked across ranks, and rank 0 compares everything with a serial
// sort of the same keys. `npx tsmpirun -n 4 examples/sample-sort.ts [keys per rank]`
import { COMM_WORLD as comm, SUM, wtime } from 'tsmpi';

const perRank = Number(process.argv[2] ?? 200_000);
const { rank, size } = comm;

/** The keys of rank r: deterministic (mulberry32 seeded by r), so rank 0 can rebuild them. */
function keysOf(r: number): Int32Array {
  let seed = (r + 1) * 0x9e3779b9;
  const keys = new Int32Array(perRank + (r % 3) * 1000); // uneven amounts on purpose
  for (let i = 0; i < keys.length; i++) {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    keys[i] = (t ^ (t >>> 14)) % 1_000_000_000;
  }
  return keys;
}

const keys = keysOf(rank).sort();
await comm.barrier();
const start = wtime();
// size-1 regular samples per rank; the splitters are every size-th of all samples, sorted.
const samples = Array.from({ length: size - 1 }, (_, i) => keys[Math.floor(((i + 1) * keys.length) / size)]);
const allSamples = (await comm.allgather(samples)).flat().sort((a, b) => a - b);
const splitters = Array.from({ length: size - 1 }, (_, i) => allSamples[(i + 1) * (size - 1) - 1]);
// Bucket j holds keys in (splitters[j-1], splitters[j]]: keys are sorted, so buckets are runs.
const counts = new Array<number>(size).fill(0);
let bucket = 0;
for (const k of keys) {
  while (bucket < size - 1 && k > splitters[bucket]) bucket++;
  counts[bucket]++;
}
const { data: mine } = await comm.alltoallv(keys, counts);
mine.sort();
const seconds = wtime() - start;

// Global order: every rank's keys are sorted and lie between its neighbours'.
const edges = await comm.allgather(mine.length > 0 ? [mine[0], mine[mine.length - 1]] : null);
const ordered = edges.every((e, i) => e === null || edges.slice(i + 1).every((f) => f === null || e[1] <= f[0]));
const total = await comm.allreduce(mine.length, SUM);
const gathered = await comm.gatherv(mine, 0);
if (rank === 0) {
  const serial = Int32Array.from(Array.from({ length: size }, (_, r) => Array.from(keysOf(r))).flat()).sort();
  const same = serial.length === gathered!.data.length && serial.every((v, i) => v === gathered!.data[i]);
  console.log(`sample-sort: ${total} keys on ${size} ranks in ${(seconds * 1000).toFixed(1)} ms; bucket sizes ${gathered!.counts.join(' ')}`);
  console.log(ordered && same ? 'globally ordered, matches the serial sort' : 'WRONG: not the serial sort');
  if (!(ordered && same)) process.exitCode = 1;
}
