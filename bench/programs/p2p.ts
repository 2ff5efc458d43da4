// Point-to-point, OSU style, between ranks 0 and 1: ping-pong latency (half a round trip) and
// streaming bandwidth (a window of isends in flight, then one ack), for a Float64Array (raw
// path) and for a plain object holding an array of numbers (structured clone path). Timing
// follows bench/lib/protocol.ts (BENCH_* environment), as the references do.
// tsmpirun -n 2 bench/programs/p2p.ts --sizes 8,1024 --kinds typed,object --metrics latency,bandwidth
//   --object-max BYTES: objects only up to this size (a 16 MiB object case takes tens of seconds)
//   --stream-sizes 16777216: stream only these sizes (default: every size)
import { COMM_WORLD as comm, waitall } from 'tsmpi';
import { streamWindow } from '../lib/protocol.js';
import { arg, emit, list, numbers, protocol, repeat } from './common.js';

const sizes = numbers('sizes', '8,1024,65536,1048576,16777216');
const kinds = list('kinds', 'typed,object');
const metrics = list('metrics', 'latency,bandwidth');
const objectMax = Number(arg('object-max', 'Infinity'));
const streamSizes = numbers('stream-sizes', sizes.join(','));

function payload(kind: string, size: number): unknown {
  const n = Math.max(1, Math.floor(size / 8));
  if (kind === 'typed') return new Float64Array(n).fill(1);
  if (kind === 'bytes') return new Uint8Array(size).fill(1);
  return { v: Array.from({ length: n }, (_, i) => i + 0.5) };
}

function pingPong(data: unknown): () => Promise<void> {
  return async () => {
    if (comm.rank === 0) {
      await comm.send(data, 1, 1);
      await comm.recv(1, 1);
    } else if (comm.rank === 1) {
      await comm.recv(0, 1);
      await comm.send(data, 0, 1);
    }
  };
}

// The protocol's program warm-up (bench/lib/protocol.ts): the first ping-pong case once,
// unrecorded, as every reference program does too.
if (sizes.length > 0 && kinds.length > 0) await repeat(pingPong(payload(kinds[0], sizes[0])), 2 * sizes[0]);

const rows: object[] = [];
for (const kind of kinds) {
  for (const size of sizes) {
    if (kind === 'object' && size > objectMax) continue;
    const data = payload(kind, size);
    if (metrics.includes('latency')) {
      const seconds = await repeat(pingPong(data), 2 * size);
      rows.push({ kind, size, metric: 'latency_us', reps: seconds.map((s) => (s / 2) * 1e6) });
    }
    if (metrics.includes('bandwidth') && streamSizes.includes(size)) {
      const window = streamWindow(protocol, size);
      const seconds = await repeat(async () => {
        if (comm.rank === 0) {
          await waitall(Array.from({ length: window }, () => comm.isend(data, 1, 2)));
          await comm.recv(1, 3);
        } else if (comm.rank === 1) {
          for (let i = 0; i < window; i++) await comm.recv(0, 2);
          await comm.send(0, 0, 3);
        }
      }, window * size);
      rows.push({ kind, size, window, metric: 'bandwidth_MBps', reps: seconds.map((s) => (size * window) / s / 1e6) });
    }
  }
}
emit({ program: 'p2p', np: comm.size, encryption: process.env.TSMPI_ENCRYPTION ?? 'on', transport: process.env.TSMPI_TRANSPORT ?? 'auto', protocol, rows });
