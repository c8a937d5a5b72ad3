"""Why the engine's batch parts gain less from 2 threads than PyTorch: the same NumPy work in two threads
and in two processes.

    python3 benchmarks/bench_threads_vs_processes.py

Each line runs one kind of NumPy call in a loop: first twice on one thread (the work of two parts, one
after the other), then in two threads at once (the engine's batch parts side by side), then in two
processes at once. "× of 2" is the speed-up over the one-thread run (2.0 = perfect). A thread gives the
GIL back at the start of every call and must take it back at the end; when the other thread holds it or
is being woken, the call waits, so short elementwise calls gain little or nothing in threads, while the
same calls in processes (no shared GIL) and long products in threads scale. Not a test: nothing is
asserted. Medians of 5 runs; BLAS single-threaded (OPENBLAS_NUM_THREADS=1).
"""
from __future__ import annotations

import multiprocessing
import os
import statistics
import threading
import time

os.environ["OPENBLAS_NUM_THREADS"] = "1"
for _key in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):     # as bench_engine.py's children
    os.environ.pop(_key, None)

import numpy as np  # noqa: E402  (after the BLAS settings)

CASES = {
    # name: (array elements or GEMM shape, calls per run)
    "np.subtract, 64 KiB arrays": (16 * 1024, 60_000),
    "np.subtract, 256 KiB arrays": (64 * 1024, 15_000),
    "np.subtract, 1 MiB arrays": (256 * 1024, 3_000),
    "np.matmul 1024×288 · 288×32 (a conv chunk)": ((1024, 288, 32), 1_000),
}


def _operands(size):
    rng = np.random.default_rng(0)
    if isinstance(size, tuple):
        m, k, n = size
        return (rng.standard_normal((m, k), dtype=np.float32), rng.standard_normal((k, n), dtype=np.float32),
                np.empty((m, n), np.float32))
    return (rng.standard_normal(size, dtype=np.float32), rng.standard_normal(size, dtype=np.float32),
            np.empty(size, np.float32))


def _loop(size, calls, barrier=None) -> float:
    a, b, out = _operands(size)
    op = np.matmul if isinstance(size, tuple) else np.subtract
    op(a, b, out=out)
    if barrier is not None:
        barrier.wait()                    # both workers start timing together
    start = time.perf_counter()
    for _ in range(calls):
        op(a, b, out=out)
    return time.perf_counter() - start


def _in_process(size, calls, barrier, queue) -> None:
    queue.put(_loop(size, calls, barrier))


def measure(size, calls) -> tuple[float, float, float]:
    """(µs per call on one thread, speed-up of two threads, speed-up of two processes)."""
    serial, threads, procs = [], [], []
    for _ in range(5):
        serial.append(_loop(size, calls) + _loop(size, calls))
        gate, times = threading.Barrier(2), []
        workers = [threading.Thread(target=lambda: times.append(_loop(size, calls, gate))) for _ in range(2)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        threads.append(max(times))        # timed from the same start; the pair is done when the slower is
        queue, barrier = multiprocessing.Queue(), multiprocessing.Barrier(2)
        children = [multiprocessing.Process(target=_in_process, args=(size, calls, barrier, queue))
                    for _ in range(2)]
        for c in children:
            c.start()
        times = [queue.get(), queue.get()]
        for c in children:
            c.join()
        procs.append(max(times))
    one = statistics.median(serial)
    return one / (2 * calls) * 1e6, one / statistics.median(threads), one / statistics.median(procs)


def main() -> int:
    print("| NumPy call | µs per call, one thread | two threads: × of 2 | two processes: × of 2 |")
    print("|---|---:|---:|---:|")
    for name, (size, calls) in CASES.items():
        per_call, threads, procs = measure(size, calls)
        print(f"| {name} | {per_call:.1f} | {threads:.2f} | {procs:.2f} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
