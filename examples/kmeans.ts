// k-means clustering of 2-D points spread over the ranks: every iteration each rank sums the
// points nearest to each centroid, and two allreduces add the sums and counts up into arrays
// allocated once (the `recvbuf` option: no result array per iteration). Rank 0 then runs the
// same iterations serially and compares. `npx tsmpirun -n 4 examples/kmeans.ts [points] [k] [iterations]`
import { COMM_WORLD as comm, SUM, wtime } from 'tsmpi';

const n = Number(process.argv[2] ?? 100_000);
const k = Number(process.argv[3] ?? 5);
const iterations = Number(process.argv[4] ?? 20);
const { rank, size } = comm;

/** Point i of the data set: around one of k centres, deterministic so any rank can rebuild it. */
function point(i: number): [number, number] {
  const c = i % k;
  const a = Math.sin(i * 12.9898) * 43758.5453;
  const b = Math.sin(i * 78.233) * 12543.1234;
  return [c * 10 + (a - Math.floor(a)) * 4, (c % 2) * 10 + (b - Math.floor(b)) * 4];
}

function assign(points: Float64Array, centroids: Float64Array, sums: Float64Array, counts: Float64Array): void {
  sums.fill(0);
  counts.fill(0);
  for (let p = 0; p < points.length; p += 2) {
    let best = 0;
    let bestD = Infinity;
    for (let c = 0; c < k; c++) {
      const d = (points[p] - centroids[2 * c]) ** 2 + (points[p + 1] - centroids[2 * c + 1]) ** 2;
      if (d < bestD) [best, bestD] = [c, d];
    }
    sums[2 * best] += points[p];
    sums[2 * best + 1] += points[p + 1];
    counts[best]++;
  }
}

function update(centroids: Float64Array, sums: Float64Array, counts: Float64Array): void {
  for (let c = 0; c < k; c++) {
    if (counts[c] > 0) [centroids[2 * c], centroids[2 * c + 1]] = [sums[2 * c] / counts[c], sums[2 * c + 1] / counts[c]];
  }
}

const first = Math.floor((n * rank) / size);
const last = Math.floor((n * (rank + 1)) / size);
const mine = new Float64Array(2 * (last - first));
for (let i = first; i < last; i++) mine.set(point(i), 2 * (i - first));
const initial = (): Float64Array => Float64Array.from(Array.from({ length: k }, (_, c) => point(c * 7 + 1)).flat());

// Allocated once: local partials and the reduced totals the allreduces write into.
const centroids = initial();
const sums = new Float64Array(2 * k);
const counts = new Float64Array(k);
const totalSums = new Float64Array(2 * k);
const totalCounts = new Float64Array(k);
await comm.barrier();
const start = wtime();
for (let it = 0; it < iterations; it++) {
  assign(mine, centroids, sums, counts);
  await comm.allreduce(sums, SUM, { recvbuf: totalSums });
  await comm.allreduce(counts, SUM, { recvbuf: totalCounts });
  update(centroids, totalSums, totalCounts);
}
const seconds = wtime() - start;

if (rank === 0) {
  const all = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) all.set(point(i), 2 * i);
  const serial = initial();
  const s = new Float64Array(2 * k);
  const c = new Float64Array(k);
  for (let it = 0; it < iterations; it++) {
    assign(all, serial, s, c);
    update(serial, s, c);
  }
  const diff = Math.max(...centroids.map((v, i) => Math.abs(v - serial[i])));
  console.log(`kmeans: ${n} points, k=${k}, ${iterations} iterations on ${size} ranks in ${(seconds * 1000).toFixed(1)} ms`);
  console.log(`centroids ${Array.from({ length: k }, (_, j) => `(${centroids[2 * j].toFixed(3)}, ${centroids[2 * j + 1].toFixed(3)})`).join(' ')}`);
  console.log(diff < 1e-9 ? `matches the serial computation (max difference ${diff.toExponential(1)})` : `DIFFERS from the serial computation by ${diff}`);
  if (diff >= 1e-9) process.exitCode = 1;
}
