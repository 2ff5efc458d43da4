"""Ping-pong latency through multiprocessing.Pipe and multiprocessing.Queue (the seeds' IPC)."""
import multiprocessing as mp
import os
import time
import numpy as np


def echo_pipe(conn):
    while True:
        obj = conn.recv()
        if obj is None:
            return
        conn.send(obj)


def echo_queue(qin, qout):
    while True:
        obj = qin.get()
        if obj is None:
            return
        qout.put(obj)


def run(kind, nbytes, iters):
    arr = np.ones(nbytes // 8, dtype=np.float64)
    if kind == "pipe":
        a, b = mp.Pipe()
        p = mp.Process(target=echo_pipe, args=(b,))
        p.start()
        send, recv = a.send, a.recv
    else:
        qin, qout = mp.Queue(), mp.Queue()
        p = mp.Process(target=echo_queue, args=(qin, qout))
        p.start()
        send, recv = qin.put, qout.get
    for _ in range(iters // 10):
        send(arr); recv()
    t0 = time.perf_counter()
    for _ in range(iters):
        send(arr); recv()
    t = (time.perf_counter() - t0) / iters / 2
    send(None)
    p.join()
    return t


if __name__ == "__main__":
    # Optional overrides (defaults unchanged): BENCH_SIZES, BENCH_SMALL_ITERS, BENCH_LARGE_ITERS.
    sizes = [int(x) for x in os.environ.get("BENCH_SIZES", "8,1024,65536,1048576,16777216").split(",")]
    small, large = int(os.environ.get("BENCH_SMALL_ITERS", "5000")), int(os.environ.get("BENCH_LARGE_ITERS", "100"))
    for nbytes in sizes:
        iters = large if nbytes >= (1 << 20) else small
        for kind in ("pipe", "queue"):
            t = run(kind, nbytes, iters)
            print(f"multiprocessing {kind} size={nbytes} latency_us={t*1e6:.2f}")
