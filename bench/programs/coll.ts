// Collective time per call (the slowest rank's, averaged over a repetition) for each size.
// Size: the bytes of the root's value (bcast), of each rank's operand (reduce, allreduce: a
// Float64Array), or of the whole array of chunks (scatter, gather, allgather, alltoall: np
// Uint8Array chunks of size/np bytes each, at least 1), or each rank's whole Float64Array
// (scatterv, gatherv, allgatherv, alltoallv, reduce_scatter, reduce_scatter_block: cut into
// np nearly equal blocks; gatherv/allgatherv send one block each). Barrier ignores the size.
// Timing follows bench/lib/protocol.ts (BENCH_* environment), as the references do.
// tsmpirun -n 4 bench/programs/coll.ts --colls bcast,allreduce --sizes 8,65536 --large none
import { COMM_WORLD as comm, SUM } from 'tsmpi';
import { emit, list, numbers, protocol, repeat } from './common.js';

const colls = list('colls', 'barrier,bcast,scatter,gather,allgather,alltoall,reduce,allreduce');
const sizes = numbers('sizes', '8,1024,65536,1048576,16777216');
// Collectives run above 1 MiB only when listed here (default: all; "none": none).
const large = list('large', colls.join(','));
const np = comm.size;

function call(coll: string, size: number): () => Promise<unknown> {
  const f64 = new Float64Array(Math.max(1, Math.floor(size / 8))).fill(comm.rank + 1);
  const chunk = Math.max(1, Math.floor(size / np));
  const chunks = () => Array.from({ length: np }, () => new Uint8Array(chunk).fill(comm.rank));
  switch (coll) {
    case 'barrier':
      return () => comm.barrier();
    case 'bcast':
      return () => comm.bcast(comm.rank === 0 ? f64 : null, 0);
    case 'scatter': {
      const all = comm.rank === 0 ? chunks() : undefined;
      return () => comm.scatter(all, 0);
    }
    case 'gather': {
      const mine = new Uint8Array(chunk);
      return () => comm.gather(mine, 0);
    }
    case 'allgather': {
      const mine = new Uint8Array(chunk);
      return () => comm.allgather(mine);
    }
    case 'alltoall': {
      const all = chunks();
      return () => comm.alltoall(all);
    }
    case 'reduce':
      return () => comm.reduce(f64, SUM, 0);
    case 'allreduce':
      return () => comm.allreduce(f64, SUM);
    case 'scatterv':
      return () => comm.scatterv(comm.rank === 0 ? f64 : undefined, comm.rank === 0 ? blocks(f64.length) : undefined, 0);
    case 'gatherv': {
      const mine = f64.subarray(0, blocks(f64.length)[comm.rank]);
      return () => comm.gatherv(mine, 0);
    }
    case 'allgatherv': {
      const mine = f64.subarray(0, blocks(f64.length)[comm.rank]);
      return () => comm.allgatherv(mine);
    }
    case 'alltoallv': {
      const counts = blocks(f64.length);
      return () => comm.alltoallv(f64, counts);
    }
    case 'reduce_scatter': {
      const counts = blocks(f64.length);
      return () => comm.reduceScatter(f64, counts, SUM);
    }
    case 'reduce_scatter_block': {
      const even = f64.subarray(0, f64.length - (f64.length % np));
      return () => comm.reduceScatterBlock(even.length > 0 ? even : new Float64Array(np), SUM);
    }
    default:
      throw new RangeError(`unknown collective ${coll}`);
  }
}

/** n elements in np nearly equal blocks (as mpi4py's reference cuts them). */
function blocks(n: number): number[] {
  return Array.from({ length: np }, (_, i) => Math.floor((n * (i + 1)) / np) - Math.floor((n * i) / np));
}

const rows: object[] = [];
for (const coll of colls) {
  for (const size of coll === 'barrier' ? [0] : sizes) {
    if (size > 1 << 20 && !large.includes(coll)) continue;
    const seconds = await repeat(call(coll, size), size);
    rows.push({ coll, size, reps: seconds.map((s) => s * 1e6) });
  }
}
const forced = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('TSMPI_COLL_')));
emit({ program: 'coll', np, forced, transport: process.env.TSMPI_TRANSPORT ?? 'auto', protocol, rows });
