"""The measurement protocol of bench/lib/protocol.ts for the Python references (same BENCH_*
environment, same defaults): warm-up calls that depend only on the case, calibration of the calls
per repetition from the warm-up, then BENCH_REPS repetitions. See protocol.ts for why."""
import json
import os
import time

_DEFAULTS = {
    "BENCH_REPS": 5, "BENCH_TARGET_MS": 20, "BENCH_MIN_CALLS": 3, "BENCH_MAX_CALLS": 20000,
    "BENCH_WARM_BYTES": 8 << 20, "BENCH_WARM_MIN": 2, "BENCH_WARM_MAX": 3000,
    "BENCH_WINDOW_BYTES": 32 << 20, "BENCH_WINDOW_MAX": 64,
}
P = {k: int(float(os.environ.get(k) or v)) for k, v in _DEFAULTS.items()}


def _clamp(x, lo, hi):
    return max(lo, min(hi, x))


def warm_calls(bytes_per_call):
    return _clamp(P["BENCH_WARM_BYTES"] // max(1, bytes_per_call), P["BENCH_WARM_MIN"], P["BENCH_WARM_MAX"])


def calls_per_rep(seconds_per_call):
    return _clamp(round(P["BENCH_TARGET_MS"] / 1000 / max(seconds_per_call, 1e-7)), P["BENCH_MIN_CALLS"], P["BENCH_MAX_CALLS"])


def stream_window(size):
    return _clamp(P["BENCH_WINDOW_BYTES"] // max(1, size), 1, P["BENCH_WINDOW_MAX"])


def repeat(body, bytes_per_call, slowest=lambda s: s, sync=lambda: None):
    """Seconds per call of body() for each repetition. slowest(s) turns one process's seconds into
    the slowest process's (an allreduce MAX under MPI); sync() lines processes up (a barrier)."""
    sync()
    warm = warm_calls(bytes_per_call)
    t = time.perf_counter()
    for _ in range(warm):
        body()
    calls = calls_per_rep(slowest(time.perf_counter() - t) / warm)
    out = []
    for _ in range(P["BENCH_REPS"]):
        sync()
        t = time.perf_counter()
        for _ in range(calls):
            body()
        out.append(slowest((time.perf_counter() - t) / calls))
    return out


def sizes(default="8,1024,65536,1048576,16777216", name="BENCH_SIZES"):
    return [int(x) for x in (os.environ.get(name) or default).split(",") if x not in ("", "none")]


def emit(**record):
    print("BENCHREF " + json.dumps(record), flush=True)
