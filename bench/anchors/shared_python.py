"""Python's equivalents of bench/programs/shared.ts (issue 16), with 4 processes:
- counter: every process adds ADDS to one multiprocessing.Value('i') under its lock
  (`with v.get_lock(): v.value += 1`), the way Python tutorials teach it;
- fill/sum: a shared_memory.SharedMemory of MIB MiB viewed as a numpy float64 array, each
  process filling its slice with np.arange and summing it with np.sum.
Each phase starts and ends at a multiprocessing.Barrier; the time is the slowest process's.
Prints one line: BENCHREF {...}. Env: BENCH_NP (4), BENCH_ADDS (1000000), BENCH_MIB (64), BENCH_REPS (5).
"""
import json, os, time
from multiprocessing import Barrier, Process, Queue, Value, shared_memory
import numpy as np

NP = int(os.environ.get('BENCH_NP', '4'))
ADDS = int(os.environ.get('BENCH_ADDS', '1000000'))
N = int(os.environ.get('BENCH_MIB', '64')) * 1024 * 1024 // 8
REPS = int(os.environ.get('BENCH_REPS', '5'))


def timed(barrier, fn):
    barrier.wait()
    t = time.perf_counter()
    fn()
    barrier.wait()
    return (time.perf_counter() - t) * 1000


def worker(i, barrier, counter, name, out):
    shm = shared_memory.SharedMemory(name=name)
    a = np.ndarray((N,), dtype=np.float64, buffer=shm.buf)
    lo, hi = i * N // NP, (i + 1) * N // NP

    def add():
        for _ in range(ADDS):
            with counter.get_lock():
                counter.value += 1

    def fill():
        a[lo:hi] = np.arange(lo, hi, dtype=np.float64)

    sums = []
    times = {'counterMs': [], 'fillMs': [], 'sumMs': []}
    for _ in range(REPS):
        times['counterMs'].append(timed(barrier, add))
        times['fillMs'].append(timed(barrier, fill))
        times['sumMs'].append(timed(barrier, lambda: sums.append(float(np.sum(a[lo:hi])))))
    del a
    shm.close()
    out.put((i, times, sums[-1]))


if __name__ == '__main__':
    barrier, counter, out = Barrier(NP), Value('i', 0), Queue()
    alloc = time.perf_counter()
    shm = shared_memory.SharedMemory(create=True, size=N * 8)
    allocate_ms = (time.perf_counter() - alloc) * 1000
    ps = [Process(target=worker, args=(i, barrier, counter, shm.name, out)) for i in range(NP)]
    for p in ps:
        p.start()
    got = [out.get() for _ in ps]
    for p in ps:
        p.join()
    shm.close()
    shm.unlink()
    assert counter.value == ADDS * NP * REPS, counter.value
    assert sum(g[2] for g in got) == N * (N - 1) / 2
    slowest = {k: [max(g[1][k][r] for g in got) for r in range(REPS)] for k in got[0][1]}
    print('BENCHREF ' + json.dumps({'program': 'shared', 'np': NP, 'adds': ADDS, 'mib': N * 8 / 1024 / 1024, 'allocateMs': [allocate_ms], **slowest}))
