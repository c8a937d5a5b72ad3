"""How long from an edit to the layer table being up to date, for a 60-layer design.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_table_update.py [--edits 200]

Three measurements, each the median and 95th percentile over the edits (goal: under one 16 ms
frame at 60 Hz):
  model   DesignDocument + ShapeTableModel alone: the edit call until the table model has taken
          the new summary (undo command, summarize, formatting every row, dataChanged).
  window  The same inside a shown MainWindow: the edit call until the table model, the layer
          list, the property editor and the status bar have all been updated.
  paint   In the window: the edit call until the event loop has repainted the views
          (processEvents after the edit), i.e. until the new numbers are on screen.
The edits cycle through field edits (filters, size, activation), input-shape edits, inserts,
removals and moves, as a person clicking around would make them.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from engine import ConvSpec, DenseSpec, DropoutSpec, FlattenSpec, InputSpec, NetworkSpec, PoolSpec  # noqa: E402

FRAME_MS = 16.0


def sixty_layers() -> NetworkSpec:
    """A deep, valid design: 50 "same" convs with 5 pools between them, then an FC head."""
    layers: list = []
    for block in range(5):
        for _ in range(10):
            layers.append(ConvSpec(filters=32 + 16 * block, size=3, padding="same"))
        layers.append(PoolSpec())
    layers += [FlattenSpec(), DenseSpec(units=128), DropoutSpec(rate=0.5), DenseSpec(units=10, activation="softmax")]
    assert len(layers) == 59  # + the input row = 60 rows, plus the totals row
    layers.insert(0, ConvSpec(filters=16, size=3, padding="same"))
    return NetworkSpec(InputSpec((128, 128, 3)), layers, "bench-60")


def edit_cycle(document):
    """Callables, each making one edit; a cycle leaves the design as it found it."""
    mid = 30
    return [
        lambda: document.set_field(mid, "filters", 40),
        lambda: document.set_field(mid, "size", 5),
        lambda: document.set_field(mid, "activation", "tanh"),
        lambda: document.set_input_shape((120, 128, 3)),
        lambda: document.add_layer("dropout", after=mid),
        lambda: document.move_layer(mid + 1, mid + 5),
        lambda: document.remove_layer(mid + 5),
        lambda: document.set_input_shape((128, 128, 3)),
        lambda: document.set_field(mid, "activation", "relu"),
        lambda: document.set_field(mid, "size", 3),
        lambda: document.set_field(mid, "filters", 48),
    ]


def measure(document, edits: int, after_edit=None) -> list[float]:
    """Milliseconds from each edit call until every slot on `document.changed` has run.

    The stamp is connected last, so Qt calls it after the table model's `refresh` (and, in the
    window, after the list, editor and status bar) — i.e. once the table model is up to date.
    With `after_edit` (e.g. processEvents), the time runs until that returns.
    """
    done = {"t": None}

    def stamp():
        done["t"] = time.perf_counter()

    document.changed.connect(stamp)
    cycle = edit_cycle(document)
    timings = []
    for i in range(edits + len(cycle)):  # the first cycle warms up
        edit = cycle[i % len(cycle)]
        done["t"] = None
        start = time.perf_counter()
        edit()
        if after_edit is not None:
            after_edit()
            done["t"] = time.perf_counter()
        assert done["t"] is not None, "the edit did not reach the document"
        if i >= len(cycle):
            timings.append((done["t"] - start) * 1000)
    document.changed.disconnect(stamp)
    return timings


def report(label: str, timings: list[float]) -> None:
    timings = sorted(timings)
    median = statistics.median(timings)
    p95 = timings[min(len(timings) - 1, int(round(0.95 * (len(timings) - 1))))]
    verdict = "within" if p95 < FRAME_MS else "OVER"
    print(f"{label:<8} n={len(timings):<4} median {median:7.3f} ms   p95 {p95:7.3f} ms   "
          f"max {timings[-1]:7.3f} ms   ({verdict} one {FRAME_MS:.0f} ms frame at p95)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=200)
    args = parser.parse_args()

    import tempfile
    settings_dir = tempfile.mkdtemp(prefix="cnn-designer-bench-")
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, settings_dir)
    app = QApplication.instance() or QApplication(sys.argv[:1])

    from designer.document import DesignDocument
    from designer.main_window import MainWindow
    from designer.design.table_model import ShapeTableModel

    spec = sixty_layers()
    print(f"design: {len(spec.layers)} layers + input ({len(spec.layers) + 2} table rows with totals); "
          f"{args.edits} edits per measurement; Qt platform {app.platformName()}")

    document = DesignDocument()
    document.load(spec)
    model = ShapeTableModel(document)  # noqa: F841 — alive while measured: it listens to changed
    report("model", measure(document, args.edits))

    window = MainWindow()
    window.resize(1280, 800)
    window.show()
    window.document.load(spec)
    app.processEvents()
    window.design_tab.select_layer(30)
    report("window", measure(window.document, args.edits))
    report("paint", measure(window.document, args.edits, after_edit=app.processEvents))
    window.document.undo_stack.setClean()
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
