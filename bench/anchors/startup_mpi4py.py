"""The start-up reference of bench/programs/startup.ts: mpi4py (and numpy, as a program would)
imported, one barrier, BENCH_ITERS 8 B allreduces, every rank's resident size. "ready" is the
time from BENCH_T0 (epoch ms at which mpirun was started) to the end of the first barrier on
the slowest rank. Prints on rank 0: BENCHREF {"impl": "mpi4py", "metric": "startup", ...}."""
import os
import time
import numpy as np
from mpi4py import MPI

comm = MPI.COMM_WORLD
t0 = float(os.environ.get("BENCH_T0") or "nan")
iters = int(os.environ.get("BENCH_ITERS") or "10")
comm.Barrier()
ready = comm.allreduce(time.time() * 1000 - t0, op=MPI.MAX)
one = np.ones(1)
total = np.empty(1)
t = time.perf_counter()
for _ in range(iters):
    comm.Allreduce(one, total, op=MPI.SUM)
allreduce_us = comm.allreduce(time.perf_counter() - t, op=MPI.MAX) / iters * 1e6
assert total[0] == comm.size
with open("/proc/self/status") as f:
    rss = next(int(line.split()[1]) / 1024 for line in f if line.startswith("VmRSS:"))
all_rss = comm.gather(rss, root=0)
if comm.rank == 0:
    import json
    print("BENCHREF " + json.dumps({"impl": "mpi4py", "metric": "startup", "np": comm.size, "readyMs": ready, "allreduceUs": allreduce_us, "rss": all_rss}), flush=True)
