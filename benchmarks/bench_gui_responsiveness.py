"""Does the window stay responsive while the Train tab trains?

Runs a real training through TrainTab (its worker thread, its throttled signals, its plots) while a
10 ms QTimer on the GUI thread records the gaps between its ticks. A frozen event loop shows up as long
gaps. Goals: p99 gap < 50 ms and no gap > 150 ms.

    QT_QPA_PLATFORM=offscreen python3 benchmarks/bench_gui_responsiveness.py            # LeNet-5 / shapes
    python3 benchmarks/bench_gui_responsiveness.py --design digits                       # the digits net
    python3 benchmarks/bench_gui_responsiveness.py --headless                            # + engine-only time
    python3 benchmarks/bench_gui_responsiveness.py --cores 1                             # no worker processes

The run uses the engine's cores as the window does (default: all physical cores, CNN_DESIGNER_THREADS, or
--cores): a big enough batch is split across worker processes; the report says how many were used.

Prints the gap percentiles, how often the progress bar and the plots were updated, and the run time.
Exit status 0 when the goals are met, 1 otherwise.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from PySide6.QtCore import QEventLoop, Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from engine import NetworkSpec, load_spec  # noqa: E402
from engine.train import TrainSettings  # noqa: E402

GOAL_P99_MS = 50.0
GOAL_MAX_MS = 150.0
TICK_MS = 10


def design(name: str) -> tuple[NetworkSpec, str]:
    """(spec, dataset) for a named benchmark design."""
    if name == "lenet5-4":
        doc = json.loads((ROOT / "resources" / "presets" / "lenet5.json").read_text())
        doc["layers"][-1]["units"] = 4
        doc["name"] = "LeNet-5 (4 classes)"
        return NetworkSpec.from_dict(doc), "shapes"
    if name == "digits":
        return load_spec(ROOT / "resources" / "presets" / "digits_net.json"), "digits"
    raise SystemExit(f"unknown design {name!r} (lenet5-4, digits)")


def headless_seconds(spec: NetworkSpec, dataset_name: str, epochs: int, batch_size: int) -> float:
    """The same training without any window, in this process (single-threaded BLAS, as the worker)."""
    from engine import Network, Trainer, load_dataset
    from engine.optim import make_optimizer
    from designer.training.worker import _blas_limit

    dataset = load_dataset(dataset_name)
    with _blas_limit(1):
        net = Network.from_spec(spec, seed=0)
        started = time.perf_counter()
        defaults = TrainSettings()
        Trainer(net, make_optimizer(defaults.optimizer, defaults.lr), batch_size=batch_size,
                seed=defaults.seed).fit(dataset, epochs=epochs)
        net.evaluate(dataset.x_test, dataset.y_test)
        return time.perf_counter() - started


def _count_worker_pools(parallel) -> list[int]:
    """The worker-process counts of the pools the run starts (engine.parallel.workers_for's WorkerPool)."""
    started: list[int] = []
    real = parallel.WorkerPool

    class Counted(real):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            started.append(len(self.pids))
    parallel.WorkerPool = Counted
    return started


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--design", default="lenet5-4", choices=("lenet5-4", "digits"))
    parser.add_argument("--epochs", type=int, default=None, help="default: 20 (lenet5-4) or 200 (digits), ~10 s here")
    parser.add_argument("--batch-size", type=int, default=TrainSettings().batch_size)
    parser.add_argument("--headless", action="store_true", help="also time the same training without the GUI")
    parser.add_argument("--screenshot", metavar="PNG", help="save the panel after the run")
    parser.add_argument("--cores", type=int, default=None,
                        help="the engine's core count for the run (default: the window's, all physical cores)")
    args = parser.parse_args(argv)
    epochs = args.epochs or (20 if args.design == "lenet5-4" else 200)

    app = QApplication.instance() or QApplication(["bench"])
    from designer.app import garbage_collected_on_gui_thread
    from designer.document import DesignDocument
    from designer.training import TrainTab

    from engine import parallel, runtime
    spec, dataset_name = design(args.design)
    pools = _count_worker_pools(parallel)
    # Headless first: whichever runs first in the process pays the warm-up (BLAS, page faults).
    alone = headless_seconds(spec, dataset_name, epochs, args.batch_size) if args.headless else None
    document = DesignDocument(spec)
    panel = TrainTab(document)
    panel.resize(1200, 750)
    panel.show()
    if args.cores is not None:
        runtime.set_num_threads(args.cores)
    if not panel.datasets.set_dataset(dataset_name):
        raise SystemExit(panel.dataset_box.dataset_info.text())
    panel.hyper_box.epochs_spin.setValue(epochs)
    panel.hyper_box.batch_spin.setValue(args.batch_size)
    app.processEvents()

    ticks: list[float] = []
    progress_updates = [0]
    panel.run_controls.progress.valueChanged.connect(
        lambda _: progress_updates.__setitem__(0, progress_updates[0] + 1))
    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.setInterval(TICK_MS)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))

    loop = QEventLoop()
    results = []
    panel.training_finished.connect(lambda result: (results.append(result), loop.quit()))
    redraws_before = panel.plots_pane.plots.redraw_count
    # As in the application (designer.app.run): garbage cycles are collected on the GUI thread only.
    with garbage_collected_on_gui_thread():
        timer.start()
        started = time.perf_counter()
        if not panel.start_training():
            raise SystemExit("can't train: " + panel.dataset_box.fit_label.text())
        loop.exec()
        seconds = time.perf_counter() - started
        timer.stop()
    result = results[0]
    if args.screenshot:
        app.processEvents()
        panel.grab().save(args.screenshot)
    panel.shutdown()

    gaps = np.diff(np.asarray(ticks)) * 1000.0
    p50, p90, p99 = np.percentile(gaps, [50, 90, 99])
    worst = float(gaps.max())
    iterations = len(result.history.batch_loss)
    print(f"design        {spec.name} on {dataset_name}, {epochs} epochs, batch {args.batch_size}: "
          f"{iterations:,} iterations, {result.status}, test accuracy {100 * result.test_accuracy:.1f} %")
    print(f"run time      {seconds:.2f} s through the panel")
    print(f"engine        {runtime.get_num_threads()} core(s): "
          + (f"batches split across {pools[0]} worker process(es) beside the training thread" if pools
             else "one process (the batch too small to split, one core, or "
                  f"{parallel.fallback_reason() or 'no workers needed'})"))
    if alone is not None:
        print(f"              {alone:.2f} s headless (engine only): the GUI adds {100 * (seconds / alone - 1):+.0f} %")
    print(f"timer gaps    {len(gaps):,} ticks of {TICK_MS} ms: p50 {p50:.1f} ms, p90 {p90:.1f} ms, p99 {p99:.1f} ms, "
          f"max {worst:.1f} ms; {int(np.sum(gaps > GOAL_P99_MS))} gaps > {GOAL_P99_MS:.0f} ms, "
          f"{int(np.sum(gaps > GOAL_MAX_MS))} > {GOAL_MAX_MS:.0f} ms")
    print(f"updates       progress bar {progress_updates[0] / seconds:.1f}/s, plot redraws "
          f"{(panel.plots_pane.plots.redraw_count - redraws_before) / seconds:.1f}/s "
          f"({iterations / seconds:.0f} batches/s)")
    ok = p99 < GOAL_P99_MS and worst <= GOAL_MAX_MS
    print(f"goal          p99 < {GOAL_P99_MS:.0f} ms and max ≤ {GOAL_MAX_MS:.0f} ms: {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
