"""The selected runs' curves, overlaid: loss per epoch and accuracy per epoch (pyqtgraph).

Each run gets one colour (in the table's order); its training curve is solid and its validation curve
dashed, and the legend names each run once (PlotItem adds a named curve to its legend by itself). A run whose best epoch was restored by early stopping
has a ring on its validation loss at that epoch (explained once in the legend).
"""
from __future__ import annotations

import os

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QWidget

from engine.runs import Run
from engine.runs_compare import settings_text

from ..training.plots import make_plot_widget

# Distinct on white and on dark backgrounds (the Tableau 10 colours).
COLOURS = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189), (140, 86, 75),
           (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207)]


LOSS_TITLE = "Loss per epoch (solid: training, dashed: validation)"
ACCURACY_TITLE = "Accuracy per epoch (solid: training, dashed: validation)"
BEST_LABEL = "best epoch: weights kept"


def _pen(rgb, dashed: bool = False, width: float = 2.0):
    pen = pg.mkPen(color=rgb, width=width)
    if dashed:
        pen.setStyle(Qt.PenStyle.DashLine)
    pen.setCosmetic(True)
    return pen


def _series(values) -> np.ndarray:
    return np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64)


def shared_name_prefix(runs: list[Run]) -> str:
    """What every run's name starts with, up to and including its last ": " ("over-fitting: " for the
    lesson's runs), when there are several runs and their names differ after it; else ""."""
    names = [run.name for run in runs]
    if len(set(names)) < 2:
        return ""
    prefix = names[0][:len(os.path.commonprefix(names))]
    cut = prefix.rfind(": ")
    return prefix[:cut + 2] if cut > 0 else ""


def legend_labels(runs: list[Run], limit: int = 70) -> list[str]:
    """A legend label per run that tells the runs apart: the run's name when the names differ; when
    they are alike, what differs between the runs (dataset and settings, the parts all share left out):
    "no aids" for a run with none of the others' training aids, "without …" for one that lacks the others'
    extras. Labels that would still be alike get the time each run was recorded. A prefix all the names
    share (`shared_name_prefix`) goes to the plots' titles instead."""
    prefix = shared_name_prefix(runs)
    names = [run.name[len(prefix):] for run in runs]
    parts = [[run.dataset_name] + settings_text(run.settings).split(", ") for run in runs]
    shared = set.intersection(*map(set, parts)) if len(runs) > 1 else set()
    labels = []
    for run, name, own in zip(runs, names, parts):
        # settings_text gives the optimizer's rate and the batch, then only the aids that were on.
        extras = list(dict.fromkeys(part for other in parts for part in other
                                     if part not in shared and part not in own))
        differing = ", ".join(part for part in own if part not in shared) or (
            "no aids" if len(own) == 3 else f"without {', '.join(extras)}" if extras else "same settings")
        if len(set(names)) == 1 and len(runs) > 1:
            label = differing
        elif names.count(name) == 1:
            label = name
        else:
            label = f"{name}: {differing}"
        labels.append(label if len(label) <= limit else label[:limit - 1] + "…")
    alike = [labels.count(label) > 1 for label in labels]
    return [label.rstrip("…")[:limit - 12] + f" ({run.created[11:19]})" if same else label
            for label, run, same in zip(labels, runs, alike)]


class RunsCurves(QWidget):
    """Two plots side by side: `loss_widget` and `accuracy_widget`; `show_runs(runs)` redraws them."""

    def __init__(self, parent=None):
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.loss_widget = make_plot_widget("runsLossPlot", LOSS_TITLE, "loss J", "epoch")
        self.accuracy_widget = make_plot_widget("runsAccuracyPlot", ACCURACY_TITLE, "accuracy", "epoch", units="%")
        layout.addWidget(self.loss_widget, 1)
        layout.addWidget(self.accuracy_widget, 1)
        self.loss_plot = self.loss_widget.getPlotItem()
        self.accuracy_plot = self.accuracy_widget.getPlotItem()
        self.accuracy_plot.showGrid(x=False, y=True, alpha=0.12)
        dark = self.loss_widget.backgroundBrush().color().lightness() < 128
        style = dict(labelTextSize="8pt", labelTextColor="#ddd" if dark else "#222",
                     brush=pg.mkBrush(40, 40, 40, 200) if dark else pg.mkBrush(255, 255, 255, 215),
                     pen=pg.mkPen(150, 150, 150, 120))
        self.loss_legend = self.loss_plot.addLegend(offset=(-10, 10), **style)
        self.accuracy_legend = self.accuracy_plot.addLegend(offset=(-10, -10), **style)
        self.items: dict[str, list] = {}       # run id → its plot items
        self.colours: dict[str, tuple] = {}    # run id → its colour
        self.best_markers: dict[str, pg.ScatterPlotItem] = {}
        self.show_runs([])

    def show_runs(self, runs: list[Run]) -> None:
        for plot in (self.loss_plot, self.accuracy_plot):
            for item in list(plot.listDataItems()):
                plot.removeItem(item)
            for item in [i for i in plot.items if isinstance(i, pg.ScatterPlotItem)]:
                plot.removeItem(item)
        for legend in (self.loss_legend, self.accuracy_legend):
            legend.clear()
        self.items, self.best_markers = {}, {}
        self.colours = {}
        labels = legend_labels(runs)
        names = {run.name for run in runs}
        common = f"{names.pop()}: " if len(names) == 1 and len(runs) > 1 else shared_name_prefix(runs)
        for plot, title in ((self.loss_plot, LOSS_TITLE), (self.accuracy_plot, ACCURACY_TITLE)):
            plot.setTitle(common + title[0].lower() + title[1:] if common else title, size="10pt",
                          color=plot.titleLabel.opts.get("color"))
        for number, run in enumerate(runs):
            self.colours[run.id] = COLOURS[number % len(COLOURS)]
            self._add(run, self.colours[run.id], labels[number])
        if self.best_markers:        # the ring explained once, in the colour of the first run that has one
            self.loss_legend.addItem(next(iter(self.best_markers.values())), BEST_LABEL)
        for legend in (self.loss_legend, self.accuracy_legend):
            legend.setVisible(bool(legend.items))
        longest = max((run.history["epochs_completed"] for run in runs), default=0)
        self.loss_plot.enableAutoRange()
        self.accuracy_plot.setXRange(0.5, max(longest, 1) + 0.5, padding=0)
        self.loss_plot.setXRange(0.5, max(longest, 1) + 0.5, padding=0)
        self.accuracy_plot.setYRange(0, 100, padding=0.02)
        step = next(s for s in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000) if longest / s <= 10 or s == 1000)
        for plot in (self.loss_plot, self.accuracy_plot):
            plot.getAxis("bottom").setTickSpacing(step, step)

    def _add(self, run: Run, rgb, label: str) -> None:
        history = run.history
        count = history["epochs_completed"]
        epochs = np.arange(1, count + 1, dtype=np.float64)

        def curve(plot, key, dashed, scale=1.0, name=None):
            values = _series(history.get(key, [])[:count]) * scale
            item = pg.PlotDataItem(epochs[:len(values)], values, pen=_pen(rgb, dashed), name=name,
                                   connect="finite", symbol="o" if count <= 30 else None, symbolSize=5,
                                   symbolBrush=pg.mkBrush(*rgb), symbolPen=None)
            plot.addItem(item)
            return item

        items = [curve(self.loss_plot, "train_loss", False, name=label), curve(self.loss_plot, "val_loss", True),
                 curve(self.accuracy_plot, "train_accuracy", False, 100.0, name=label),
                 curve(self.accuracy_plot, "val_accuracy", True, 100.0)]
        best = history.get("best_epoch")
        if history.get("restored_best") and best and best <= len(history.get("val_loss", [])):
            value = history["val_loss"][best - 1]
            if value is not None:
                marker = pg.ScatterPlotItem([best], [value], symbol="o", size=14, pen=_pen(rgb, width=2.5),
                                            brush=None)
                marker.setToolTip(f"{run.name}: best epoch {best}, whose weights were kept")
                self.loss_plot.addItem(marker)
                self.best_markers[run.id] = marker
        self.items[run.id] = items
