"""Peak memory of one training step, engine and PyTorch, for benchmarks/bench_engine.py's memory children
(one fresh process per framework, net, thread count and method). Not a test: nothing is asserted.
"""
from __future__ import annotations

import json
import os
import time

from suite import EngineRunner, TorchRunner, batches



def _status_kib(field: str, pid="self") -> int | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _reset_hwm(pid="self") -> bool:
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _small_mmap_threshold() -> bool:
    """glibc: serve every block ≥ 64 KiB by mmap and trim the heap eagerly, so memory freed after a step
    really leaves the process and the next step's peak resident size shows its own working set."""
    import ctypes
    try:
        libc = ctypes.CDLL(None)
        libc.gnu_get_libc_version
    except (OSError, AttributeError):
        return False
    return libc.mallopt(-3, 64 * 1024) == 1 and libc.mallopt(-1, 128 * 1024) == 1


def child_memory(args) -> dict:
    name, fw, method = args.memory.split(":")
    from engine import runtime
    runtime.set_num_threads(args.threads)
    if fw == "torch":
        import torch
        torch.set_num_threads(args.threads)
    if method == "rss":
        small = _small_mmap_threshold()
    train_batch = batches(args, name)[0]
    # The engine as a training run on these cores uses it: its worker processes when it splits the batch.
    runner = TorchRunner(name, train_batch, infer_batch=1) if fw == "torch" else \
        EngineRunner(name, train_batch, infer_batch=1, cores=args.threads)
    pool = getattr(runner, "pool", None)
    out = {"net": name, "framework": fw, "batch": train_batch, "processes": 1 + len(pool.pids) if pool else 1}
    if method == "rss":
        # Process level: peak resident-set growth over 3 steps after one warm-up step, summed over this
        # process and the engine's workers (whose glibc keeps its default thresholds: a lower bound there).
        runner.step()
        time.sleep(0.1)
        pids = ["self"] + (pool.pids if pool else [])
        rss0 = [_status_kib("VmRSS", pid) for pid in pids]
        if small and all(_reset_hwm(pid) for pid in pids) and None not in rss0:
            for _ in range(3):
                runner.step()
            hwm = [_status_kib("VmHWM", pid) for pid in pids]
            if None not in hwm:
                out["hwm_growth_bytes"] = sum(h - r for h, r in zip(hwm, rss0)) * 1024
        runner.close()
        return out
    if fw == "engine":
        # Allocator level: everything NumPy allocates (tracemalloc sees every array buffer) from before
        # the first step on; the peak of the 4th step above that. Between steps the engine keeps
        # nothing but the weights (layers drop their caches in backward), so this is one step's peak.
        # With worker processes: each worker's tracemalloc too, and the shared gradient and I/O blocks
        # (the weights block is the weights, excluded as in one process), all added up.
        import tracemalloc
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        if pool:
            pool.trace_memory("start")
        for _ in range(3):
            runner.step()
        tracemalloc.reset_peak()
        if pool:
            pool.trace_memory("reset")
        runner.step()
        current, peak = tracemalloc.get_traced_memory()
        workers = pool.trace_memory("stop") if pool else []
        shared = pool.shared_bytes() if pool else 0
        out["alloc_peak_bytes"] = peak - base + sum(w["peak"] for w in workers) + shared
        # still allocated after the step (reused next step)
        out["kept_bytes"] = current - base + sum(w["current"] for w in workers) + shared
        out["alloc_method"] = "tracemalloc" + (f", {len(workers)} worker(s) and shared blocks" if pool else "")
        tracemalloc.stop()
        runner.close()
    else:
        # torch's CPU allocator events for one step (after 3 warm-up steps): the running total of
        # allocations minus frees, its peak. Between steps torch keeps only last step's gradients,
        # which zero_grad(set_to_none=True) frees first thing.
        import tempfile
        from torch.profiler import ProfilerActivity, profile
        for _ in range(3):
            runner.step()
        with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
            runner.step()
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "trace.json")
            prof.export_chrome_trace(path)
            with open(path) as f:
                events = json.load(f)["traceEvents"]
        running = peak = 0
        for event in events:
            if event.get("name") == "[memory]" and event.get("args", {}).get("Device Type", 0) == 0:
                running += event["args"]["Bytes"]
                peak = max(peak, running)
        # The step starts by freeing last step's gradients (zero_grad set_to_none); the profiler records no
        # free for blocks allocated before it started, so the running total is what the step allocated
        # and still holds, i.e. the live memory above the state before the first step.
        out["alloc_peak_bytes"] = peak
        out["kept_bytes"] = sum(p.grad.numel() * p.grad.element_size() for p in runner.model.parameters()
                                if p.grad is not None)
        out["alloc_method"] = "torch.profiler"
    return out
