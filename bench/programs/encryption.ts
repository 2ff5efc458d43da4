// Rank program of bench/encryption.ts, which runs it through the real launcher over ZeroMQ
// (TSMPI_TRANSPORT=zmq), with CURVE on and with TSMPI_ENCRYPTION=off, and over shared memory for
// comparison, and takes medians over launches (issue 4, item 7: the cost of CURVE on the data plane).
//   np=2: ping-pong of 8 B, 64 KiB and 16 MiB Uint8Arrays (round-trip time, median of reps)
//   np≥2: bcast of a 16 MiB Uint8Array from rank 0 (time until every rank has it, barrier-bounded)
// Prints one JSON line from rank 0: microseconds per operation.
import { COMM_WORLD as comm, wtime } from 'tsmpi';

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const result: Record<string, number> = {};

async function pingPong(bytes: number, reps: number): Promise<number> {
  const buf = new Uint8Array(bytes);
  const times: number[] = [];
  for (let i = 0; i < reps + 1; i++) {
    const t0 = wtime();
    if (comm.rank === 0) {
      await comm.send(buf, 1, 1);
      await comm.recv(1, 1);
    } else if (comm.rank === 1) {
      await comm.recv(0, 1);
      await comm.send(buf, 0, 1);
    }
    if (i >= 1) times.push((wtime() - t0) * 1e6);
  }
  return median(times);
}

if (comm.size === 2) {
  result.pingpong8B = await pingPong(8, 200);
  result.pingpong64KiB = await pingPong(64 * 1024, 50);
  result.pingpong16MiB = await pingPong(16 * 1024 * 1024, 5);
}
const big = new Uint8Array(16 * 1024 * 1024);
const times: number[] = [];
for (let i = 0; i < 5; i++) {
  await comm.barrier();
  const t0 = wtime();
  await comm.bcast(comm.rank === 0 ? big : undefined, 0);
  await comm.barrier();
  if (i >= 1) times.push((wtime() - t0) * 1e6);
}
result[`bcast16MiB_np${comm.size}`] = median(times);
if (comm.rank === 0) console.log(JSON.stringify(result));
