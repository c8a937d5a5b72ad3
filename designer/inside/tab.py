"""The Inside tab: the filter and pooling playgrounds and the views of a network (learned filters, feature
maps, predictions, why a prediction) in one QTabWidget.

The views work on their own too; the tab hands its inputs (set_network, set_dataset, select_layer) to the
views that take them and links them (a clicked test image opens in the feature maps; "Why?" in the
predictions opens the Why view on the chosen confusion-matrix cell).
"""
from __future__ import annotations

from PySide6.QtWidgets import QTabWidget

from .feature_maps import FeatureMapsView
from .filters_view import LearnedFiltersView
from .playground import FilterPlayground
from .pooling import PoolingPlayground
from .predictions import PredictionsView
from .why_view import WhyView


class InsideTab(QTabWidget):
    """Tabs: Filter playground · Pooling · Learned filters · Feature maps · Predictions · Why (objectName
    ``insideTabs``): `playground`, `pooling`, `filters`, `feature_maps`, `predictions`, `why`."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("insideTabs")
        self.playground = FilterPlayground()
        self.pooling = PoolingPlayground()
        self.filters = LearnedFiltersView()
        self.feature_maps = FeatureMapsView()
        self.predictions = PredictionsView()
        self.why = WhyView()
        self.addTab(self.playground, "Filter playground")
        self.addTab(self.pooling, "Pooling")
        self.addTab(self.filters, "Learned filters")
        self.addTab(self.feature_maps, "Feature maps")
        self.addTab(self.predictions, "Predictions")
        self.addTab(self.why, "Why")
        self.predictions.testImageClicked.connect(self.show_test_image)
        self.predictions.explainRequested.connect(self.show_why)

    def set_network(self, net, untrained: bool = False) -> None:
        """Give every view the network (after each epoch during training: they throttle themselves);
        ``untrained``: a design's initial weights, shown marked as such."""
        self.filters.set_network(net, untrained)
        self.feature_maps.set_network(net, untrained)
        self.predictions.set_network(net, untrained)
        self.why.set_network(net, untrained)

    def set_network_problem(self, text: str) -> None:
        """Why there is no network to show (e.g. the memory guard's message), in every view fed one."""
        for view in (self.filters, self.feature_maps, self.predictions, self.why):
            view.set_network_problem(text)

    def set_dataset(self, dataset) -> None:
        self.playground.set_dataset(dataset)
        self.feature_maps.set_dataset(dataset)
        self.predictions.set_dataset(dataset)
        self.why.set_dataset(dataset)

    def select_layer(self, name: str) -> bool:
        """Jump to layer ``name`` in the feature maps (conv/pool), for conv layers the filters, and for layers
        with a volume output Grad-CAM in the Why view."""
        self.filters.select_layer(name)
        self.why.select_layer(name)
        return self.feature_maps.select_layer(name)

    def show_feature_maps(self, name: str) -> bool:
        """Show layer ``name``'s feature maps (a conv or pool layer); False when it has none."""
        if not self.select_layer(name):
            return False
        self.setCurrentWidget(self.feature_maps)
        return True

    def show_test_image(self, index: int) -> None:
        self.feature_maps.set_image_index(index)
        self.setCurrentWidget(self.feature_maps)

    def show_why(self, cell=None) -> None:
        """Open the Why view: on the images of confusion-matrix cell ``(true, predicted)``, or (None) on the
        first image the predictions show (the most confident mistake)."""
        self.why.set_cell(cell)
        if cell is None:
            shown = self.predictions.shown_indices()
            if len(shown):
                self.why.set_image_index(int(shown[0]))
        self.setCurrentWidget(self.why)
