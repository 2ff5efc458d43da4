"""mpi4py, lowercase (pickled objects) and uppercase (buffer) APIs, timed by the protocol of
bench/lib/protocol.ts (bench_protocol.py) like tsmpi's rank programs: ping-pong (half a round
trip), streaming (a window of isends, then one ack), bcast and allreduce per size (the slowest
rank's time per call), barrier, scatter/gather/allgather/alltoall of a small object.
Prints one line per case on rank 0: BENCHREF {"impl": "mpi4py", "np": N, "metric": ..., "reps": [...]}.
Environment: BENCH_SIZES (ping-pong and streaming), BENCH_COLL_SIZES (bcast, allreduce; default
BENCH_SIZES), BENCH_PINGPONG=0, BENCH_STREAM=0, BENCH_COLLS=0 and BENCH_SMALL_COLLS=0 to skip parts,
BENCH_KINDS=obj,buf, BENCH_SMALL_LIST (the small collectives to run; default all: barrier,
scatter_obj,gather_obj,allgather_obj,alltoall_obj)."""
import os
import numpy as np
from mpi4py import MPI
from bench_protocol import emit, repeat, sizes, stream_window

comm = MPI.COMM_WORLD
rank, size = comm.Get_rank(), comm.Get_size()
on = lambda name: os.environ.get(name, "1") != "0"
KINDS = (os.environ.get("BENCH_KINDS") or "obj,buf").split(",")


def timed(fn, bytes_per_call):
    return repeat(fn, bytes_per_call, slowest=lambda s: comm.allreduce(s, op=MPI.MAX), sync=comm.Barrier)


def out(metric, nbytes, unit, reps, **extra):
    if rank == 0:
        emit(impl="mpi4py", np=size, metric=metric, size=nbytes, unit=unit, reps=reps, **extra)


def pingpong(kind, arr):
    if kind == "obj":
        def step():
            if rank == 0:
                comm.send(arr, 1, 1)
                comm.recv(source=1, tag=1)
            elif rank == 1:
                comm.send(comm.recv(source=0, tag=1), 0, 1)
    else:
        def step():
            if rank == 0:
                comm.Send(arr, 1, 1)
                comm.Recv(arr, 1, 1)
            elif rank == 1:
                comm.Recv(arr, 0, 1)
                comm.Send(arr, 0, 1)
    return step


def stream(kind, arr, window):
    ack = np.zeros(1)
    if kind == "obj":
        def step():
            if rank == 0:
                MPI.Request.waitall([comm.isend(arr, 1, 2) for _ in range(window)])
                comm.recv(source=1, tag=3)
            elif rank == 1:
                for _ in range(window):
                    comm.recv(source=0, tag=2)
                comm.send(0, 0, 3)
    else:
        into = np.empty_like(arr)
        def step():
            if rank == 0:
                MPI.Request.Waitall([comm.Isend(arr, 1, 2) for _ in range(window)])
                comm.Recv(ack, 1, 3)
            elif rank == 1:
                for _ in range(window):
                    comm.Recv(into, 0, 2)
                comm.Send(ack, 0, 3)
    return step


if size >= 2 and on("BENCH_PINGPONG") and sizes():
    # The protocol's program warm-up: the first ping-pong case once, unrecorded.
    timed(pingpong(KINDS[0], np.ones(max(1, sizes()[0] // 8))), 2 * sizes()[0])
if size >= 2:
    for nbytes in sizes():
        arr = np.ones(max(1, nbytes // 8), dtype=np.float64)
        for kind in KINDS:
            if on("BENCH_PINGPONG"):
                out(f"pp_{kind}", nbytes, "us", [s / 2 * 1e6 for s in timed(pingpong(kind, arr), 2 * nbytes)])
            if on("BENCH_STREAM"):
                w = stream_window(nbytes)
                out(f"stream_{kind}", nbytes, "MBps", [nbytes * w / s / 1e6 for s in timed(stream(kind, arr, w), w * nbytes)], window=w)
if on("BENCH_COLLS"):
    for nbytes in sizes(os.environ.get("BENCH_SIZES") or "8,1024,65536,1048576,16777216", "BENCH_COLL_SIZES"):
        arr = np.ones(max(1, nbytes // 8), dtype=np.float64)
        red = np.empty_like(arr)
        # Alltoallv and Reduce_scatter of the whole array cut into size nearly equal blocks,
        # as bench/programs/coll.ts does for tsmpi's alltoallv and reduceScatter.
        n = len(arr)
        counts = [n * (i + 1) // size - n * i // size for i in range(size)]
        displs = [n * i // size for i in range(size)]
        # Every rank sends counts[j] elements to rank j, so it receives counts[rank] from each.
        rcounts = [counts[rank]] * size
        rdispls = [counts[rank] * i for i in range(size)]
        a2a = np.empty(counts[rank] * size, dtype=np.float64)
        block = np.empty(counts[rank], dtype=np.float64)
        calls = {
            "alltoallv_buf": lambda: comm.Alltoallv([arr, (counts, displs)], [a2a, (rcounts, rdispls)]),
            "reduce_scatter_buf": lambda: comm.Reduce_scatter(arr, block, recvcounts=counts, op=MPI.SUM),
            "allreduce_buf": lambda: comm.Allreduce(arr, red, op=MPI.SUM),
            "allreduce_obj": lambda: comm.allreduce(arr, op=MPI.SUM),
            "bcast_buf": lambda: comm.Bcast(arr, root=0),
            "bcast_obj": lambda: comm.bcast(arr if rank == 0 else None, root=0),
        }
        for metric, fn in calls.items():
            if metric.rsplit("_", 1)[1] in KINDS:
                out(metric, nbytes, "us", [s * 1e6 for s in timed(fn, nbytes)])
if on("BENCH_SMALL_COLLS"):
    small = {"rank": rank, "v": [1, 2, 3]}
    calls = {
        "barrier": comm.Barrier,
        "scatter_obj": lambda: comm.scatter([small] * size if rank == 0 else None, root=0),
        "gather_obj": lambda: comm.gather(small, root=0),
        "allgather_obj": lambda: comm.allgather(small),
        "alltoall_obj": lambda: comm.alltoall([small] * size),
    }
    wanted = (os.environ.get("BENCH_SMALL_LIST") or ",".join(calls)).split(",")
    for metric, fn in calls.items():
        if metric in wanted:
            out(metric, 0, "us", [s * 1e6 for s in timed(fn, 0)])
