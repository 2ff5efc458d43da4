"""OSU-style ping-pong and collectives with mpi4py: lowercase (pickle) and uppercase (buffer) APIs."""
import os
import sys
import numpy as np
from mpi4py import MPI

comm = MPI.COMM_WORLD
rank, size = comm.Get_rank(), comm.Get_size()
# Optional overrides (defaults unchanged): BENCH_SIZES="8,16777216", BENCH_SMALL_ITERS=5000,
# BENCH_LARGE_ITERS=100, BENCH_PINGPONG=0 to skip the ping-pong.
SIZES = tuple(int(x) for x in os.environ.get("BENCH_SIZES", "8,1024,65536,1048576,16777216").split(","))
SMALL_ITERS = int(os.environ.get("BENCH_SMALL_ITERS", "5000"))
LARGE_ITERS = int(os.environ.get("BENCH_LARGE_ITERS", "100"))
PINGPONG = os.environ.get("BENCH_PINGPONG", "1") != "0"


def timeit(fn, iters, warm):
    for _ in range(warm):
        fn()
    comm.Barrier()
    t0 = MPI.Wtime()
    for _ in range(iters):
        fn()
    return (MPI.Wtime() - t0) / iters


def pingpong_obj(obj):
    def step():
        if rank == 0:
            comm.send(obj, 1, 1)
            comm.recv(source=1, tag=1)
        elif rank == 1:
            comm.recv(source=0, tag=1)
            comm.send(obj, 0, 1)
    return step


def pingpong_buf(buf):
    def step():
        if rank == 0:
            comm.Send(buf, 1, 1)
            comm.Recv(buf, 1, 1)
        elif rank == 1:
            comm.Recv(buf, 0, 1)
            comm.Send(buf, 0, 1)
    return step


for nbytes in SIZES:
    iters = LARGE_ITERS if nbytes >= (1 << 20) else SMALL_ITERS
    arr = np.ones(nbytes // 8, dtype=np.float64)
    if size >= 2 and PINGPONG:
        t_obj = timeit(pingpong_obj(arr), iters, iters // 10) / 2
        t_buf = timeit(pingpong_buf(arr), iters, iters // 10) / 2
        if rank == 0:
            print(f"mpi4py np={size} size={nbytes} latency_us obj={t_obj*1e6:.2f} buf={t_buf*1e6:.2f}")
    red = np.empty_like(arr)
    t_ar_buf = timeit(lambda: comm.Allreduce(arr, red, op=MPI.SUM), iters, iters // 10)
    t_ar_obj = timeit(lambda: comm.allreduce(arr, op=MPI.SUM), iters, iters // 10)
    t_bc_buf = timeit(lambda: comm.Bcast(arr, root=0), iters, iters // 10)
    t_bc_obj = timeit(lambda: comm.bcast(arr, root=0), iters, iters // 10)
    if rank == 0:
        print(f"mpi4py np={size} size={nbytes} allreduce_us buf={t_ar_buf*1e6:.2f} obj={t_ar_obj*1e6:.2f} "
              f"bcast_us buf={t_bc_buf*1e6:.2f} obj={t_bc_obj*1e6:.2f}")
t_bar = timeit(comm.Barrier, SMALL_ITERS, max(1, SMALL_ITERS // 10))
small = {"rank": rank, "v": [1, 2, 3]}
t_sc = timeit(lambda: comm.scatter([small] * size if rank == 0 else None, root=0), SMALL_ITERS, max(1, SMALL_ITERS // 10))
t_ga = timeit(lambda: comm.gather(small, root=0), SMALL_ITERS, max(1, SMALL_ITERS // 10))
if rank == 0:
    print(f"mpi4py np={size} barrier_us={t_bar*1e6:.2f} scatter_obj_us={t_sc*1e6:.2f} gather_obj_us={t_ga*1e6:.2f}")
