// Jacobi iteration for the steady 2-D heat equation on an n × n grid, split over a Cartesian
// grid of ranks: each rank owns a block, exchanges one-cell halos with its four neighbours
// through `shift` + `sendrecv` (PROC_NULL at the plate's edges: nothing to exchange there),
// and the residual comes from an allreduce into a preallocated array. The top edge is held at
// 1, the other edges at 0. Rank 0 then gathers the plate and checks it against the same
// iteration run serially. `npx tsmpirun -n 4 examples/heat-2d.ts [n] [iterations]`
import { COMM_WORLD as comm, SUM, computeDims, wtime } from 'tsmpi';

const n = Number(process.argv[2] ?? 128);
const iterations = Number(process.argv[3] ?? 200);
const dims = computeDims(comm.size, 2);
const grid = (await comm.createCart(dims, [false, false]))!;
const [py, px] = grid.coords;
// Rows [y0, y1) and columns [x0, x1) of the plate are this rank's (blocks differ by one at most).
const split = (parts: number, i: number): number => Math.floor((n * i) / parts);
const [y0, y1, x0, x1] = [split(dims[0], py), split(dims[0], py + 1), split(dims[1], px), split(dims[1], px + 1)];
const rows = y1 - y0;
const cols = x1 - x0;
const w = cols + 2; // with halos
let u = new Float64Array((rows + 2) * w);
let next = new Float64Array((rows + 2) * w);
// The top edge of the plate sits in the top halo of the ranks in the first grid row.
if (py === 0) for (const a of [u, next]) a.fill(1, 1, 1 + cols);

const up = grid.shift(0, 1); // source: the rank above, dest: the rank below
const side = grid.shift(1, 1); // source: the rank to the left, dest: the rank to the right
const column = new Float64Array(rows);
const pack = (a: Float64Array, x: number): Float64Array => {
  for (let i = 0; i < rows; i++) column[i] = a[(i + 1) * w + x];
  return column;
};
const unpack = (a: Float64Array, x: number, got: Float64Array | undefined): void => {
  if (got !== undefined) for (let i = 0; i < rows; i++) a[(i + 1) * w + x] = got[i];
};

/** Halos from the four neighbours; at the plate's edges the halos keep the boundary values. */
async function exchangeHalos(a: Float64Array): Promise<void> {
  const fromAbove = await grid.sendrecv(a.subarray(rows * w + 1, rows * w + 1 + cols), up.dest, 1, up.source, 1);
  if (fromAbove !== undefined) a.set(fromAbove as Float64Array, 1);
  const fromBelow = await grid.sendrecv(a.subarray(w + 1, w + 1 + cols), up.source, 2, up.dest, 2);
  if (fromBelow !== undefined) a.set(fromBelow as Float64Array, (rows + 1) * w + 1);
  unpack(a, 0, await grid.sendrecv(pack(a, cols), side.dest, 3, side.source, 3));
  unpack(a, cols + 1, await grid.sendrecv(pack(a, 1), side.source, 4, side.dest, 4));
}

const local = new Float64Array(1);
const residual = new Float64Array(1);
await comm.barrier();
const start = wtime();
for (let it = 0; it < iterations; it++) {
  await exchangeHalos(u);
  let sq = 0;
  for (let i = 1; i <= rows; i++) {
    for (let j = 1; j <= cols; j++) {
      const k = i * w + j;
      const v = 0.25 * (u[k - w] + u[k + w] + u[k - 1] + u[k + 1]);
      sq += (v - u[k]) ** 2;
      next[k] = v;
    }
  }
  [u, next] = [next, u];
  local[0] = sq;
  await comm.allreduce(local, SUM, { recvbuf: residual });
}
const perIteration = ((wtime() - start) / iterations) * 1000;

// Gather the interiors (row by row of blocks) and compare with a serial run on rank 0.
const interior = new Float64Array(rows * cols);
for (let i = 0; i < rows; i++) interior.set(u.subarray((i + 1) * w + 1, (i + 1) * w + 1 + cols), i * cols);
const gathered = await comm.gatherv(interior, 0);
const boxes = await comm.gather([y0, y1, x0, x1], 0);
if (comm.rank === 0) {
  const serial = jacobiSerial(n, iterations);
  let diff = 0;
  let at = 0;
  boxes!.forEach(([b0, b1, c0, c1]) => {
    for (let y = b0; y < b1; y++) for (let x = c0; x < c1; x++) diff = Math.max(diff, Math.abs(gathered!.data[at++] - serial.plate[y * n + x]));
  });
  console.log(`heat-2d: ${n}x${n} plate on a ${dims.join('x')} grid of ranks, ${iterations} Jacobi iterations`);
  console.log(
    `residual ${Math.sqrt(residual[0]).toExponential(6)} (serial ${Math.sqrt(serial.residual).toExponential(6)}), ${perIteration.toFixed(3)} ms per iteration`,
  );
  console.log(
    diff === 0 && Math.abs(residual[0] - serial.residual) <= 1e-12 * serial.residual
      ? 'matches the serial computation'
      : `DIFFERS from the serial computation by ${diff}`,
  );
  if (diff !== 0) process.exitCode = 1;
}

function jacobiSerial(size: number, steps: number): { plate: Float64Array; residual: number } {
  const W = size + 2;
  let a = new Float64Array(W * W);
  let b = new Float64Array(W * W);
  a.fill(1, 1, 1 + size);
  b.fill(1, 1, 1 + size);
  let res = 0;
  for (let s = 0; s < steps; s++) {
    res = 0;
    for (let i = 1; i <= size; i++) {
      for (let j = 1; j <= size; j++) {
        const k = i * W + j;
        const v = 0.25 * (a[k - W] + a[k + W] + a[k - 1] + a[k + 1]);
        res += (v - a[k]) ** 2;
        b[k] = v;
      }
    }
    [a, b] = [b, a];
  }
  const plate = new Float64Array(size * size);
  for (let i = 0; i < size; i++) plate.set(a.subarray((i + 1) * W + 1, (i + 1) * W + 1 + size), i * size);
  return { plate, residual: res };
}
