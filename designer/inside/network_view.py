"""The base of the Inside views fed by ``set_network`` (feature maps, learned filters, predictions): a
placeholder text or the content, a throttled and lazy refresh, the memory guard before running the
network, and small questions about a network (its conv layers, its volumes, a snapshot to compute on).

The drawing pieces these views share (colour maps, number formatting, scaled cell text, image views)
are in common.py.
"""
from __future__ import annotations

import html

from PySide6.QtCore import QElapsedTimer, Qt, QTimer
from PySide6.QtWidgets import QLabel, QStackedWidget, QVBoxLayout, QWidget

from engine.kinds import feature_map_caption, filter_layout, learns_filters
from engine.memory import MemoryGuardError, check_memory
from engine.train import dataset_shape_problem


class PlaceholderStack(QStackedWidget):
    """Either a centred explanatory text (no network yet, no conv layer, wrong dataset ...) or the content."""

    def __init__(self, content: QWidget, parent=None):
        super().__init__(parent)
        self.message = QLabel()
        self.message.setObjectName("placeholder")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.RichText)
        self.message.setStyleSheet("QLabel { color: #555555; font-size: 14px; padding: 24px; }")
        holder = QWidget()
        lay = QVBoxLayout(holder)
        lay.addWidget(self.message)
        self.addWidget(holder)
        self.addWidget(content)
        self.content = content

    def show_message(self, html: str) -> None:
        self.message.setText(html)
        self.setCurrentIndex(0)

    def show_content(self) -> None:
        self.setCurrentIndex(1)

    @property
    def showing_message(self) -> bool:
        return self.currentIndex() == 0

    def message_text(self) -> str:
        return self.message.text() if self.showing_message else ""


class ThrottledRefresh:
    """Mixin for views fed by ``set_network`` after every epoch: redraw at most once a second, and not
    at all while hidden (a background tab); catch up when shown or when a query method needs the data.

    Subclasses call ``_init_refresh()`` in ``__init__``, implement ``_refresh()``, call
    ``_request_refresh(urgent)`` when their inputs change, and ``_ensure_fresh()`` before answering
    queries. ``urgent`` (the user changed something) skips the one-second wait.
    """

    MIN_INTERVAL_MS = 1000

    def _init_refresh(self) -> None:
        self._dirty = False
        self._clock = QElapsedTimer()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._on_refresh_timer)

    def _request_refresh(self, urgent: bool = False) -> None:
        self._dirty = True
        if not self.isVisible():
            return          # showEvent / _ensure_fresh catch up
        if urgent:
            self._timer.stop()
            self._do_refresh()
            return
        if self._timer.isActive():
            return
        elapsed = self._clock.elapsed() if self._clock.isValid() else None
        if elapsed is None or elapsed >= self.MIN_INTERVAL_MS:
            self._do_refresh()
        else:
            self._timer.start(int(self.MIN_INTERVAL_MS - elapsed))

    def _on_refresh_timer(self) -> None:
        if self._dirty and self.isVisible():
            self._do_refresh()

    def _ensure_fresh(self) -> None:
        if self._dirty:
            self._timer.stop()
            self._do_refresh()

    def _do_refresh(self) -> None:
        self._dirty = False
        self._clock.restart()
        self._refresh()

    def refresh(self) -> None:
        """Redraw now from the current network and dataset, ignoring the throttle."""
        self._timer.stop()
        self._do_refresh()

    def _refresh(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _show_event_refresh(self) -> None:
        if self._dirty:
            self._timer.stop()
            # After the show has been processed, so the first paint isn't delayed by the computation.
            QTimer.singleShot(0, self._ensure_fresh)


def design_changed(old, new) -> bool:
    """True when ``new`` is another design than ``old`` (not just new weights): such a change is shown at
    once instead of waiting for the once-a-second throttle."""
    if old is None or new is None:
        return old is not new
    if old is new:
        return False
    try:
        return old.spec.to_dict() != new.spec.to_dict()
    except AttributeError:
        return True


UNTRAINED_TEXT = ("<b>untrained (initial weights)</b>: the design as built, before any training. Train it on "
                  "the Train tab and compare.")


def memory_problem_text(message: str) -> str:
    """The placeholder for the memory guard's one-line message (engine.memory.MemoryGuardError)."""
    return f"<b>Not enough memory for this view.</b><br>{html.escape(message)}."


class InsideView(ThrottledRefresh, QWidget):
    """Base of the views fed by ``set_network`` (feature maps, learned filters, predictions): the object
    name, the throttled refresh, the placeholder/content stack and the methods every one of them has.

    Subclasses call ``super().__init__(object_name, parent)``, build their widgets, then
    ``_build_content(bar, main, footer)``; they implement ``_refresh()`` like any ThrottledRefresh.

    Memory guard: a view that runs the network sets ``INFERENCE_BATCH`` (the most test images one forward
    pass takes); before each refresh the inference on a copy of the network is estimated
    (engine.memory.check_memory) and, if it would not fit, the view shows the guard's message instead of
    computing. ``set_network_problem`` shows why there is no network (e.g. it was too big to build).
    """

    INFERENCE_BATCH: int | None = None   # None: the view does not run the network

    def __init__(self, object_name: str, parent=None):
        super().__init__(parent)
        self.setObjectName(object_name)
        self._init_refresh()
        self._net = None
        self._dataset = None     # the views that take a dataset (set_dataset) keep it here
        self._untrained = False
        self._network_problem = ""

    def _build_content(self, bar, main: QWidget, footer: QWidget) -> PlaceholderStack:
        """The tool bar layout over ``main`` (stretching) over ``footer``, in a :class:`PlaceholderStack`
        (``self.stack``) filling the view with 6 px margins."""
        content = QWidget()
        col = QVBoxLayout(content)
        col.setContentsMargins(0, 0, 0, 0)
        self.untrained_banner = QLabel(UNTRAINED_TEXT)
        self.untrained_banner.setObjectName("untrainedBanner")
        self.untrained_banner.setWordWrap(True)
        self.untrained_banner.setStyleSheet("QLabel { background: #fff8e1; border: 1px solid #f0d98c; "
                                            "border-radius: 4px; padding: 4px 8px; }")
        self.untrained_banner.setVisible(self._untrained)
        col.addWidget(self.untrained_banner)
        col.addLayout(bar)
        col.addWidget(main, 1)
        col.addWidget(footer)
        self.stack = PlaceholderStack(content)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.stack)
        return self.stack

    def set_network(self, net, untrained: bool = False) -> None:
        """Show ``net`` (None: the placeholder). A new design shows at once; weight updates of the same
        design (after every epoch) redraw at most once a second. ``untrained``: ``net`` has its initial
        weights (a design not trained yet); the view says so above its content."""
        urgent = design_changed(self._net, net) or untrained != self._untrained or bool(self._network_problem)
        self._net = net
        self._network_problem = ""
        self._untrained = bool(untrained) and net is not None
        self.untrained_banner.setVisible(self._untrained)
        self._request_refresh(urgent=urgent)

    def set_network_problem(self, message: str) -> None:
        """No network, because of ``message`` (the memory guard's one line): the view says it."""
        self._net, self._untrained = None, False
        self.untrained_banner.setVisible(False)
        self._network_problem = message
        self._request_refresh(urgent=True)

    def memory_problem(self) -> str:
        """The guard's one line when running the network for this view would not fit in memory, else ""."""
        if self._net is None or self.INFERENCE_BATCH is None:
            return ""
        batch = self.INFERENCE_BATCH
        dataset = self._dataset
        if dataset is not None:
            batch = max(1, min(batch, len(dataset.x_test)))
        try:
            check_memory(self._net.summary, purpose="infer", batch_size=batch, dtype=self._net.dtype,
                         what="Looking inside this network")
        except MemoryGuardError as exc:
            return str(exc)
        return ""

    def _do_refresh(self) -> None:
        blocked = self._network_problem if self._net is None else self.memory_problem()
        if not blocked:
            super()._do_refresh()
            return
        # Each view's own "no network" path drops what it computed before (tiles, maps, matrix); then
        # its placeholder says why instead.
        net, self._net = self._net, None
        try:
            super()._do_refresh()
        finally:
            self._net = net
        self.stack.show_message(memory_problem_text(blocked))

    @property
    def untrained(self) -> bool:
        """True while the view shows a network with its initial weights."""
        return self._untrained

    def placeholder_text(self) -> str:
        self._ensure_fresh()
        return self.stack.message_text()

    def showEvent(self, event):  # noqa: N802 - Qt API
        super().showEvent(event)
        self._show_event_refresh()


def fit_problem_text(problem: str | None) -> str:
    """The placeholder for an engine fit problem (`engine.train.dataset_fit_problem` and friends):
    "" for None, else a bold headline over the engine's message, shown as it is."""
    if not problem:
        return ""
    return f"<b>The dataset doesn't fit this network.</b><br>{html.escape(problem)}."


def input_mismatch(net, dataset) -> str:
    """"" when ``dataset``'s images have ``net``'s input shape, else the placeholder saying what to change."""
    return fit_problem_text(dataset_shape_problem(net, dataset))


def snapshot(net):
    """An independent copy of ``net`` to compute with on the GUI thread.

    The training thread may be stepping the live network; its layers keep per-call state (caches,
    input shapes) that a forward pass from another thread would overwrite, so the views never run
    ``forward`` on the network they were given.
    """
    return net.copy()


def network_filter_layouts(net) -> dict[str, str]:
    """{name: how its "W" holds its filters} for every layer of ``net`` with f×f filters, in table order:
    "filters" (f, f, n_C_prev, n_C) or "per_channel" (f, f, n_C, multiplier: one filter per channel)."""
    return {row.name: filter_layout(entry.layer) for entry, row in zip(net.spec.walk(), net.summary.rows[1:])
            if learns_filters(entry.layer)}


def network_volume_layers(net) -> list[tuple[str, str]]:
    """(name, caption) of every layer of ``net`` whose feature maps are worth showing (conv and pool),
    in order; the caption says what the maps show ("convolution + relu", "pooling")."""
    captions = [(row.name, feature_map_caption(entry.layer))
                for entry, row in zip(net.spec.walk(), net.summary.rows[1:])]
    return [(name, caption) for name, caption in captions if caption is not None]
