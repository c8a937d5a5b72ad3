"""Training and inference speed of the NumPy engine beside PyTorch CPU, plus peak memory of a step.

    python3 benchmarks/bench_engine.py                      # the suite: threads 1 and 2, memory, scaling, goals
    python3 benchmarks/bench_engine.py --quick --nets lenet5,digits   # every table on two nets, ~1.5 min
    python3 benchmarks/bench_engine.py --threads 2          # one thread count
    python3 benchmarks/bench_engine.py --quick              # a faster look (3 short repetitions)
    python3 benchmarks/bench_engine.py --nets vgg32,stem64 --allocator both
    python3 benchmarks/bench_engine.py --memory-only        # only the peak memory of a training step
    python3 benchmarks/bench_engine.py --profile --nets vgg32 --threads 1   # per layer: ms, GFLOP/s, % of GEMM peak
    python3 benchmarks/bench_engine.py --profile --threads 2   # ... and per layer, batch parts alone vs side by side

What is measured. The suite (float32, plain SGD lr 0.01, random data with the net's input shape; training
at the batch in brackets, inference always at batch 256; see benchmarks/suite.py for the exact layers):
  lenet5      (256) resources/presets/lenet5.json: 32×32×3, 5×5 convs, max pools, FC120, FC84
  mnist       (128) 28×28×1 LeNet: conv 5×5×6, max pool, conv 5×5×16, max pool, FC120, FC84
  avgpool      (64) 28×28×1: conv 5×5×20, avg pool, conv 5×5×50, avg pool, FC256 — leaky ReLU
  vgg32        (32) 32×32×3: 3×3 "same" convs 32, 32, max pool, 64, 64, max pool, FC128
  vgg128       (64) 16×16×3: 3×3 "same" convs 64, max pool, 128, 128, max pool
  stem64       (16) 64×64×3: 7×7 stride-2 stem (16, tanh), overlapping max pool 3/2, 3×3 conv 32
                    (sigmoid), overlapping avg pool 3/2, FC64 tanh
  course39     (32) resources/presets/example_convnet.json: 39×39×3, conv 3×3×10, stride-2 5×5 convs
  bottleneck  (128) 32×32×3: 3×3×32 same, 1×1×16 (linear), 3×3×32 same, max pool, 1×1×64, avg pool
  digits      (256) resources/presets/digits_net.json: 8×8×1, 3×3 same convs 16 and 32, pools, FC64
Week 2 (only with --nets): resnet_small (64) resources/presets/resnet_small.json: 32×32×3, 3 residual blocks
  with batch norm; mobilenet_small (64) resources/presets/mobilenet_small.json: 28×28×1, depthwise-separable.
The PyTorch model is the design as `main.py export --to pytorch` writes it (nn.Conv2d / MaxPool2d /
AvgPool2d / Linear, NCHW, PyTorch's default CPU kernels); each side gets its batch in its own layout, made before timing. A training step is
forward + loss + backward + SGD update (engine: loss_and_grads + SGD.step; torch: zero_grad,
cross_entropy, backward, SGD.step); inference is a forward pass (torch under inference_mode). The
summary rows give, per mode, the geometric mean of the per-net ratios engine / PyTorch and the minimum.

How. Every (threads, allocator) configuration runs in its own child process, with OPENBLAS_NUM_THREADS,
OMP_NUM_THREADS, MKL_NUM_THREADS and CNN_DESIGNER_THREADS set to the thread count and
torch.set_num_threads / engine.runtime.set_num_threads called with it. (The engine uses its N threads by
splitting a big enough batch into N parts run side by side, each with one BLAS thread; a batch too small
to pay for that runs whole on one thread — so for the small nets "2 threads" may use only one.) Inside a child the engine and torch
measurements are interleaved: each repetition visits every (net, mode, framework) in a shuffled order;
before each measurement it sleeps --settle seconds and runs 2 untimed calls, then times as many calls as
take about --seconds (0.25 s) for the slower framework (the same count for both, fixed after warm-up).
The sleep (default 0.03 s) lets the other side's OpenBLAS / OpenMP worker threads stop spinning: without
it the first step after the other framework was ~1.8x slow here; much longer sleeps let the vCPUs go idle
and slow the next steps instead. The table gives the median over --reps repetitions with the min–max
spread, and the engine/torch ratio as the median of the per-repetition ratios (each from two
measurements taken close together, so a load spike from another process tends to hit both).
"tuned" allocator = engine.runtime.tune_allocator() (glibc mallopt: large freed blocks stay in the heap)
called at the child's start: it is process-wide, so torch runs under the same setting; "default" = glibc
as it comes.

OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE: some machines set these for old OpenBLAS builds; they slow a
current NumPy. The children run with both unset unless --keep-openblas-env; the header says whether they
were set and which OpenBLAS kernel (core type) the children actually ran.

Peak memory of one training step (the dataset excluded: the batch and the weights exist before the step),
each framework, net and thread count in a fresh process:
  engine: tracemalloc (NumPy reports every array buffer to it), started before the first step; the 4th
          step's peak above the size traced before the first step, and what is still allocated after it.
  torch:  torch.profiler(profile_memory=True) over the 4th step: the running total of the CPU
          allocator's allocations and frees, its peak — the same quantity for torch's tensors (blocks
          from before the step, i.e. last step's gradients, are freed at its start without a record).
  both:   ΔVmHWM — /proc/self/status peak resident set (reset with clear_refs 5 after one warm-up step)
          over steps 2-4 minus the resident size before them, with glibc told to return freed blocks
          ≥ 64 KiB to the OS: memory newly touched by a step, including BLAS / oneDNN scratch memory that
          the allocator-level numbers cannot see (but not what a framework keeps between steps).

Needs only NumPy; PyTorch is optional (pip install torch==2.13.0) — without it the engine numbers are
reported alone. Not a test: nothing here asserts a time.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from engine_memory import child_memory  # noqa: E402  (benchmarks/ is on sys.path: this script's folder)
from suite import ALL_NETS, INFER_BATCH, NETS, EngineRunner, TorchRunner, batches, have_torch  # noqa: E402

MODES = ("train", "infer")
TORCH_HINT = "pip install torch==2.13.0"
OPENBLAS_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


# --------------------------------------------------------------------------------------------------
# Child: speed
# --------------------------------------------------------------------------------------------------

def child_speed(args) -> dict:
    from engine import runtime
    tuned = runtime.tune_allocator() if args.allocator == "tuned" else False
    runtime.set_num_threads(args.threads)
    torch_ok = have_torch() and not args.no_torch
    if torch_ok:
        import torch
        torch.set_num_threads(args.threads)
    nets = args.nets.split(",")
    cores = None if args.parts == "threads" else args.threads
    runners = {}
    for name in nets:
        train_batch, infer_batch = batches(args, name)
        runners[(name, "engine")] = EngineRunner(name, train_batch, infer_batch=infer_batch, cores=cores)
        if args.threads > 1:        # the engine on one core, interleaved: its own speed-up from the others
            runners[(name, "engine1")] = EngineRunner(name, train_batch, infer_batch=infer_batch, cores=1)
        if torch_ok:
            runners[(name, "torch")] = TorchRunner(name, train_batch, infer_batch=infer_batch)
    frameworks = ("engine", "torch") if torch_ok else ("engine",)
    if args.threads > 1:
        frameworks += ("engine1",)
    jobs = [(name, mode, fw) for name in nets for mode in MODES for fw in frameworks]

    def call(job):
        runner = runners[(job[0], job[2])]
        return runner.step if job[1] == "train" else runner.infer

    # Warm-up (caches, thread pools, lazily built state), and the number of timed calls per measurement:
    # enough for about --seconds of the slower framework, the same count for both.
    slowest = {}
    for job in jobs:
        fn = call(job)
        for _ in range(3):
            fn()
        t0 = time.perf_counter()
        fn()
        key = job[:2]
        slowest[key] = max(slowest.get(key, 0.0), time.perf_counter() - t0)
    steps = {key: args.steps or max(3, min(200, round(args.seconds / t))) for key, t in slowest.items()}
    samples = {job: [] for job in jobs}
    rng = random.Random(1)
    for _ in range(args.reps):
        order = list(jobs)
        rng.shuffle(order)
        for job in order:
            fn = call(job)
            n = steps[job[:2]]
            batch = batches(args, job[0])[0 if job[1] == "train" else 1]
            time.sleep(args.settle)
            for _ in range(2):
                fn()
            t0 = time.perf_counter()
            for _ in range(n):
                fn()
            elapsed = time.perf_counter() - t0
            samples[job].append(batch * n / elapsed)
    for runner in runners.values():
        runner.close()
    return {"threads": args.threads, "allocator": args.allocator, "allocator_applied": tuned, "parts": args.parts,
            "torch": torch_ok, "blas": blas_report(),
            "results": [{"net": j[0], "mode": j[1], "framework": j[2], "samples_per_s": v,
                         "batch": batches(args, j[0])[0 if j[1] == "train" else 1]} for j, v in samples.items()]}


def blas_report() -> list[dict]:
    try:
        from threadpoolctl import threadpool_info
        return [{k: d.get(k) for k in ("internal_api", "version", "num_threads", "architecture", "threading_layer",
                                         "filepath")} for d in threadpool_info()]
    except ImportError:
        from engine import runtime
        return [{"internal_api": "openblas", "architecture": d["corename"], "num_threads": d["num_threads"],
                 "filepath": d["path"]} for d in runtime.blas_info()]


# --------------------------------------------------------------------------------------------------
# Profile: where the engine's time goes (benchmarks/engine_profile.py), in a child like the speed runs
# --------------------------------------------------------------------------------------------------

def child_scaling(args) -> None:
    """The --scaling tables (benchmarks/engine_scaling.py) in a child with the speed children's environment."""
    from engine import runtime
    from engine_scaling import run_scaling
    if args.allocator != "default":
        runtime.tune_allocator()
    runtime.set_num_threads(2)
    run_scaling(args.nets.split(","), lambda name: batches(args, name)[0], args.reps * (args.steps or 5))


def child_profile(args) -> None:
    """The --profile tables, in a child process with the speed children's environment (OpenBLAS kernel
    and thread settings): one thread unsplit, then the batch parts side by side if threads >= 2."""
    from engine import runtime
    from engine_profile import run_parts_profile, run_profile
    if args.allocator != "default":
        runtime.tune_allocator()
    reps = args.reps * (args.steps or 5)
    runners = {name: EngineRunner(name, batches(args, name)[0], infer_batch=1) for name in args.nets.split(",")}
    runtime.set_num_threads(1)
    run_profile(runners, reps)
    if args.threads >= 2:
        run_parts_profile(runners, reps, args.threads)


# --------------------------------------------------------------------------------------------------
# Parent: spawn children, print the tables
# --------------------------------------------------------------------------------------------------

def child_env(threads: int, keep_openblas_env: bool) -> dict:
    env = dict(os.environ)
    for key in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "CNN_DESIGNER_THREADS"):
        env[key] = str(threads)
    for key in ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_ARENA_MAX"):
        env.pop(key, None)           # the allocator setting is the child's --allocator, nothing else
    if not keep_openblas_env:
        for key in OPENBLAS_ENV:
            env.pop(key, None)
    return env


def run_child(args, extra: list[str], threads: int) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", "--threads", str(threads),
           "--batch", str(args.batch or 0), "--steps", str(args.steps or 0), "--reps", str(args.reps),
           "--seconds", str(args.seconds), "--settle", str(args.settle), "--nets", args.nets,
           "--parts", args.parts] + extra
    if args.no_torch:
        cmd.append("--no-torch")
    proc = subprocess.run(cmd, env=child_env(threads, args.keep_openblas_env), capture_output=True, text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"child failed: {' '.join(cmd)}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def machine_info() -> dict:
    import numpy
    info = {"python": platform.python_version(), "numpy": numpy.__version__, "platform": platform.platform()}
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        fields = dict(line.split(":", 1) for line in out.splitlines() if ":" in line)
        info["cpu"] = fields.get("Model name", "?").strip()
        info["cpus"] = fields.get("CPU(s)", "?").strip()
        info["threads_per_core"] = fields.get("Thread(s) per core", "?").strip()
        info["l2"] = fields.get("L2 cache", "?").strip()
        info["l3"] = fields.get("L3 cache", "?").strip()
        info["cpu_id"] = f"family {fields.get('CPU family', '?').strip()} model {fields.get('Model', '?').strip()}"
        info["hypervisor"] = fields.get("Hypervisor vendor", "").strip()
    except OSError:
        info["cpu"] = platform.processor()
    try:
        import torch
        info["torch"] = torch.__version__
        cfg = torch.__config__.show()
        info["torch_blas"] = "MKL" if "BLAS_INFO=mkl" in cfg else ("OpenBLAS" if "openblas" in cfg.lower() else "?")
        info["torch_mkldnn"] = bool(torch.backends.mkldnn.is_available())
        info["torch_cpu_capability"] = torch.backends.cpu.get_cpu_capability()
    except ImportError:
        info["torch"] = None
    info["openblas_env"] = {k: os.environ.get(k) for k in OPENBLAS_ENV}
    return info


def fmt_rate(values) -> str:
    return f"{statistics.median(values):,.0f} ({min(values):,.0f}–{max(values):,.0f})"


def print_tables(info, children, memory) -> None:
    print("## Machine\n")
    guest = f", {info['hypervisor']} guest" if info.get("hypervisor") else ""
    print(f"- CPU: {info.get('cpu')} ({info.get('cpu_id')}{guest}) — {info.get('cpus')} CPUs, "
          f"{info.get('threads_per_core')} thread(s) per core, L2 {info.get('l2')}, L3 {info.get('l3')}")
    print(f"- Python {info['python']}, NumPy {info['numpy']}, PyTorch {info.get('torch') or 'not installed'}"
          + (f" (BLAS {info.get('torch_blas')}, oneDNN {'on' if info.get('torch_mkldnn') else 'off'}, "
             f"CPU capability {info.get('torch_cpu_capability')})" if info.get("torch") else ""))
    blas = children[0]["blas"] if children else []
    for lib in blas:
        if lib.get("internal_api") == "openblas":
            print(f"- NumPy's BLAS in the children: OpenBLAS {lib.get('version') or ''}, kernel (core type) "
                  f"{lib.get('architecture')}, {lib.get('threading_layer') or '?'} threading — "
                  f"{os.path.basename(lib.get('filepath') or '')}")
        else:
            print(f"- also loaded: {lib.get('internal_api')} — {os.path.basename(lib.get('filepath') or '')}")
    env = info["openblas_env"]
    if any(env.values()):
        used = "kept" if children and children[0].get("kept_openblas_env") else "unset for the children"
        print(f"- OPENBLAS_CORETYPE={env['OPENBLAS_CORETYPE']!r}, OPENBLAS_L2_SIZE={env['OPENBLAS_L2_SIZE']!r} "
              f"were set; {used}")
    else:
        print("- OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE were not set")
    print(f"- {info['platform']}\n")

    torch_ok = any(c["torch"] for c in children)
    if not torch_ok:
        print(f"PyTorch is not installed (or --no-torch): engine numbers only. For the comparison: {TORCH_HINT}\n")
    print("## Throughput (samples/s, median of the repetitions, min–max in brackets)\n")
    head = "| net | mode | batch | threads | allocator | engine |"
    rule = "|---|---|---:|---:|---|---:|"
    if torch_ok:
        head += " PyTorch | engine / PyTorch |"
        rule += "---:|---:|"
    print(head)
    print(rule)
    rows, summary = [], {}
    for child in children:
        by = {(r["net"], r["mode"], r["framework"]): r for r in child["results"]}
        nets = sorted({r["net"] for r in child["results"]}, key=lambda n: ALL_NETS.index(n) if n in ALL_NETS else 99)
        for net in nets:
            for mode in MODES:
                eng = by[(net, mode, "engine")]
                line = f"| {net} | {'training step' if mode == 'train' else 'inference'} | {eng.get('batch', '')} | " \
                       f"{child['threads']} | {child['allocator']} | {fmt_rate(eng['samples_per_s'])} |"
                if torch_ok:
                    tor = by[(net, mode, "torch")]["samples_per_s"]
                    ratios = [e / t for e, t in zip(eng["samples_per_s"], tor)]
                    ratio = statistics.median(ratios)
                    summary.setdefault((mode, child["threads"], child["allocator"]), []).append((net, ratio))
                    line += f" {fmt_rate(tor)} | {ratio:.2f} ({min(ratios):.2f}–{max(ratios):.2f}) |"
                rows.append((net, mode, child["threads"], child["allocator"], line))

    def order(row):
        return ALL_NETS.index(row[0]) if row[0] in ALL_NETS else 99, MODES.index(row[1]), row[2], row[3]
    for *_, line in sorted(rows, key=order):
        print(line)
    print()
    if summary:
        print("| mode | threads | allocator | nets | geometric mean engine / PyTorch | minimum (net) |")
        print("|---|---:|---|---:|---:|---|")
        for (mode, threads, alloc), values in sorted(summary.items(), key=lambda kv: (MODES.index(kv[0][0]),
                                                                                       kv[0][1], kv[0][2])):
            geo = statistics.geometric_mean([r for _, r in values])
            worst = min(values, key=lambda v: v[1])
            print(f"| {'training step' if mode == 'train' else 'inference'} | {threads} | {alloc} | {len(values)} | "
                  f"{geo:.2f} | {worst[1]:.2f} ({worst[0]}) |")
        print()
    print_speedups(children)
    if memory:
        print("## Peak memory of one training step (batch and weights excluded)\n")
        print("| net | batch | threads | engine: peak (tracemalloc) | of which kept between steps | PyTorch: peak "
              "(profiler) | of which kept between steps | engine / PyTorch peak | engine: ΔVmHWM | PyTorch: ΔVmHWM |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        ratios = []
        for net, n in dict.fromkeys((m["net"], m.get("threads")) for m in memory):
            e = next((m for m in memory if (m["net"], m.get("threads"), m["framework"]) == (net, n, "engine")), {})
            t = next((m for m in memory if (m["net"], m.get("threads"), m["framework"]) == (net, n, "torch")), {})

            def mib(d, key):
                return f"{d[key] / 2**20:.1f} MiB" if key in d else "—"
            ratio = "—"
            if e.get("alloc_peak_bytes") and t.get("alloc_peak_bytes"):
                ratios.append((e["alloc_peak_bytes"] / t["alloc_peak_bytes"], net, n))
                ratio = f"{ratios[-1][0]:.2f}"
            print(f"| {net} | {e.get('batch', '')} | {n} | {mib(e, 'alloc_peak_bytes')} | {mib(e, 'kept_bytes')} | "
                  f"{mib(t, 'alloc_peak_bytes')} | {mib(t, 'kept_bytes')} | {ratio} | {mib(e, 'hwm_growth_bytes')} | "
                  f"{mib(t, 'hwm_growth_bytes')} |")
        if ratios:
            worst = max(ratios)
            print(f"\nLargest engine / PyTorch peak: {worst[0]:.2f} ({worst[1]}, {worst[2]} thread(s)).")
        print()


def print_speedups(children) -> None:
    """The engine's own speed-up from N cores: in each N-core child the engine ran on one core too,
    interleaved with its N-core runs; the ratio per repetition, its median."""
    rows, summary = [], {}
    for child in children:
        by = {(r["net"], r["mode"], r["framework"]): r for r in child["results"]}
        for (net, mode, fw), one in sorted(by.items(), key=lambda kv: (NETS.index(kv[0][0]) if kv[0][0] in NETS
                                                                         else 99, MODES.index(kv[0][1]))):
            if fw != "engine1":
                continue
            many = by[(net, mode, "engine")]
            ratios = [a / b for a, b in zip(many["samples_per_s"], one["samples_per_s"])]
            ratio = statistics.median(ratios)
            summary.setdefault((mode, child["threads"]), []).append((net, ratio))
            rows.append(f"| {net} | {'training step' if mode == 'train' else 'inference'} | {one.get('batch', '')} | "
                        f"{child['threads']} ({child.get('parts', 'processes')}) | {fmt_rate(one['samples_per_s'])} | "
                        f"{fmt_rate(many['samples_per_s'])} | {ratio:.2f} ({min(ratios):.2f}–{max(ratios):.2f}) |")
    if not rows:
        return
    print("## The engine's own speed-up from more cores (samples/s; one core interleaved in the same child)\n")
    print("| net | mode | batch | cores (parts in) | engine, 1 core | engine, N cores | speed-up |")
    print("|---|---|---:|---|---:|---:|---:|")
    print("\n".join(rows))
    print("\n| mode | cores | nets | geometric mean speed-up | minimum (net) |")
    print("|---|---:|---:|---:|---|")
    for (mode, n), values in sorted(summary.items(), key=lambda kv: (MODES.index(kv[0][0]), kv[0][1])):
        worst = min(values, key=lambda v: v[1])
        print(f"| {'training step' if mode == 'train' else 'inference'} | {n} | {len(values)} | "
              f"{statistics.geometric_mean([r for _, r in values]):.2f} | {worst[1]:.2f} ({worst[0]}) |")
    print()


def goal_lines(children, memory) -> list[str]:
    """Issue 24's "Done when" figures in one table (training step, tuned allocator): 2 workers vs PyTorch 2
    threads (geometric mean, worst net), 1 worker vs PyTorch 1 thread, the engine's own speed-up from a
    second core, the largest peak-memory ratio (every process summed) per thread count."""
    ratios, speedups, measured = {}, [], set()
    for child in children:
        if child["allocator"] != "tuned" and any(c["allocator"] == "tuned" for c in children):
            continue
        by = {(r["net"], r["mode"], r["framework"]): r["samples_per_s"] for r in child["results"]}
        for (net, mode, framework), engine in by.items():
            if mode != "train" or framework != "engine":
                continue
            measured.add(net)
            if (net, mode, "torch") in by:
                ratios.setdefault(child["threads"], []).append(
                    (statistics.median(e / t for e, t in zip(engine, by[(net, mode, "torch")])), net))
            if child["threads"] == 2 and (net, mode, "engine1") in by:
                speedups.append((statistics.median(a / b for a, b in zip(engine, by[(net, mode, "engine1")])), net))

    def row(what, values, goal, kind="geo"):
        if not values:
            return f"| {what} | — | {goal} | not measured |"
        if kind == "geo":
            value = statistics.geometric_mean([v for v, _ in values])
            met = value >= float(goal.split()[-1])
            shown = f"{value:.2f} ({len(values)} nets)"
        elif kind == "min":
            value, net = min(values)
            met, shown = value >= float(goal.split()[-1]), f"{value:.2f} ({net})"
        else:
            value, net = max(values)
            met, shown = value <= float(goal.split()[-1]), f"{value:.2f} ({net})"
        return f"| {what} | {shown} | {goal} | {'met' if met else 'NOT met'} |"

    peaks = {}
    for item in memory:
        if item["framework"] != "engine" or not item.get("alloc_peak_bytes"):
            continue
        torch = next((m for m in memory if (m["net"], m.get("threads"), m["framework"])
                      == (item["net"], item.get("threads"), "torch")), {})
        if torch.get("alloc_peak_bytes"):
            peaks.setdefault(item.get("threads"), []).append(
                (item["alloc_peak_bytes"] / torch["alloc_peak_bytes"], item["net"]))
    lines = ["## Issue 24's goals (training step; the suite's nets at their batch)", "",
             "| figure | measured | goal | |", "|---|---:|---|---|",
             row("2 workers / PyTorch 2 threads, geometric mean", ratios.get(2, []), "≥ 1.0"),
             row("2 workers / PyTorch 2 threads, worst net", ratios.get(2, []), "≥ 0.8", "min"),
             row("1 worker / PyTorch 1 thread, geometric mean", ratios.get(1, []), "≥ 1.0"),
             row("the engine's own speed-up from a second core, geometric mean", speedups, "≥ 1.7")]
    for threads in sorted(peaks):
        lines.append(row(f"peak memory engine / PyTorch at {threads} thread(s), every process summed, largest",
                         peaks[threads], "≤ 1.5", "max"))
    if not peaks:
        lines.append(row("peak memory engine / PyTorch, every process summed, largest", [], "≤ 1.5"))
    # Which of the suite's nets this run left out (with or without PyTorch beside them).
    missing = [net for net in NETS if net not in measured]
    if missing and measured:
        lines.append(f"\nNot the whole suite: {', '.join(missing)} not run (--nets).")
    return lines + [""]


def run_scaling_child(args) -> int:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", "--scaling", "--threads", "2",
           "--batch", str(args.batch or 0), "--steps", str(args.steps or 0), "--reps", str(args.reps),
           "--allocator", "default" if args.allocator == "default" else "tuned", "--nets", args.nets]
    sys.stdout.flush()
    return subprocess.run(cmd, env=child_env(2, args.keep_openblas_env)).returncode


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--threads", default=None, help="comma-separated thread counts (default 1,2)")
    p.add_argument("--nets", default=",".join(NETS),
                   help="comma-separated: " + ", ".join(NETS) + " (the default suite), or week 2's "
                        + ", ".join(ALL_NETS[len(NETS):]))
    p.add_argument("--batch", type=int, default=0,
                   help="one batch size for every net and both modes (default: the suite's training batch "
                        f"per net, inference at {INFER_BATCH})")
    p.add_argument("--reps", type=int, default=None, help="repetitions, median reported (default 7; --quick 3)")
    p.add_argument("--steps", type=int, default=0,
                   help="timed calls per measurement (default: enough for --seconds of the slower framework)")
    p.add_argument("--seconds", type=float, default=None,
                   help="target seconds per measurement (default 0.25; --quick 0.1)")
    p.add_argument("--settle", type=float, default=0.03, help="seconds to sleep before each measurement")
    p.add_argument("--allocator", choices=("tuned", "default", "both"), default="tuned",
                   help="glibc allocator setting (default tuned)")
    p.add_argument("--quick", action="store_true",
                   help="fewer, shorter repetitions (every table still printed; --nets lenet5,digits: every table in ~1.5 min)")
    p.add_argument("--profile", action="store_true",
                   help="per-layer forward/backward times of the engine (one thread; with --threads 2 also "
                        "the batch parts alone vs side by side)")
    p.add_argument("--parts", choices=("processes", "threads"), default="processes",
                   help="how the engine uses 2+ cores: worker processes as a training run does (default), or "
                        "its threads only (the engine before the workers)")
    p.add_argument("--scaling", action="store_true",
                   help="only the training step's fixed costs and parallel part at 2 processes, and the model "
                        "of 4, 8 and 16 cores (part of the default run)")
    p.add_argument("--no-scaling", action="store_true", help="skip the scaling model")
    p.add_argument("--no-torch", action="store_true", help="engine numbers only")
    p.add_argument("--no-memory", action="store_true", help="skip the peak-memory measurement")
    p.add_argument("--memory-only", action="store_true", help="only the peak-memory measurement")
    p.add_argument("--keep-openblas-env", action="store_true",
                   help="keep OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE in the children (default: unset both)")
    p.add_argument("--json", metavar="PATH", help="also write the raw numbers here")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--memory", default=None, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    args.reps = args.reps or (3 if args.quick else 7)
    args.seconds = args.seconds or (0.1 if args.quick else 0.25)
    args.threads = args.threads or "1,2"

    if args.child:
        args.threads = int(args.threads)
        if args.profile:
            child_profile(args)
            return 0
        if args.scaling:
            child_scaling(args)
            return 0
        result = child_memory(args) if args.memory else child_speed(args)
        print(json.dumps(result))
        return 0
    if args.profile:
        threads = max(int(t) for t in args.threads.split(","))
        cmd = [sys.executable, str(Path(__file__).resolve()), "--child", "--profile", "--threads", str(threads),
               "--batch", str(args.batch or 0), "--steps", str(args.steps or 0), "--reps", str(args.reps),
               "--allocator", "default" if args.allocator == "default" else "tuned", "--nets", args.nets]
        return subprocess.run(cmd, env=child_env(threads, args.keep_openblas_env)).returncode

    if args.scaling:
        return run_scaling_child(args)
    info = machine_info()
    torch_ok = info.get("torch") is not None and not args.no_torch
    if not torch_ok and not args.no_torch:
        print(f"PyTorch is not installed: engine numbers only. For the comparison: {TORCH_HINT}", file=sys.stderr)
    threads = [int(t) for t in args.threads.split(",")]
    allocators = ("tuned", "default") if args.allocator == "both" else (args.allocator,)
    children = []
    for n in [] if args.memory_only else threads:
        for alloc in allocators:
            print(f"running: threads {n}, allocator {alloc} ...", file=sys.stderr, flush=True)
            child = run_child(args, ["--allocator", alloc], n)
            child["kept_openblas_env"] = args.keep_openblas_env
            children.append(child)
    memory = []
    if args.memory_only or not args.no_memory:
        for n in threads:               # the engine's kernels and chunk sizes differ with the thread count
            for net in args.nets.split(","):
                for fw in ("engine", "torch") if torch_ok else ("engine",):
                    print(f"memory: {net} {fw}, threads {n} ...", file=sys.stderr, flush=True)
                    alloc = run_child(args, ["--allocator", "default", "--memory", f"{net}:{fw}:alloc"], n)
                    alloc.update(run_child(args, ["--allocator", "default", "--memory", f"{net}:{fw}:rss"], n))
                    alloc["threads"] = n
                    memory.append(alloc)
    print_tables(info, children, memory)
    if memory:
        print("Memory: each number from a fresh process per framework, net and thread count. "
              "Peak: the 4th step's peak of live allocations above what existed before the first step (weights, "
              "batch): tracemalloc for the engine (NumPy reports every array buffer to it), torch.profiler's "
              "CPU-allocator events for PyTorch. Kept between steps: still allocated after the step (engine: "
              "the conv layers' reused patch buffers; PyTorch: the gradients). ΔVmHWM: peak resident-set growth "
              "over steps 2-4 above the resident size after step 1, with glibc set to return freed blocks "
              "≥ 64 KiB to the OS — memory newly touched by a step, including what the allocator-level numbers "
              "cannot see (BLAS / oneDNN scratch), but not what is kept between steps. With the engine's worker "
              "processes (2+ threads): every process's tracemalloc peak and the shared gradient and I/O blocks "
              "added up; ΔVmHWM summed over the processes.\n")
    if not (args.no_scaling or args.memory_only) and max(threads) >= 2:
        print("running: scaling model ...", file=sys.stderr, flush=True)
        run_scaling_child(args)
    if children or memory:
        print("\n".join(goal_lines(children, memory)), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": info, "speed": children, "memory": memory,
                                               "args": vars(args)}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
