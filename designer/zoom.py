"""View › Zoom in / Zoom out / Reset zoom (Ctrl++ / Ctrl+− / Ctrl+0): the layer table, the layer list, the
volume diagram and the playgrounds' numbers larger for a projector (or smaller for a small screen), kept
between runs. `ViewZoom` owns the factor and its actions and announces it; the tabs scale their own widgets
(`DesignTab.set_zoom`, `InsideTab.set_zoom`)."""
from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget

from .actions import make_action
from .settings import app_settings

KEY_ZOOM = "view/zoom"
STEPS = (0.8, 0.9, 1.0, 1.1, 1.25, 1.5, 1.75, 2.0)


def nearest_step(factor) -> float:
    """The zoom step closest to `factor` (a saved value from another version, or hand-edited, snaps back)."""
    try:
        value = float(factor)
    except (TypeError, ValueError):
        return 1.0
    return min(STEPS, key=lambda step: abs(step - value))


def scaled(points: float, factor: float) -> float:
    """A font size at `factor`, never below 6 pt."""
    return max(6.0, points * factor)


class ViewZoom(QObject):
    """The window's zoom (`factor`, one of STEPS) and its actions (`actions`: zoomIn, zoomOut, zoomReset,
    placed in the View menu). Signal zoomChanged(float) after every change (and once by `announce`)."""

    zoomChanged = Signal(float)

    def __init__(self, window: QWidget):
        super().__init__(window)
        self.factor = nearest_step(app_settings().value(KEY_ZOOM, 1.0))
        self.actions: dict[str, QAction] = {
            "zoomIn": make_action(window, "zoomIn", "Zoom &in", "Larger text in the table, list, diagram and "
                                  "playgrounds (for a projector)", self.zoom_in,
                                  [QKeySequence.StandardKey.ZoomIn, "Ctrl+="]),
            "zoomOut": make_action(window, "zoomOut", "Zoom &out", "Smaller text in the table, list, diagram "
                                   "and playgrounds", self.zoom_out, [QKeySequence.StandardKey.ZoomOut]),
            "zoomReset": make_action(window, "zoomReset", "&Reset zoom", "Back to the normal text size",
                                     self.reset, "Ctrl+0"),
        }
        self._update_actions()

    def zoom_in(self) -> None:
        self.set_factor(next((s for s in STEPS if s > self.factor + 1e-9), STEPS[-1]))

    def zoom_out(self) -> None:
        self.set_factor(next((s for s in reversed(STEPS) if s < self.factor - 1e-9), STEPS[0]))

    def reset(self) -> None:
        self.set_factor(1.0)

    def set_factor(self, factor: float) -> None:
        factor = nearest_step(factor)
        if factor == self.factor:
            return
        self.factor = factor
        app_settings().setValue(KEY_ZOOM, factor)
        self._update_actions()
        self.zoomChanged.emit(factor)

    def announce(self) -> None:
        """Tell the parts the factor now (at the start: the one kept from the last run)."""
        self.zoomChanged.emit(self.factor)

    def _update_actions(self) -> None:
        self.actions["zoomIn"].setEnabled(self.factor < STEPS[-1])
        self.actions["zoomOut"].setEnabled(self.factor > STEPS[0])
        self.actions["zoomReset"].setEnabled(self.factor != 1.0)
        percent = f"{round(100 * self.factor)} %"
        self.actions["zoomReset"].setText(f"&Reset zoom (now {percent})")
