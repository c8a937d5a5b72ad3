"""What more cores would give the engine's training step: ``bench_engine.py --scaling`` (and the default run).

Measured here, on this machine, per net at its training batch (in a child with the speed runs' environment):

* T1 — the step on one core, unsplit (loss_and_grads + SGD update), and in it the loss L1 and the update U;
* with 2 processes (this one and one worker), each phase of the step as the parent sees it
  (engine.parallel.WorkerPool.timeline): hand out H (copy the worker's slice of the batch and masks into its
  block, send), own forward / backward (the parent's part), wait forward / backward (for the worker's
  reply: imbalance and the hand-over latency), loss L (its part's share of the loss), add gradients A (and
gather the logits and the loss).

The model of P processes, a calculation from those figures:

    T(P) = L + U + O + Wt + A·(P−1) + H·2(P−1)/P + k·(T1 − L1 − U)/P

where T1 − L1 − U is the forward and backward of the whole batch on one core, k the slowdown of a part
running beside another (the parent's own forward + backward at 2 processes over half of that; memory
bandwidth and caches shared), O the rest of the parent's step outside those phases (checking the
input, drawing dropout masks), Wt the two waits (taken as constant), H scaled by the share of the batch
that is copied out, A by the workers' gradient blocks the parent adds up. P is capped by the split rule
(engine.parallel.pool.batch_parts: enough samples and multiply-adds per part). k is the 2-core value: on
machines whose memory bandwidth per core is lower it grows, so the model is an upper bound there.

Not a test: nothing here asserts a time.
"""
from __future__ import annotations

import statistics
import time

CORES = (2, 4, 8, 16)
PHASES = ("hand out", "own forward", "loss", "own backward", "add gradients")     # and "wait ..." phases


def _median(values):
    return statistics.median(values)


def measure(name, batch, reps: int) -> dict:
    """The figures of the model for one net (seconds)."""
    import numpy as np
    from suite import EngineRunner
    one = EngineRunner(name, batch, infer_batch=1, cores=1)
    two = EngineRunner(name, batch, infer_batch=1, cores=2)
    clock = time.perf_counter
    steps, losses, updates, timeline, two_steps, two_updates = [], [], [], [], [], []
    if two.pool is not None:
        two.pool.timeline = timeline
    for _ in range(3 + reps):
        for runner, total, upd in ((one, steps, updates), (two, two_steps, two_updates)):
            time.sleep(0.01)
            t0 = clock()
            _, grads = runner.net.loss_and_grads(runner.x, runner.y)
            t1 = clock()
            runner.opt.step(runner.net.params, grads)
            total.append(clock() - t0)
            upd.append(clock() - t1)
        logits = one.net.forward(one.x, training=True)
        t0 = clock()
        one.net.loss_from_logits(logits, one.y)
        losses.append(clock() - t0)
    parts = two.pool.parts(batch) if two.pool is not None else None
    one.close()
    two.close()
    out = {"net": name, "batch": batch, "T1": _median(steps[3:]), "L1": _median(losses[3:]),
           "U": _median(updates[3:]), "T2": _median(two_steps[3:]), "split": parts is not None}
    if parts is not None:
        out.update({phase: _median([t.get(phase, 0.0) for t in timeline[3:]]) for phase in PHASES})
        out["waits"] = _median([sum(v for k, v in t.items() if k.startswith("wait")) for t in timeline[3:]])
        out["U2"] = _median(two_updates[3:])
        out["other"] = max(0.0, out["T2"] - out["U2"] - out["waits"] - sum(out[phase] for phase in PHASES))
    del np
    return out


def model(figures: dict, cores: int, summary) -> tuple[int, float]:
    """(processes the split rule allows, modelled step time in seconds) at `cores`."""
    from engine.parallel.pool import batch_parts
    parts = batch_parts(summary, figures["batch"], cores)
    p = len(parts) if parts else 1
    if p == 1 or not figures["split"]:
        return 1, figures["T1"]
    f = figures
    work = f["T1"] - f["L1"] - f["U"]
    k = (f["own forward"] + f["own backward"]) / (work / 2)
    waits = f["waits"]
    t = f["loss"] + f["U2"] + f["other"] + waits + f["add gradients"] * (p - 1) + f["hand out"] * 2 * (p - 1) / p + k * work / p
    return p, t


def run_scaling(nets, batch_of, reps: int) -> None:
    from suite import engine_spec
    from engine import summarize
    print("## More cores: the training step's fixed costs and parallel part, and a model of 4, 8 and 16 cores\n")
    print("Milliseconds per step, medians of", reps, "steps. T1: one core; T2: two processes, measured; the "
          "phases as the parent sees them at 2 (see benchmarks/engine_scaling.py for the model).\n")
    print("| net | batch | T1 | of which loss + update | T2 (measured) | hand out | own fwd + bwd | waits | loss | "
          "add gradients | update | other | k (side by side) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    rows = []
    for name in nets:
        f = measure(name, batch_of(name), reps)
        summary = summarize(engine_spec(name))
        rows.append((name, f, summary))
        ms = lambda v: f"{v * 1e3:.2f}"        # noqa: E731
        if not f["split"]:
            print(f"| {name} | {f['batch']} | {ms(f['T1'])} | {ms(f['L1'] + f['U'])} | not split | | | | | | | | |")
            continue
        work = f["T1"] - f["L1"] - f["U"]
        k = (f["own forward"] + f["own backward"]) / (work / 2)
        print(f"| {name} | {f['batch']} | {ms(f['T1'])} | {ms(f['L1'] + f['U'])} | {ms(f['T2'])} | "
              f"{ms(f['hand out'])} | {ms(f['own forward'] + f['own backward'])} | "
              f"{ms(f['waits'])} | {ms(f['loss'])} | {ms(f['add gradients'])} | "
              f"{ms(f['U2'])} | {ms(f['other'])} | {k:.2f} |")
    print("\n| net | measured speed-up at 2 | model at 2 | " + " | ".join(f"model at {c} (processes)" for c in CORES[1:])
          + " |")
    print("|---|---:|---:|" + "---:|" * (len(CORES) - 1))
    geo = {c: [] for c in CORES}
    for name, f, summary in rows:
        cells = []
        for c in CORES:
            p, t = model(f, c, summary)
            geo[c].append(f["T1"] / t)
            cells.append(f"{f['T1'] / t:.2f}" + ("" if c == 2 else f" ({p})"))
        print(f"| {name} | {f['T1'] / f['T2']:.2f} | " + " | ".join(cells) + " |")
    print("| geometric mean | {:.2f} | ".format(statistics.geometric_mean([f["T1"] / f["T2"] for _, f, _ in rows]))
          + " | ".join(f"{statistics.geometric_mean(geo[c]):.2f}" for c in CORES) + " |")
    print()
