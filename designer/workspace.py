"""The main window's Train and Inside tabs, and the signals that link them to the design.

Kept apart from main_window.py so that the window's own code is only about designing, and the
training panel and inside views stay independent widgets that know nothing of each other:
    training panel ── network_updated ──▶ inside views (learned filters, feature maps, predictions)
    training panel ── dataset_changed ──▶ inside views (feature maps, predictions, playground images)
    shape table row ── clicked ─────────▶ feature maps / learned filters jump to that layer
    shape table row ── double-clicked ──▶ … and the Inside › Feature maps tab opens
"""
from __future__ import annotations

from PySide6.QtWidgets import QFrame, QMainWindow, QScrollArea, QWidget

from .inside.tabs import InsideTabs
from .training.panel import TrainingPanel
from .untrained_network import UntrainedNetworkFeed


class ScrollTab(QScrollArea):
    """A tab page that scrolls instead of forcing its content's minimum size on the whole window
    (the Train panel needs ~700 px of height; the window should still fit a 768-px laptop screen)."""

    def __init__(self, content: QWidget):
        super().__init__()
        self.setWidget(content)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.content = content

    def shutdown(self) -> None:
        """Pass the window's close on to content that runs work (the training thread)."""
        shutdown = getattr(self.content, "shutdown", None)
        if callable(shutdown):
            shutdown()


def attach_workspace(window: QMainWindow) -> None:
    """Add the Train and Inside tabs to `window` (a MainWindow) and connect them."""
    panel = TrainingPanel(window.document)
    inside = InsideTabs()
    window.training_panel = panel
    window.inside = inside
    train_page, inside_page = ScrollTab(panel), ScrollTab(inside)
    window.tabs.setTabToolTip(window.add_tab(train_page, "Train"),
                              "Train the design on a dataset and watch the loss J fall")
    window.tabs.setTabToolTip(window.add_tab(inside_page, "Inside"),
                              "Edge-detection playground, learned filters, feature maps and predictions")

    # The Design tab's "make it the softmax output (k classes)" uses the picked dataset's k.
    window.output_hint.set_class_source(lambda: getattr(panel.dataset, "num_classes", None))
    panel.dataset_changed.connect(lambda *_: window.output_hint.refresh())
    panel.preset_requested.connect(window.load_preset)   # "Open the Digits net preset" on the Train tab
    panel.network_updated.connect(inside.set_network)
    panel.dataset_changed.connect(inside.set_dataset)
    if panel.dataset is not None:
        inside.set_dataset(panel.dataset)
    if panel.network is not None:
        inside.set_network(panel.network)
    # Before any training: the design's initial weights, marked untrained.
    window.untrained_feed = UntrainedNetworkFeed(window.document, panel, inside, window)
    window.untrained_feed.update_now()

    table = window.table_view

    def layer_name_at(index) -> str | None:
        layer = window.shape_model.layer_for_row(index.row())
        if layer is None:  # the totals row
            return None
        if layer < 0:
            return "Input"
        return window.document.layer_names()[layer]

    def follow(index) -> None:
        name = layer_name_at(index)
        if name:
            inside.select_layer(name)

    def jump(index) -> None:
        name = layer_name_at(index)
        if name and inside.select_layer(name):
            inside.setCurrentWidget(inside.feature_maps)
            window.tabs.setCurrentWidget(inside_page)

    table.clicked.connect(follow)
    table.doubleClicked.connect(jump)
    table.setToolTip("Click a row to edit that layer; double-click a conv or pool row to see its feature maps")
