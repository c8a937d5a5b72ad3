"""The training plots: loss against iteration, accuracy against epoch (pyqtgraph), and the learning rate of
each epoch on the accuracy plot's right-hand axis. When early stopping restores the best epoch's weights,
that epoch is marked on both plots.

Plot items are created once per run and only ever updated with setData. Incoming data is appended
to growable NumPy buffers; a QTimer redraws what changed at most `REDRAW_HZ` times a second, so a
burst of progress signals costs a few array copies, not a repaint each. A run's curves stay on the
plots, faded, when the next run starts, until "Clear runs".
"""
from __future__ import annotations

import math
from typing import Optional

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

REDRAW_HZ = 20
EMA_BETA = 0.8   # smoothing of the loss curve (≈ a 5-iteration window), bias-corrected

BLUE = (31, 119, 180)
ORANGE = (230, 115, 0)
RATE = (110, 110, 110)      # the learning rate: grey, behind the accuracies it explains
BEST = (46, 125, 50)        # the best epoch's marker
FADED = [(120, 120, 170), (170, 120, 120), (120, 160, 120), (160, 140, 100)]


class Series:
    """A growable float64 buffer: append in amortised O(1), view without copying."""

    def __init__(self, capacity: int = 256):
        self._data = np.empty(capacity, dtype=np.float64)
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def extend(self, values) -> None:
        values = np.asarray(values, dtype=np.float64).ravel()
        need = self._size + len(values)
        if need > len(self._data):
            grown = np.empty(max(need, 2 * len(self._data)), dtype=np.float64)
            grown[:self._size] = self._data[:self._size]
            self._data = grown
        self._data[self._size:need] = values
        self._size = need

    def append(self, value: float) -> None:
        self.extend((value,))

    def view(self) -> np.ndarray:
        return self._data[:self._size]

    @property
    def last(self) -> float:
        return float(self._data[self._size - 1]) if self._size else float("nan")


def _pen(rgb, alpha=255, width=1.0, style=None):
    pen = pg.mkPen(color=(*rgb, alpha), width=width)
    if style is not None:
        pen.setStyle(style)
    pen.setCosmetic(True)
    return pen


class RunCurves:
    """The items and data of one run on both plots."""

    def __init__(self, number: int, label: str, loss_plot: pg.PlotItem, accuracy_plot: pg.PlotItem,
                 rate_view: pg.ViewBox):
        self.number = number
        self.label = label
        self.iterations = Series()
        self.losses = Series()
        self.smoothed = Series()
        self._ema = 0.0
        self._ema_steps = 0
        self.val_iterations = Series()
        self.val_losses = Series()
        self.epochs = Series(32)
        self.train_accuracy = Series(32)
        self.val_accuracy = Series(32)
        self.epoch_iterations = Series(32)   # the iteration each epoch ended at
        self.rates = Series(32)              # the learning rate of each epoch
        self.best_epoch: Optional[int] = None
        self.loss_dirty = False
        self.epoch_dirty = False
        self.faded = False
        self.total_iterations = 0      # known from the first progress report
        self.total_epochs = 0

        self.raw = pg.PlotDataItem(pen=_pen(BLUE, 70), name="loss per batch")
        self.raw.setDownsampling(auto=True, method="peak")
        self.smooth = pg.PlotDataItem(pen=_pen(BLUE, 255, 2.0), name="loss, smoothed")
        self.val_loss = pg.PlotDataItem(pen=_pen(ORANGE, 255, 1.5), symbol="o", symbolSize=7,
                                        symbolBrush=pg.mkBrush(*ORANGE), symbolPen=None,
                                        name="validation loss (per epoch)")
        self.train_acc = pg.PlotDataItem(pen=_pen(BLUE, 255, 2.0), symbol="o", symbolSize=7,
                                         symbolBrush=pg.mkBrush(*BLUE), symbolPen=None, name="training")
        self.val_acc = pg.PlotDataItem(pen=_pen(ORANGE, 255, 2.0), symbol="s", symbolSize=7,
                                       symbolBrush=pg.mkBrush(*ORANGE), symbolPen=None, name="validation")
        # A step curve: each epoch's rate holds from the epoch's start (e − ½) to its end (e + ½).
        self.rate = pg.PlotDataItem(pen=_pen(RATE, 220, 1.5, Qt.PenStyle.DashLine), stepMode="center",
                                    name="learning rate")
        # The best epoch's marks, placed when a run ends with its weights (mark_best).
        self.best_line = pg.InfiniteLine(angle=90, movable=False, pen=_pen(BEST, 200, 1.5, Qt.PenStyle.DotLine),
                                         label="", labelOpts=dict(position=0.6, color=BEST,
                                                                  fill=(255, 255, 255, 210)))
        self.best_ring = pg.ScatterPlotItem(symbol="o", size=15, pen=_pen(BEST, 255, 2.5), brush=None)
        self.best_line.setVisible(False)
        self.best_ring.setVisible(False)
        self.loss_items = (self.raw, self.smooth, self.val_loss)
        self.accuracy_items = (self.train_acc, self.val_acc)
        for item in (*self.loss_items, self.best_ring):
            loss_plot.addItem(item)
        for item in (*self.accuracy_items, self.best_line):
            accuracy_plot.addItem(item)
        rate_view.addItem(self.rate)
        self._rate_view = rate_view

    # ----- data ---------------------------------------------------------------------------------
    def add_losses(self, first_iteration: int, losses: np.ndarray) -> None:
        losses = np.asarray(losses, dtype=np.float64)
        if not len(losses):
            return
        self.iterations.extend(np.arange(first_iteration, first_iteration + len(losses), dtype=np.float64))
        self.losses.extend(losses)
        smoothed = np.empty(len(losses))
        ema, steps = self._ema, self._ema_steps
        for i, value in enumerate(losses):
            ema = EMA_BETA * ema + (1 - EMA_BETA) * value
            steps += 1
            smoothed[i] = ema / (1 - EMA_BETA ** steps)
        self._ema, self._ema_steps = ema, steps
        self.smoothed.extend(smoothed)
        self.loss_dirty = True

    def add_epoch(self, epoch: int, iteration: int, val_loss: float, train_accuracy: float,
                  val_accuracy: float, lr: float = float("nan")) -> None:
        self.epoch_iterations.append(iteration)
        self.rates.append(lr)
        if math.isfinite(val_loss):
            self.val_iterations.append(iteration)
            self.val_losses.append(val_loss)
        self.epochs.append(epoch)
        self.train_accuracy.append(100.0 * train_accuracy)
        self.val_accuracy.append(100.0 * val_accuracy if math.isfinite(val_accuracy) else np.nan)
        self.epoch_dirty = True

    @property
    def dirty(self) -> bool:
        return self.loss_dirty or self.epoch_dirty

    def redraw(self) -> None:
        """setData on the items whose data changed (each setData costs a repaint of its plot)."""
        if self.loss_dirty:
            self.loss_dirty = False
            x = self.iterations.view()
            if not self.faded:
                self.raw.setData(x, self.losses.view())
            self.smooth.setData(x, self.smoothed.view())
        if not self.epoch_dirty:
            return
        self.epoch_dirty = False
        self.val_loss.setData(self.val_iterations.view(), self.val_losses.view())
        epochs = self.epochs.view()
        self.train_acc.setData(epochs, self.train_accuracy.view())
        val = self.val_accuracy.view()
        finite = np.isfinite(val)
        self.val_acc.setData(epochs[finite], val[finite])
        rates = self.rates.view()
        if len(rates) and np.all(np.isfinite(rates)):
            self.rate.setData(np.arange(0.5, len(rates) + 1.0), rates)
            # From 0, so a constant rate is a flat line high up and a decay is seen as the fall it is.
            self._rate_view.setYRange(0, float(rates.max()) * 1.15, padding=0)

    def mark_best(self, epoch: int) -> bool:
        """Mark `epoch` (1-based) as the one whose weights were kept: a line on the accuracy plot and a
        ring round its validation loss. False if the run has no such epoch."""
        if not 1 <= epoch <= len(self.epochs):
            return False
        self.redraw()
        self.best_epoch = epoch
        self.best_line.setVisible(True)      # first: a hidden label doesn't take a new text
        self.best_line.setValue(epoch)
        self.best_line.label.setFormat(f"best epoch {epoch}")
        self.best_line.setToolTip(f"Early stopping kept the weights of epoch {epoch}, the lowest validation loss")
        # The label on the side of the line with more room: left of it in the second half of the run.
        side = 1.0 if epoch > max(self.total_epochs, len(self.epochs)) / 2 else 0.0
        self.best_line.label.anchors = [(side, 0.5), (side, 0.5)]
        self.best_line.label.updatePosition()
        iteration = self.epoch_iterations.view()[epoch - 1]
        at = np.flatnonzero(self.val_iterations.view() == iteration)
        if len(at):
            self.best_ring.setData([iteration], [self.val_losses.view()[at[0]]])
            self.best_ring.setVisible(True)
        return True

    # ----- looks --------------------------------------------------------------------------------
    def fade(self) -> None:
        """Turn into a faded comparison curve: the smoothed loss and the accuracies, thin and pale."""
        self.redraw()
        self.faded = True
        rgb = FADED[(self.number - 1) % len(FADED)]
        self.raw.setData([], [])
        self.raw.setVisible(False)
        self.rate.setVisible(False)          # one rate curve at a time: the current run's
        for item in (self.best_line, self.best_ring):
            item.setVisible(False)
        self.smooth.setPen(_pen(rgb, 150, 1.2))
        self.val_loss.setPen(None)
        self.val_loss.setSymbolBrush(pg.mkBrush(*rgb, 110))
        self.val_loss.setSymbolSize(5)
        for item in self.accuracy_items:
            item.setPen(_pen(rgb, 140, 1.2))
            item.setSymbolBrush(pg.mkBrush(*rgb, 110))
            item.setSymbolSize(5)
        for item in self.loss_items + self.accuracy_items:
            item.setZValue(-10)

    def remove(self, loss_plot: pg.PlotItem, accuracy_plot: pg.PlotItem) -> None:
        for item in (*self.loss_items, self.best_ring):
            loss_plot.removeItem(item)
        for item in (*self.accuracy_items, self.best_line):
            accuracy_plot.removeItem(item)
        self._rate_view.removeItem(self.rate)


def make_plot_widget(object_name: str, title: str, left: str, bottom: str, units: str | None = None) -> pg.PlotWidget:
    """A PlotWidget named for findChild (setObjectName on the widget itself: the keyword argument
    would go to the inner PlotItem), with axis labels and a light background that suits the window."""
    window = QApplication.palette().color(QPalette.ColorRole.Window) if QApplication.instance() else QColor("white")
    dark = window.lightness() < 128
    widget = pg.PlotWidget(background=None if dark else "w")
    widget.setObjectName(object_name)
    plot = widget.getPlotItem()
    foreground = "#ddd" if dark else "#333"
    plot.setTitle(title, size="10pt", color=foreground)
    for name in ("left", "bottom"):
        axis = plot.getAxis(name)
        axis.setPen(pg.mkPen(foreground))
        axis.setTextPen(pg.mkPen(foreground))
        axis.enableAutoSIPrefix(False)
    plot.setLabel("left", left, units=units, color=foreground)
    plot.setLabel("bottom", bottom, color=foreground)
    # No grid: pyqtgraph draws it with the axes, whose bounding rects then cover the plot area and
    # repaint (ticks, labels: the costly part) with every new point of the curve.
    plot.setMenuEnabled(True)
    widget.setMinimumHeight(140)
    return widget



class TrainingPlots(QObject):
    """Owns the run curves on a loss PlotWidget and an accuracy PlotWidget; redraws on a timer."""

    def __init__(self, loss_widget: pg.PlotWidget, accuracy_widget: pg.PlotWidget, parent: QObject | None = None):
        super().__init__(parent)
        self.loss_widget = loss_widget
        self.accuracy_widget = accuracy_widget
        self.loss_plot: pg.PlotItem = loss_widget.getPlotItem()
        self.accuracy_plot: pg.PlotItem = accuracy_widget.getPlotItem()
        # The accuracy plot changes once an epoch, so its grid (drawn by the axes) costs little.
        self.accuracy_plot.showGrid(x=False, y=True, alpha=0.12)
        self.accuracy_plot.setYRange(0, 100, padding=0.02)
        self.accuracy_plot.getViewBox().setLimits(yMin=-5, yMax=105)
        self.accuracy_plot.enableAutoRange(axis="y", enable=False)
        self.rate_view = self._add_rate_axis(self.accuracy_plot)
        dark = loss_widget.backgroundBrush().color().lightness() < 128
        legend_style = dict(labelTextSize="8pt", labelTextColor="#ddd" if dark else "#222",
                            brush=pg.mkBrush(40, 40, 40, 200) if dark else pg.mkBrush(255, 255, 255, 215),
                            pen=pg.mkPen(150, 150, 150, 120))
        self.loss_legend = self.loss_plot.addLegend(offset=(-10, 10), **legend_style)
        self.accuracy_legend = self.accuracy_plot.addLegend(offset=(-10, -10), **legend_style)
        self.runs: list[RunCurves] = []
        self.current: Optional[RunCurves] = None
        self._run_number = 0
        self._timer = QTimer(self)
        self._timer.setInterval(int(1000 / REDRAW_HZ))
        self._timer.timeout.connect(self.redraw)
        self.redraw_count = 0
        self._show_placeholder_ranges()
        self._rebuild_legends()

    # ----- runs ---------------------------------------------------------------------------------
    def start_run(self, label: str) -> RunCurves:
        if self.current is not None:
            self._fade(self.current)
        self._run_number += 1
        run = RunCurves(self._run_number, label, self.loss_plot, self.accuracy_plot, self.rate_view)
        self.runs.append(run)
        self.current = run
        self.loss_plot.enableAutoRange()
        self.accuracy_plot.enableAutoRange(axis="x", enable=True)
        self.accuracy_plot.showAxis("right")      # the rate's axis, once there is a run to draw a rate
        self._rebuild_legends()
        self._timer.start()
        return run

    def end_run(self) -> None:
        """Draw what is pending now and stop the timer (the run's data is complete)."""
        self._timer.stop()
        self.redraw()

    def clear_runs(self, keep_current: bool = False) -> None:
        """Remove earlier runs; the current one too unless keep_current (a run in progress)."""
        keep = self.current if keep_current else None
        for run in list(self.runs):
            if run is not keep:
                run.remove(self.loss_plot, self.accuracy_plot)
                self.runs.remove(run)
        if keep is None:
            self.current = None
            self._run_number = 0
            self._show_placeholder_ranges()
        else:
            self.loss_plot.enableAutoRange()
        self._rebuild_legends()

    @property
    def earlier_runs(self) -> list[RunCurves]:
        return [run for run in self.runs if run.faded]

    # ----- data ---------------------------------------------------------------------------------
    def add_losses(self, first_iteration: int, losses) -> None:
        if self.current is not None:
            self.current.add_losses(first_iteration, losses)

    def add_epoch(self, epoch: int, iteration: int, val_loss: float, train_accuracy: float,
                  val_accuracy: float, lr: float = float("nan")) -> None:
        if self.current is not None:
            self.current.add_epoch(epoch, iteration, val_loss, train_accuracy, val_accuracy, lr)

    def mark_best_epoch(self, epoch: int) -> bool:
        """The current (just ended) run kept the weights of `epoch`: mark it on both plots."""
        return self.current is not None and self.current.mark_best(epoch)

    def set_extent(self, total_iterations: int, epochs: int) -> None:
        """Fix the x ranges to the whole run (and any longer earlier run): growing curves then don't
        move the axes, whose ticks and labels are the costly part of a repaint."""
        run = self.current
        if run is None or (run.total_iterations, run.total_epochs) == (total_iterations, epochs):
            return
        run.total_iterations, run.total_epochs = total_iterations, epochs
        last_iteration = max(r.total_iterations or len(r.losses) for r in self.runs)
        last_epoch = max(r.total_epochs or len(r.epochs) for r in self.runs)
        self.loss_plot.setXRange(0, max(last_iteration, 1), padding=0.02)
        self.accuracy_plot.setXRange(0.5, max(last_epoch, 1) + 0.5, padding=0)
        # Whole epochs only: 1, 2, 5, 10, 20, ... between ticks, about ten ticks at most.
        step = next(s for s in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000)
                    if last_epoch / s <= 10 or s == 10_000)
        self.accuracy_plot.getAxis("bottom").setTickSpacing(step, step)

    def redraw(self) -> None:
        if self.current is not None and self.current.dirty:
            self.current.redraw()
            self.redraw_count += 1

    # ----- internals ------------------------------------------------------------------------------
    @staticmethod
    def _add_rate_axis(plot: pg.PlotItem) -> pg.ViewBox:
        """A second ViewBox over `plot`'s, sharing its x (epochs), scaled on the right-hand axis: the
        learning rate per epoch beside the accuracies."""
        view = pg.ViewBox()
        view.setMouseEnabled(x=False, y=False)
        plot.showAxis("right")
        plot.scene().addItem(view)
        axis = plot.getAxis("right")
        axis.linkToView(view)
        # The rate's dashes say which curve this axis is for; the legend stays two lines in a narrow plot.
        axis.setLabel("learning rate (dashed)", color=plot.getAxis("left").labelStyle.get("color"))
        axis.setPen(plot.getAxis("left").pen())
        axis.setTextPen(plot.getAxis("left").textPen())
        axis.enableAutoSIPrefix(False)
        view.setXLink(plot.getViewBox())
        view.enableAutoRange(enable=False)
        view.setYRange(0, 0.0012, padding=0)     # Adam's usual rate, until a run draws its own

        def follow():
            view.setGeometry(plot.getViewBox().sceneBoundingRect())
        plot.getViewBox().sigResized.connect(follow)
        follow()
        return view

    def _fade(self, run: RunCurves) -> None:
        run.fade()
        self._rebuild_legends()

    def _show_placeholder_ranges(self) -> None:
        """Empty plots: sensible axes (whole epochs, a typical starting loss) instead of 0 … 1."""
        self.loss_plot.setRange(xRange=(0, 100), yRange=(0, 2.5), padding=0.02)
        self.accuracy_plot.setXRange(0.5, 10.5, padding=0)
        self.accuracy_plot.getAxis("bottom").setTickSpacing(1, 1)
        # No run, no rate: its axis's ticks would only crowd a narrow plot.
        self.accuracy_plot.hideAxis("right")

    def _rebuild_legends(self) -> None:
        for legend in (self.loss_legend, self.accuracy_legend):
            legend.clear()
        current = self.current if self.current is not None and not self.current.faded else None
        if current is not None:
            self.loss_legend.addItem(current.raw, current.raw.name())
            self.loss_legend.addItem(current.smooth, current.smooth.name())
            self.loss_legend.addItem(current.val_loss, current.val_loss.name())
            self.accuracy_legend.addItem(current.train_acc, current.train_acc.name())
            self.accuracy_legend.addItem(current.val_acc, current.val_acc.name())
        earlier = self.earlier_runs
        if earlier:
            label = "earlier run" if len(earlier) == 1 else f"earlier runs ({len(earlier)})"
            self.loss_legend.addItem(earlier[-1].smooth, label)
            self.accuracy_legend.addItem(earlier[-1].train_acc, label)
        for legend in (self.loss_legend, self.accuracy_legend):
            legend.setVisible(bool(legend.items))  # an empty legend still draws its frame
