"""Where the engine's training step spends its time: ``bench_engine.py --profile`` (a child process with
the speed runs' environment).

* :func:`run_profile` — one thread, unsplit batch: per layer, forward and backward time and the GFLOP/s
  they reach against the machine's measured GEMM peak (a large float32 ``np.matmul``).
* :func:`run_parts_profile` — with 2+ threads, for a net whose batch the engine splits: per layer, the
  time of the parts run one after another (each as a part, with the same kernels and chunk sizes) and
  side by side (engine.runtime.run_parallel), summed over the parts. Side by side each NumPy call hands
  the GIL over twice and may wait for the other thread to be woken, so a part's layer runs slower than
  alone; the ratio shows by how much, layer by layer, and the wall-clock step shows what is left of the
  ideal ×N.

Not a test: nothing here asserts a time.
"""
from __future__ import annotations

import statistics
import time

from engine.layers import iter_layers


def gemm_peak_gflops(n: int = 2048) -> float:
    """The machine's measured GEMM peak: a large float32 np.matmul (n×n by n×n), best of 5, in GFLOP/s,
    with the BLAS threads the caller set (the profile: one)."""
    import numpy as np
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    out = np.empty((n, n), np.float32)
    np.matmul(a, b, out=out)
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        np.matmul(a, b, out=out)
        best = min(best, time.perf_counter() - t0)
    return 2.0 * n ** 3 / best / 1e9


def _median_ms(values, skip: int) -> float:
    return statistics.median(values[skip:]) * 1e3


def run_profile(runners: dict, reps: int) -> None:
    """Per-layer table for each EngineRunner in ``runners`` (name → runner), one thread, unsplit."""
    from engine import runtime
    with runtime.single_threaded_blas():
        peak = gemm_peak_gflops()
    print(f"Engine profile: float32, the suite's training batch per net, BLAS threads 1, one engine "
          f"thread (unsplit batch); per layer, median of {reps} steps; OpenBLAS kernel "
          f"{', '.join(sorted({lib['corename'] for lib in runtime.blas_info()})) or 'unknown'}.\n"
          f"GEMM peak of this machine: {peak:.1f} GFLOP/s (2048² float32 np.matmul, best of 5). GFLOP/s of a "
          "layer = its multiply-adds × 2 / time: forward Z = patches·W; backward dW (+ dA except the first "
          "layer), i.e. 2× (1×) the forward's FLOPs. % peak = that rate against the GEMM peak.\n")
    clock = time.perf_counter
    for name, runner in runners.items():
        net, batch = runner.net, len(runner.x)
        rows = net.summary.rows[1:]                       # every layer, blocks' inner layers included
        layers = {layer.name: layer for layer in iter_layers(net.layers)}
        macs = {row.name: (row.macs or 0) * batch for row in rows}
        spent = _instrument(layers.values())
        fwd = {row.name: [] for row in rows}
        bwd = {row.name: [] for row in rows}
        loss_t, opt_t, total = [], [], []
        with runtime.single_threaded_blas():      # as the engine runs its kernels
            for _ in range(3 + reps):
                spent.clear()
                t_start = clock()
                a = net._check_input(runner.x)
                for layer in net.layers:
                    a = layer.forward(a, True)
                t = clock()
                _, dout = net.loss_from_logits(a, runner.y)
                loss_t.append(clock() - t)
                grads = {}
                for position in range(len(net.layers) - 1, -1, -1):
                    dout = net.layers[position].backward(dout, grads, need_input_grad=position > 0)
                t = clock()
                runner.opt.step(net.params, grads)
                opt_t.append(clock() - t)
                total.append(clock() - t_start)
                for row in rows:      # a block's own time: its join (add or concat) and activation
                    inner = layers[row.name].sublayers()
                    for way, times in (("F", fwd), ("B", bwd)):
                        times[row.name].append(spent.get((row.name, way), 0.0)
                                               - sum(spent.get((child.name, way), 0.0) for child in inner))

        step = _median_ms(total, 3)
        print(f"### {name} (batch {batch}): {step:.2f} ms per training step "
              f"({batch / step * 1e3:,.0f} samples/s unsplit)\n")
        print("A block's row is its own time (the add or concatenation, and its activation); its inner "
              "layers follow it, indented.\n")
        print("| layer | kind | forward ms | GFLOP/s | % peak | backward ms | GFLOP/s | % peak | % of step |")
        print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
        first = rows[0].name
        for row in rows:
            n = row.name
            f, b = _median_ms(fwd[n], 3), _median_ms(bwd[n], 3)
            flops_f = 0.0 if row.is_block else 2.0 * macs.get(n, 0)
            flops_b = flops_f * (1 if n == first else 2)
            cells = []
            for flops, ms in ((flops_f, f), (flops_b, b)):
                if flops and ms > 0:
                    rate = flops / ms / 1e6
                    cells.append(f"{ms:.3f} | {rate:.1f} | {100 * rate / peak:.0f}")
                else:
                    cells.append(f"{ms:.3f} | | ")
            label = "\u00a0\u00a0" * row.depth + n + (" (join)" if row.is_block else "")
            kind = type(layers[n]).__name__
            print(f"| {label} | {kind} | {cells[0]} | {cells[1]} | {100 * (f + b) / step:.1f} |")
        loss, update = _median_ms(loss_t, 3), _median_ms(opt_t, 3)
        print(f"| loss | softmax cross-entropy | {loss:.3f} | | | | | | {100 * loss / step:.1f} |")
        print(f"| update | SGD | | | | {update:.3f} | | | {100 * update / step:.1f} |")
        by_kind: dict = {}
        for row in rows:
            key = type(layers[row.name]).__name__ + (" (join)" if row.is_block else "")
            by_kind[key] = by_kind.get(key, 0.0) + _median_ms(fwd[row.name], 3) + _median_ms(bwd[row.name], 3)
        shares = ", ".join(f"{k} {100 * v / step:.1f} %" for k, v in sorted(by_kind.items(), key=lambda kv: -kv[1]))
        print(f"\nBy kind: {shares}.")
        total_flops = sum(2.0 * macs.get(row.name, 0) * (2 if row.name == first else 3)
                          for row in rows if not row.is_block)
        rate = total_flops / step / 1e6
        print(f"\nWhole step: {rate:.1f} GFLOP/s = {100 * rate / peak:.0f} % of the GEMM peak.\n")


def _instrument(layers) -> dict:
    """Wrap each layer's forward and backward so that each call adds its time to the returned dict
    ((layer name, "F" or "B") → seconds; a block's time includes its inner layers')."""
    clock = time.perf_counter
    spent: dict = {}

    def wrap(layer):
        forward, backward = layer.forward, layer.backward

        def timed_forward(x, training=False):
            t = clock()
            out = forward(x, training)
            spent[(layer.name, "F")] = spent.get((layer.name, "F"), 0.0) + clock() - t
            return out

        def timed_backward(dout, grads, need_input_grad=True):
            t = clock()
            out = backward(dout, grads, need_input_grad)
            spent[(layer.name, "B")] = spent.get((layer.name, "B"), 0.0) + clock() - t
            return out

        layer.forward, layer.backward = timed_forward, timed_backward

    for layer in layers:
        wrap(layer)
    return spent


def _timed_stack(layers, times: dict):
    """Callables running a part's layer stack forward / backward, adding each layer's time to ``times``
    ((layer name, "F" or "B") → seconds)."""
    clock = time.perf_counter

    def forward(a):
        for layer in layers:
            t = clock()
            a = layer.forward(a, True)
            times[(layer.name, "F")] = times.get((layer.name, "F"), 0.0) + clock() - t
        return a

    def backward(dout, grads):
        for position in range(len(layers) - 1, -1, -1):
            t = clock()
            dout = layers[position].backward(dout, grads, need_input_grad=position > 0)
            key = (layers[position].name, "B")
            times[key] = times.get(key, 0.0) + clock() - t

    return forward, backward


def run_parts_profile(runners: dict, reps: int, threads: int) -> None:
    """Per-layer time of the batch parts one by one and side by side, for each runner whose batch splits."""
    from engine import runtime
    runtime.set_num_threads(threads)
    print(f"## Batch parts side by side ({threads} threads)\n\n"
          "Per layer: the time of the parts' forward and backward summed over the parts, run one after "
          "another (each as a part: same kernels and chunk sizes) and side by side; medians of "
          f"{reps} steps each, the two ways interleaved. 'Side by side / one by one' above 1 is the "
          "slow-down of a layer's NumPy calls when the parts run at once; the step's speed-up from "
          f"running the parts side by side would be {threads}× with none.\n")
    clock = time.perf_counter
    for name, runner in runners.items():
        net, batch = runner.net, len(runner.x)
        parts = net._parts(batch)
        if parts is None:
            print(f"### {name} (batch {batch}): not split at this batch (too little work per part); "
                  "it runs on one thread.\n")
            continue
        x = net._check_input(runner.x)
        stacks = net._layer_stacks(len(parts))
        totals = {"one by one": [], "side by side": []}
        layer_times = {"one by one": [], "side by side": []}
        for rep in range(2 + reps):
            for way in (("one by one", "side by side") if rep % 2 else ("side by side", "one by one")):
                run = runtime.run_one_by_one if way == "one by one" else runtime.run_parallel
                times: dict = {}
                timed = [_timed_stack(layers, times) for layers in stacks]
                t0 = clock()
                logits = run([(lambda f=f, s=s, e=e: f(x[s:e])) for (f, _), (s, e) in zip(timed, parts)])
                _, dout = net.loss_from_logits(_concat(logits), runner.y)
                run([(lambda b=b, s=s, e=e: b(dout[s:e], {})) for (_, b), (s, e) in zip(timed, parts)])
                totals[way].append(clock() - t0)
                layer_times[way].append(times)
        one, side = _median_ms(totals["one by one"], 2), _median_ms(totals["side by side"], 2)
        print(f"### {name} (batch {batch}, parts {', '.join(str(e - s) for s, e in parts)}): step "
              f"{one:.2f} ms one by one, {side:.2f} ms side by side: {one / side:.2f}× "
              f"(of {len(parts)}×)\n")
        print("| layer | pass | one by one ms | side by side ms | side by side / one by one |")
        print("|---|---|---:|---:|---:|")
        for layer in net.layers:
            for direction, label in (("F", "forward"), ("B", "backward")):
                key = (layer.name, direction)
                a = _median_ms([t.get(key, 0.0) for t in layer_times["one by one"]], 2)
                b = _median_ms([t.get(key, 0.0) for t in layer_times["side by side"]], 2)
                if a > 0.005:
                    print(f"| {layer.name} | {label} | {a:.3f} | {b:.3f} | {b / a:.2f} |")
        print()


def _concat(arrays):
    import numpy as np
    return np.concatenate(arrays)
