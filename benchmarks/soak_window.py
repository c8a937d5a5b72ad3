"""Soak: does one window keep its memory, threads and timers over many cycles?

Two phases in one MainWindow (headless):
  * open → edit → undo: open a design file, change fields, add and remove layers, then undo every edit;
  * train → stop (with the Train tab's public API: start_training(), stop(), is_running): start a run on the
    built-in digits, let it take a few batches, stop it, wait until it has ended.
After each phase it waits for pending single-shot timers to fire and reports the resident memory (RSS)
and what is left: QThread objects (and how many still run) and active QTimers, against the counts before.
Goals: RSS grows by less than 50 MB over both phases; no thread left running, no more thread objects
and no more active timers than before.

    QT_QPA_PLATFORM=offscreen python3 benchmarks/soak_window.py                    # 100 + 100 cycles
    python3 benchmarks/soak_window.py --edit-cycles 20 --train-cycles 0

Exit status 0 when the goals are met, 1 otherwise. tests/designer/test_soak.py runs a short version.
"""
from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QThread, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QStatusBar  # noqa: E402

GOAL_RSS_GROWTH_MB = 50.0
SETTLE_S = 10.0         # longest delay in the window (a status message's 4 s) plus a margin for a loaded machine


def rss_mb() -> float:
    """Resident memory of this process in MB (Linux /proc; elsewhere the peak from getrusage)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024 if sys.platform == "darwin" else 1024)


@dataclass
class Leftovers:
    threads: int          # QThread objects Python can reach
    running_threads: int  # … of which still running
    active_timers: int    # QTimers that are running (Python-reachable, or children of the window)


def _alive(obj) -> bool:
    try:
        obj.objectName()
        return True
    except RuntimeError:   # the C++ object is gone; only its Python wrapper remains
        return False


def leftovers(window) -> Leftovers:
    gc.collect()
    threads = [obj for obj in gc.get_objects() if isinstance(obj, QThread) and _alive(obj)]
    timers = {id(t): t for t in gc.get_objects() if isinstance(t, QTimer) and _alive(t)}
    timers.update((id(t), t) for t in window.findChildren(QTimer))
    return Leftovers(len(threads), sum(t.isRunning() for t in threads),
                     sum(t.isActive() for t in timers.values()))


def process_events_for(app: QApplication, seconds: float, until=None, poll_s: float = 0.005) -> bool:
    """Run the event loop for up to `seconds`, or until `until()` (asked every `poll_s`) is true (then True)."""
    deadline = time.monotonic() + seconds
    next_poll = 0.0
    while time.monotonic() < deadline:
        app.processEvents()
        if until is not None and time.monotonic() >= next_poll:
            if until():
                return True
            next_poll = time.monotonic() + poll_s
        time.sleep(0.005)
    return until is None


def pending_timers(window) -> int:
    """The window's timers that will fire and stop by themselves: single shots (autosave, throttled
    redraws) and the status bar's message timeout. Repeating timers (the GUI thread's garbage collector)
    never stop, so waiting for every timer to stop would always wait the whole settling time."""
    return sum(timer.isActive() and (timer.isSingleShot() or isinstance(timer.parent(), QStatusBar))
               for timer in window.findChildren(QTimer))


def settle(app: QApplication, window) -> None:
    """Let the window's pending timers fire (at most SETTLE_S)."""
    process_events_for(app, SETTLE_S, until=lambda: pending_timers(window) == 0, poll_s=0.05)


def _design_files(folder: Path) -> list[Path]:
    from designer.presets import load_preset
    from engine.spec import save_spec

    paths = []
    for key in ("lenet5", "digits_net"):
        path = folder / f"{key}.json"
        save_spec(load_preset(key), path)
        paths.append(path)
    return paths


def run_edit_cycles(app: QApplication, window, cycles: int) -> None:
    """`cycles` times: open a design file, edit it (a field, a new layer, a removal), undo every edit."""
    with tempfile.TemporaryDirectory() as folder:
        paths = _design_files(Path(folder))
        for cycle in range(cycles):
            path = paths[cycle % len(paths)]
            if not window.files.open_file(path):
                raise RuntimeError(f"could not open {path}")
            document = window.document
            document.set_field(0, "filters", 3 + cycle % 5)
            window.design_tab.select_layer(0)
            window.design_tab.add_layer("dropout")
            window.design_tab.select_layer(document.layer_count - 1)
            window.design_tab.layer_actions.remove_selected()
            document.set_input_shape((30 + cycle % 3, 30, 1))
            app.processEvents()
            while document.undo_stack.canUndo():
                document.undo_stack.undo()
            app.processEvents()
            if document.is_modified:
                raise RuntimeError("undo did not bring the design back to the file")


def run_train_cycles(app: QApplication, window, cycles: int) -> None:
    """`cycles` times: start training on the digits, wait for it to run a little, stop, wait for the end."""
    panel = window.train_tab
    window.files.load_preset("digits_net")
    if not panel.datasets.set_dataset("digits"):
        raise RuntimeError("could not choose the digits dataset")
    for _ in range(cycles):
        if not panel.start_training():
            raise RuntimeError("start_training() refused to start")
        process_events_for(app, 0.05)
        panel.stop()
        if not process_events_for(app, 60.0, until=lambda: not panel.controller.is_active):
            raise RuntimeError("a run did not end within a minute of stop()")
    process_events_for(app, 0.2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edit-cycles", type=int, default=100)
    parser.add_argument("--train-cycles", type=int, default=100)
    args = parser.parse_args(argv)

    data = tempfile.TemporaryDirectory()   # keep the autosave and settings out of the user's folders
    os.environ["XDG_DATA_HOME"] = os.environ["XDG_CONFIG_HOME"] = data.name
    app = QApplication.instance() or QApplication(["soak"])
    from designer.main_window import MainWindow

    window = MainWindow()
    window.show()
    settle(app, window)
    start_rss, start = rss_mb(), leftovers(window)
    print(f"start: RSS {start_rss:.1f} MB; {start}")
    ok = True
    for name, cycles, run in (("open → edit → undo", args.edit_cycles, run_edit_cycles),
                              ("train → stop", args.train_cycles, run_train_cycles)):
        if cycles <= 0:
            continue
        began = time.perf_counter()
        before = rss_mb()
        run(app, window, cycles)
        settle(app, window)
        after, left = rss_mb(), leftovers(window)
        print(f"{cycles} × {name}: RSS {before:.1f} → {after:.1f} MB ({after - before:+.1f} MB) in "
              f"{time.perf_counter() - began:.1f} s; {left}")
        ok &= left.running_threads == 0 and left.threads <= start.threads and left.active_timers <= start.active_timers
    growth = rss_mb() - start_rss
    ok &= growth < GOAL_RSS_GROWTH_MB
    print(f"total RSS growth {growth:+.1f} MB (goal < {GOAL_RSS_GROWTH_MB:.0f} MB): {'met' if ok else 'NOT met'}")
    window.document.undo_stack.setClean()
    window.close()
    data.cleanup()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
