"""Ping-pong latency (half a round trip) through multiprocessing.Pipe and multiprocessing.Queue
(the seeds' IPC), timed by the protocol of bench/lib/protocol.ts (bench_protocol.py).
Prints one line per case: BENCHREF {"impl": "multiprocessing", "metric": "pipe"|"queue", ...}."""
import multiprocessing as mp
import os
import numpy as np
from bench_protocol import emit, repeat, sizes


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


def run(kind, nbytes):
    arr = np.ones(max(1, nbytes // 8), dtype=np.float64)
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

    def step():
        send(arr)
        recv()
    reps = repeat(step, 2 * nbytes)
    send(None)
    p.join()
    return [s / 2 * 1e6 for s in reps]


if __name__ == "__main__":
    # BENCH_KINDS=pipe to skip the queue.
    kinds = (os.environ.get("BENCH_KINDS") or "pipe,queue").split(",")
    if sizes():
        run(kinds[0], sizes()[0])  # the protocol's program warm-up: the first case once, unrecorded
    for nbytes in sizes():
        for kind in kinds:
            emit(impl="multiprocessing", metric=kind, size=nbytes, unit="us", reps=run(kind, nbytes))
