"""Where splitting a training batch pays, and how: unsplit, two threads, two worker processes.

    python3 benchmarks/bench_split_rule.py                 # the default grid (a few minutes)
    python3 benchmarks/bench_split_rule.py --nets digits,lenet5 --batches 16,64

For each net and batch size, three ways of running the same training step (loss_and_grads + SGD update),
measured interleaved in one process (OPENBLAS_NUM_THREADS=1, tuned allocator): the whole batch on one
core; the batch in two parts on two threads (engine.runtime.run_parallel, whatever the network's own
thread rule says); the batch in two parts on this process and a worker process (engine.parallel, whatever
its rule says). "×" is the speed-up over the whole batch; the multiply-adds per part (of the forward pass)
are what engine.parallel.pool.batch_parts and Network._parts compare with their thresholds. Not a test:
nothing is asserted.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ["OPENBLAS_NUM_THREADS"] = "1"
for _key in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):     # as bench_engine.py's children
    os.environ.pop(_key, None)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

NETS = ("digits", "mnist", "lenet5", "course39", "stem64", "vgg32")
BATCHES = (8, 16, 32, 64, 128)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--nets", default=",".join(NETS))
    p.add_argument("--batches", default=",".join(map(str, BATCHES)))
    p.add_argument("--reps", type=int, default=7)
    p.add_argument("--seconds", type=float, default=0.15, help="per measurement")
    args = p.parse_args(argv)

    from engine import Network, runtime
    from engine.parallel import pool as pool_module
    from suite import EngineRunner
    runtime.tune_allocator()
    runtime.set_num_threads(2)
    # Both ways split every batch in two here; the rules are what this table is for.
    Network.MIN_MACS_PER_THREAD = {"train": 1, "infer": 1}
    Network.MIN_SAMPLES_PER_THREAD = 1
    pool_module.MIN_MACS_PER_PART = {"train": 1, "infer": 1}
    pool_module.MIN_SAMPLES_PER_PART = 1
    print("| net | batch | multiply-adds per part | whole: ms per step | two threads: ms | × | two processes: ms | × |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name in args.nets.split(","):
        for batch in map(int, args.batches.split(",")):
            runners = {"whole": EngineRunner(name, batch, infer_batch=1, cores=1),
                       "threads": EngineRunner(name, batch, infer_batch=1),
                       "processes": EngineRunner(name, batch, infer_batch=1, cores=2)}
            assert runners["processes"].pool is not None
            macs = sum(row.macs or 0 for row in runners["whole"].net.summary.rows) * batch // 2
            for runner in runners.values():
                for _ in range(3):
                    runner.step()
            t0 = time.perf_counter()
            runners["whole"].step()
            n = max(2, min(300, round(args.seconds / (time.perf_counter() - t0))))
            times = {key: [] for key in runners}
            for _ in range(args.reps):
                for key, runner in runners.items():
                    time.sleep(0.01)
                    runner.step()
                    t0 = time.perf_counter()
                    for _ in range(n):
                        runner.step()
                    times[key].append((time.perf_counter() - t0) / n)
            for runner in runners.values():
                runner.close()
            ms = {key: statistics.median(values) * 1e3 for key, values in times.items()}
            speed = {key: statistics.median([w / t for w, t in zip(times["whole"], values)])
                     for key, values in times.items()}
            print(f"| {name} | {batch} | {macs / 1e6:.1f}M | {ms['whole']:.2f} | {ms['threads']:.2f} | "
                  f"{speed['threads']:.2f} | {ms['processes']:.2f} | {speed['processes']:.2f} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
