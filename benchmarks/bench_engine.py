"""Training and inference speed of the NumPy engine beside PyTorch CPU, plus peak memory of a step.

    python3 benchmarks/bench_engine.py                      # full run: threads 1 and 2, allocator both ways
    python3 benchmarks/bench_engine.py --quick              # a faster look (threads 2, tuned allocator)
    python3 benchmarks/bench_engine.py --threads 2 --nets lenet5 --allocator tuned
    python3 benchmarks/bench_engine.py --profile --nets lenet5   # where the engine's time goes, per layer

What is measured. Nets (batch 64, float32, plain SGD lr 0.01, random data with the net's input shape):
  lenet5  resources/presets/lenet5.json: 32×32×3, conv 5×5×8 relu, maxpool 2/2, conv 5×5×16 relu,
          maxpool 2/2, FC120 relu, FC84 relu, softmax 10
  mnist   28×28×1, conv 5×5×6 relu, maxpool 2/2, conv 5×5×16 relu, maxpool 2/2, FC120, FC84, softmax 10
  digits  resources/presets/digits_net.json: 8×8×1, conv 3×3×16 same, pool, conv 3×3×32 same, pool, FC64, 10
The PyTorch model is the same architecture (nn.Conv2d / MaxPool2d / Linear, NCHW, its default CPU kernels);
each side gets its batch in its own layout, made before timing. A training step is forward + loss +
backward + SGD update (engine: loss_and_grads + SGD.step; torch: zero_grad, cross_entropy, backward,
SGD.step); inference is a forward pass (torch under inference_mode).

How. Every (threads, allocator) configuration runs in its own child process, with OPENBLAS_NUM_THREADS,
OMP_NUM_THREADS, MKL_NUM_THREADS and CNN_DESIGNER_THREADS set to the thread count and
torch.set_num_threads / engine.runtime.set_num_threads called with it. (The engine uses its N threads by
splitting a big enough batch into N parts run side by side, each with one BLAS thread; a batch too small
to pay for that runs whole on one thread — so for the small nets "2 threads" may use only one.) Inside a child the engine and torch
measurements are interleaved: each repetition visits every (net, mode, framework) in a shuffled order;
before each measurement it sleeps --settle seconds and runs 3 untimed steps, then times --steps steps.
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
each framework and net in a fresh process, with the largest thread count:
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

NETS = ("lenet5", "mnist", "digits")
MODES = ("train", "infer")
TORCH_HINT = "pip install torch==2.13.0"
OPENBLAS_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


# --------------------------------------------------------------------------------------------------
# Networks
# --------------------------------------------------------------------------------------------------

def engine_spec(name: str):
    from engine import load_spec
    from engine.spec import ConvSpec, DenseSpec, InputSpec, NetworkSpec, PoolSpec
    if name == "lenet5":
        return load_spec(ROOT / "resources" / "presets" / "lenet5.json")
    if name == "digits":
        return load_spec(ROOT / "resources" / "presets" / "digits_net.json")
    if name == "mnist":
        return NetworkSpec(InputSpec((28, 28, 1)), [
            ConvSpec(6, 5, activation="relu"), PoolSpec("max", 2, 2),
            ConvSpec(16, 5, activation="relu"), PoolSpec("max", 2, 2),
            DenseSpec(120, "relu"), DenseSpec(84, "relu"), DenseSpec(10, "softmax")], "MNIST LeNet")
    raise SystemExit(f"unknown net {name!r}; known: {', '.join(NETS)}")


def torch_model(spec):
    """The same architecture in torch.nn (NCHW). The last dense layer emits logits, as in the engine."""
    import torch.nn as nn
    from engine import summarize
    acts = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "leaky_relu": lambda: nn.LeakyReLU(0.01)}
    summary = summarize(spec)
    modules, channels, flat = [], spec.input.shape[2], False
    for index, (layer, row) in enumerate(zip(spec.layers, summary.rows[1:])):
        last = index == len(spec.layers) - 1
        if layer.type == "conv":
            modules.append(nn.Conv2d(channels, layer.filters, layer.size, layer.stride, row.padding))
            channels = layer.filters
        elif layer.type == "pool":
            modules.append((nn.MaxPool2d if layer.mode == "max" else nn.AvgPool2d)(layer.size, layer.stride))
        elif layer.type in ("dense", "flatten"):
            if not flat:
                modules.append(nn.Flatten())
                flat = True
                # NCHW flattening order differs from NHWC: irrelevant for speed, the sizes are equal.
            if layer.type == "flatten":
                continue
            n_in = int(_prod(summary.rows[index].output_shape))
            modules.append(nn.Linear(n_in, layer.units))
        elif layer.type == "dropout":
            modules.append(nn.Dropout(layer.rate))
            continue
        if layer.type in ("conv", "dense") and not last and layer.activation in acts:
            modules.append(acts[layer.activation]())
    return nn.Sequential(*modules)


def _prod(shape):
    out = 1
    for v in shape:
        out *= v
    return out


# --------------------------------------------------------------------------------------------------
# Runners: one object per (framework, net) with step() and infer()
# --------------------------------------------------------------------------------------------------

class EngineRunner:
    framework = "engine"

    def __init__(self, name, batch, seed=0):
        import numpy as np
        from engine import SGD, Network
        spec = engine_spec(name)
        self.net = Network.from_spec(spec, seed=seed, dtype=np.float32)
        rng = np.random.default_rng(seed)
        self.x = rng.standard_normal((batch, *spec.input.shape)).astype(np.float32)
        self.y = rng.integers(0, self.net.num_classes, batch)
        self.opt = SGD(0.01)

    def step(self):
        loss, grads = self.net.loss_and_grads(self.x, self.y)
        self.opt.step(self.net.params, grads)
        return loss

    def infer(self):
        return self.net.forward(self.x)


class TorchRunner:
    framework = "torch"

    def __init__(self, name, batch, seed=0):
        import torch
        torch.manual_seed(seed)
        spec = engine_spec(name)
        self.torch = torch
        self.model = torch_model(spec)
        n_H, n_W, n_C = spec.input.shape
        self.x = torch.randn(batch, n_C, n_H, n_W)
        self.y = torch.randint(0, spec.layers[-1].units, (batch,))
        self.opt = torch.optim.SGD(self.model.parameters(), lr=0.01)
        self.loss_fn = torch.nn.CrossEntropyLoss()

    def step(self):
        self.opt.zero_grad(set_to_none=True)
        loss = self.loss_fn(self.model(self.x), self.y)
        loss.backward()
        self.opt.step()
        return loss

    def infer(self):
        with self.torch.inference_mode():
            return self.model(self.x)


def have_torch() -> bool:
    try:
        import torch  # noqa: F401
        return True
    except ImportError:
        return False


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
    runners = {}
    for name in nets:
        runners[(name, "engine")] = EngineRunner(name, args.batch)
        if torch_ok:
            runners[(name, "torch")] = TorchRunner(name, args.batch)
    frameworks = ("engine", "torch") if torch_ok else ("engine",)
    jobs = [(name, mode, fw) for name in nets for mode in MODES for fw in frameworks]

    def call(job):
        runner = runners[(job[0], job[2])]
        return runner.step if job[1] == "train" else runner.infer

    for job in jobs:                       # warm-up: caches, thread pools, lazily built state
        fn = call(job)
        for _ in range(5):
            fn()
    samples = {job: [] for job in jobs}
    rng = random.Random(1)
    for _ in range(args.reps):
        order = list(jobs)
        rng.shuffle(order)
        for job in order:
            fn = call(job)
            time.sleep(args.settle)
            for _ in range(3):
                fn()
            t0 = time.perf_counter()
            for _ in range(args.steps):
                fn()
            elapsed = time.perf_counter() - t0
            samples[job].append(args.batch * args.steps / elapsed)
    return {"threads": args.threads, "allocator": args.allocator, "allocator_applied": tuned,
            "torch": torch_ok, "blas": blas_report(),
            "results": [{"net": j[0], "mode": j[1], "framework": j[2], "samples_per_s": v} for j, v in samples.items()]}


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
# Child: memory of one training step
# --------------------------------------------------------------------------------------------------

def _status_kib(field: str) -> int | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _reset_hwm() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:
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
    runner = TorchRunner(name, args.batch) if fw == "torch" else EngineRunner(name, args.batch)
    out = {"net": name, "framework": fw}
    if method == "rss":
        # Process level: peak resident-set growth over 3 steps after one warm-up step.
        runner.step()
        time.sleep(0.1)
        rss0 = _status_kib("VmRSS")
        if small and _reset_hwm() and rss0 is not None:
            for _ in range(3):
                runner.step()
            hwm = _status_kib("VmHWM")
            if hwm is not None:
                out["hwm_growth_bytes"] = (hwm - rss0) * 1024
        return out
    if fw == "engine":
        # Allocator level: everything NumPy allocates (tracemalloc sees every array buffer) from before
        # the first step on; the peak of the 4th step above that. Between steps the engine keeps
        # nothing but the weights (layers drop their caches in backward), so this is one step's peak.
        import tracemalloc
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        for _ in range(3):
            runner.step()
        tracemalloc.reset_peak()
        runner.step()
        current, peak = tracemalloc.get_traced_memory()
        out["alloc_peak_bytes"] = peak - base
        out["kept_bytes"] = current - base          # still allocated after the step (reused next step)
        out["alloc_method"] = "tracemalloc"
        tracemalloc.stop()
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


# --------------------------------------------------------------------------------------------------
# Profile: where the engine's time goes
# --------------------------------------------------------------------------------------------------

def run_profile(args) -> None:
    from engine import runtime
    if args.allocator != "default":
        runtime.tune_allocator()
    threads = int(args.threads.split(",")[0])
    _limit_blas(threads)
    print(f"Engine profile: batch {args.batch}, float32, one thread per kernel call (BLAS threads {threads}); "
          f"per layer, median of {args.steps * args.reps} steps.\n"
          "Measured on the unsplit path: with several engine threads the batch parts run these same layers "
          "side by side.\n")
    for name in args.nets.split(","):
        runner = EngineRunner(name, args.batch)
        net = runner.net
        names = [layer.name for layer in net.layers]
        kinds = [type(layer).__name__ for layer in net.layers]
        fwd = {n: [] for n in names}
        bwd = {n: [] for n in names}
        loss_t, opt_t, total = [], [], []
        clock = time.perf_counter
        for it in range(5 + args.steps * args.reps):
            t_start = clock()
            a = net._check_input(runner.x)
            for layer in net.layers:
                t = clock()
                a = layer.forward(a, True)
                fwd[layer.name].append(clock() - t)
            t = clock()
            _, dout = net.loss_from_logits(a, runner.y)
            loss_t.append(clock() - t)
            grads = {}
            for position in range(len(net.layers) - 1, -1, -1):
                layer = net.layers[position]
                t = clock()
                dout = layer.backward(dout, grads, need_input_grad=position > 0)
                bwd[layer.name].append(clock() - t)
            t = clock()
            runner.opt.step(net.params, grads)
            opt_t.append(clock() - t)
            total.append(clock() - t_start)

        def med(v):
            return statistics.median(v[5:]) * 1e3

        step = med(total)
        print(f"### {name}: {step:.2f} ms per training step ({args.batch / step * 1e3:,.0f} samples/s unsplit)\n")
        print("| layer | kind | forward ms | backward ms | % of step |")
        print("|---|---|---:|---:|---:|")
        for n, k in zip(names, kinds):
            f, b = med(fwd[n]), med(bwd[n])
            print(f"| {n} | {k} | {f:.3f} | {b:.3f} | {100 * (f + b) / step:.1f} |")
        print(f"| loss | softmax cross-entropy | {med(loss_t):.3f} | | {100 * med(loss_t) / step:.1f} |")
        print(f"| update | SGD | | {med(opt_t):.3f} | {100 * med(opt_t) / step:.1f} |")
        print()


def _limit_blas(n: int) -> None:
    try:
        from threadpoolctl import threadpool_limits
        threadpool_limits(n)
    except ImportError:
        pass


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
           "--batch", str(args.batch), "--steps", str(args.steps), "--reps", str(args.reps),
           "--settle", str(args.settle), "--nets", args.nets] + extra
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
    head = "| net | mode | threads | allocator | engine |"
    rule = "|---|---|---:|---|---:|"
    if torch_ok:
        head += " PyTorch | engine / PyTorch |"
        rule += "---:|---:|"
    print(head)
    print(rule)
    rows = []
    for child in children:
        by = {(r["net"], r["mode"], r["framework"]): r["samples_per_s"] for r in child["results"]}
        nets = sorted({r["net"] for r in child["results"]}, key=lambda n: NETS.index(n) if n in NETS else 99)
        for net in nets:
            for mode in MODES:
                eng = by.get((net, mode, "engine"))
                line = f"| {net} | {'training step' if mode == 'train' else 'inference'} | {child['threads']} | " \
                       f"{child['allocator']} | {fmt_rate(eng)} |"
                if torch_ok:
                    tor = by.get((net, mode, "torch"))
                    ratios = [e / t for e, t in zip(eng, tor)]
                    spread = f"({min(ratios):.2f}–{max(ratios):.2f})"
                    line += f" {fmt_rate(tor)} | {statistics.median(ratios):.2f} {spread} |"
                rows.append((net, mode, child["threads"], child["allocator"], line))
    def order(row):
        return NETS.index(row[0]) if row[0] in NETS else 99, MODES.index(row[1]), row[2], row[3]
    for *_, line in sorted(rows, key=order):
        print(line)
    print()
    if memory:
        print("## Peak memory of one training step (batch and weights excluded)\n")
        print("| net | engine: peak (tracemalloc) | of which kept between steps | PyTorch: peak (profiler) "
              "| of which kept between steps | engine: ΔVmHWM | PyTorch: ΔVmHWM |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for net in dict.fromkeys(m["net"] for m in memory):
            e = next((m for m in memory if m["net"] == net and m["framework"] == "engine"), {})
            t = next((m for m in memory if m["net"] == net and m["framework"] == "torch"), {})

            def mib(d, key):
                return f"{d[key] / 2**20:.1f} MiB" if key in d else "—"
            print(f"| {net} | {mib(e, 'alloc_peak_bytes')} | {mib(e, 'kept_bytes')} | {mib(t, 'alloc_peak_bytes')} | "
                  f"{mib(t, 'kept_bytes')} | {mib(e, 'hwm_growth_bytes')} | {mib(t, 'hwm_growth_bytes')} |")
        print()


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--threads", default=None, help="comma-separated thread counts (default 1,2; --quick: 2)")
    p.add_argument("--nets", default=",".join(NETS), help="comma-separated: " + ", ".join(NETS))
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--reps", type=int, default=None, help="repetitions, median reported (default 7; --quick 5)")
    p.add_argument("--steps", type=int, default=None, help="timed steps per repetition (default 25; --quick 10)")
    p.add_argument("--settle", type=float, default=0.03, help="seconds to sleep before each measurement")
    p.add_argument("--allocator", choices=("tuned", "default", "both"), default=None,
                   help="glibc allocator setting (default both; --quick tuned)")
    p.add_argument("--quick", action="store_true", help="fewer steps, threads 2, tuned allocator only, no memory")
    p.add_argument("--profile", action="store_true", help="per-layer forward/backward times of the engine")
    p.add_argument("--no-torch", action="store_true", help="engine numbers only")
    p.add_argument("--no-memory", action="store_true", help="skip the peak-memory measurement")
    p.add_argument("--keep-openblas-env", action="store_true",
                   help="keep OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE in the children (default: unset both)")
    p.add_argument("--json", metavar="PATH", help="also write the raw numbers here")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--memory", default=None, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    args.reps = args.reps or (5 if args.quick else 7)
    args.steps = args.steps or (10 if args.quick else 25)
    args.allocator = args.allocator or ("tuned" if args.quick else "both")
    args.threads = args.threads or ("2" if args.quick else "1,2")

    if args.child:
        args.threads = int(args.threads)
        result = child_memory(args) if args.memory else child_speed(args)
        print(json.dumps(result))
        return 0
    if args.profile:
        run_profile(args)
        return 0

    info = machine_info()
    torch_ok = info.get("torch") is not None and not args.no_torch
    if not torch_ok and not args.no_torch:
        print(f"PyTorch is not installed: engine numbers only. For the comparison: {TORCH_HINT}", file=sys.stderr)
    threads = [int(t) for t in args.threads.split(",")]
    allocators = ("tuned", "default") if args.allocator == "both" else (args.allocator,)
    children = []
    for n in threads:
        for alloc in allocators:
            print(f"running: threads {n}, allocator {alloc} ...", file=sys.stderr, flush=True)
            child = run_child(args, ["--allocator", alloc], n)
            child["kept_openblas_env"] = args.keep_openblas_env
            children.append(child)
    memory = []
    if not args.quick and not args.no_memory:
        n = max(threads)
        for net in args.nets.split(","):
            for fw in ("engine", "torch") if torch_ok else ("engine",):
                print(f"memory: {net} {fw} ...", file=sys.stderr, flush=True)
                alloc = run_child(args, ["--allocator", "default", "--memory", f"{net}:{fw}:alloc"], n)
                alloc.update(run_child(args, ["--allocator", "default", "--memory", f"{net}:{fw}:rss"], n))
                memory.append(alloc)
    print_tables(info, children, memory)
    if memory:
        print(f"Memory: {max(threads)} thread(s); each number from a fresh process per framework and net. "
              "Peak: the 4th step's peak of live allocations above what existed before the first step (weights, "
              "batch): tracemalloc for the engine (NumPy reports every array buffer to it), torch.profiler's "
              "CPU-allocator events for PyTorch. Kept between steps: still allocated after the step (engine: "
              "the conv layers' reused patch buffers; PyTorch: the gradients). ΔVmHWM: peak resident-set growth "
              "over steps 2-4 above the resident size after step 1, with glibc set to return freed blocks "
              "≥ 64 KiB to the OS — memory newly touched by a step, including what the allocator-level numbers "
              "cannot see (BLAS / oneDNN scratch), but not what is kept between steps.\n")
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": info, "speed": children, "memory": memory,
                                               "args": vars(args)}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
