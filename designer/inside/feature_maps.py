"""Feature maps: what every conv and pool layer makes of one test image — the n_C maps of its
n_H × n_W × n_C activation volume, the same shapes the course table lists."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QSpinBox, QSplitter

from engine.inspection import normalize_tiles

from ..image_export import export_png, make_export_button
from .common import BACKGROUND, GREY, TEXT, format_number, make_image_item, make_image_view
from .network_view import InsideView, input_mismatch, network_volume_layers, snapshot
from .image_grid import ImageGrid

INPUT = "Input"


class _ImagePanel(pg.GraphicsLayoutWidget):
    """The test image with its title and caption right under it (not pushed to the bottom)."""

    view: pg.ViewBox | None = None

    def resizeEvent(self, event):  # noqa: N802 - Qt API
        super().resizeEvent(event)
        if self.view is not None:
            self.view.setMaximumHeight(max(60, self.width() - 24))
            self.view.setMinimumHeight(max(60, min(self.width() - 24, self.height() - 120)))


class FeatureMapsView(InsideView):
    """Activation maps of one test image (objectName ``featureMaps``).

    API:
        set_network(net), set_dataset(ds)   inputs (None clears); set_network is throttled to 1/s
        set_image_index(i)                  which test image
        select_layer(name)                  jump to a conv/pool layer (or "Input"); False if not shown here
        set_same_scale(bool)                one colour scale for all maps of the layer
        feature_map_shapes()                {layer name: (n_H, n_W, n_C)} of every conv/pool layer, from the
                                            activations actually computed (Network.activations)
        layer_names(), current_layer(), image_index(), tile_count(), placeholder_text()
        refresh(), export_png(path)
    Signals:
        layerChanged(str): the user (or select_layer) picked another layer.
    """

    layerChanged = Signal(str)

    INFERENCE_BATCH = 1   # one test image at a time (the memory guard checks it first)

    def __init__(self, parent=None):
        super().__init__("featureMaps", parent)
        self._dataset = None
        self._maps: dict[str, np.ndarray] = {}       # name → (n_H, n_W, n_C) for the current image
        self._captions: dict[str, str] = {}   # layer name → what its maps show ("pooling")
        self._wanted_layer: str | None = None

        bar = QHBoxLayout()
        bar.addWidget(QLabel("Test image #"))
        self.index_spin = QSpinBox()
        self.index_spin.setObjectName("featureImageIndex")
        self.index_spin.setToolTip("Which test image goes through the network (click an image in Predictions "
                                   "to open it here)")
        self.index_spin.setMinimumWidth(80)
        self.index_spin.valueChanged.connect(lambda _v: self._request_refresh(urgent=True))
        bar.addWidget(self.index_spin)
        bar.addSpacing(12)
        bar.addWidget(QLabel("Layer"))
        self.layer_combo = QComboBox()
        self.layer_combo.setObjectName("featureLayer")
        self.layer_combo.setToolTip("The conv or pool layer whose output maps are shown (double-click its row "
                                    "in the Design table to jump here)")
        self.layer_combo.setMinimumContentsLength(14)
        self.layer_combo.currentIndexChanged.connect(self._layer_chosen)
        bar.addWidget(self.layer_combo)
        bar.addSpacing(12)
        self.same_scale = QCheckBox("Same scale for all maps")
        self.same_scale.setObjectName("featureSameScale")
        self.same_scale.setToolTip("Off: each map is scaled to its own maximum (shows every pattern). "
                                   "On: one scale for the layer (shows which maps respond strongly)")
        self.same_scale.toggled.connect(lambda _v: self._draw())
        bar.addWidget(self.same_scale)
        bar.addStretch(1)
        self.export_button = make_export_button(self, "feature-maps.png")
        bar.addWidget(self.export_button)

        # Left: the test image and its label; right: the maps.
        self.image_panel = _ImagePanel()
        self.image_panel.setObjectName("featureInput")
        self.image_panel.setBackground(BACKGROUND)
        self.image_title = self.image_panel.addLabel("", row=0, col=0, color=TEXT, size="11pt")
        self.image_view = make_image_view()
        self.image_item = make_image_item()
        self.image_view.addItem(self.image_item)
        self.image_panel.addItem(self.image_view, row=1, col=0)
        self.image_panel.view = self.image_view
        self.image_caption = self.image_panel.addLabel("", row=2, col=0, color=TEXT, size="10pt")
        self.image_panel.ci.layout.setRowStretchFactor(3, 1)       # spare height below the caption
        self.image_panel.ci.addLabel("", row=3, col=0)
        self.image_panel.setMinimumWidth(180)
        self.grid = ImageGrid()
        self.grid.setObjectName("featureGrid")
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.image_panel)
        self.splitter.addWidget(self.grid)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 4)
        self.splitter.setSizes([230, 870])
        self.info = QLabel()
        self.info.setObjectName("featureInfo")
        self.info.setWordWrap(True)
        self._build_content(bar, self.splitter, self.info)
        self._refresh()

    # ----- inputs (set_network: InsideView) ----------------------------------------------------------
    def set_dataset(self, dataset) -> None:
        self._dataset = dataset
        self._request_refresh(urgent=True)

    def set_image_index(self, index: int) -> None:
        self._ensure_fresh()
        self.index_spin.setValue(int(index))
        self._ensure_fresh()

    def select_layer(self, name: str) -> bool:
        """Show layer ``name`` (a conv or pool layer, or "Input"). Returns False for layers without maps
        (FC, flatten) or unknown names; the view then stays where it was."""
        self._ensure_fresh()
        index = self.layer_combo.findData(name)
        if index < 0:
            if self._net is not None and name in dict(network_volume_layers(self._net)):
                self._wanted_layer = name       # shown once a matching dataset arrives
            return False
        self._wanted_layer = name
        self.layer_combo.setCurrentIndex(index)
        return True

    def set_same_scale(self, same: bool) -> None:
        self.same_scale.setChecked(bool(same))

    # ----- queries ----------------------------------------------------------------------------------
    def feature_map_shapes(self) -> dict[str, tuple[int, int, int]]:
        """{layer name: (n_H, n_W, n_C)} for every conv and pool layer, as computed for the shown image."""
        self._ensure_fresh()
        return {name: tuple(int(d) for d in a.shape) for name, a in self._maps.items() if name != INPUT}

    def layer_names(self) -> list[str]:
        self._ensure_fresh()
        return [self.layer_combo.itemData(i) for i in range(self.layer_combo.count())]

    def current_layer(self) -> str | None:
        self._ensure_fresh()
        return self.layer_combo.currentData()

    def image_index(self) -> int:
        return self.index_spin.value()

    def tile_count(self) -> int:
        self._ensure_fresh()
        return self.grid.tile_count()

    # ----- compute ----------------------------------------------------------------------------------
    def _refresh(self) -> None:
        message = self._problem()
        if message:
            self._maps = {}
            self.grid.clear_tiles()
            self.stack.show_message(message)
            return
        net, ds = self._net, self._dataset
        with QSignalBlocker(self.index_spin):
            self.index_spin.setRange(0, len(ds.x_test) - 1)
        i = self.index_spin.value()
        x = np.asarray(ds.x_test[i:i + 1])
        net = snapshot(net)
        captions = dict(network_volume_layers(net))
        acts = net.activations(x)
        proba = net.predict_proba(x)[0]
        maps = {INPUT: np.asarray(x[0], dtype=np.float64)}
        for name, a in acts:
            if name in captions and a.ndim == 4:
                maps[name] = np.asarray(a[0], dtype=np.float64)
        self._maps, self._captions = maps, captions

        names = list(maps)
        current = self._wanted_layer or self.layer_combo.currentData()
        labels = [f"{name}  ({maps[name].shape[0]}×{maps[name].shape[1]}×{maps[name].shape[2]})" for name in names]
        if [self.layer_combo.itemText(k) for k in range(self.layer_combo.count())] != labels:
            with QSignalBlocker(self.layer_combo):
                self.layer_combo.clear()
                for name, label in zip(names, labels):
                    self.layer_combo.addItem(label, name)
                default = next((n for n in names if n != INPUT), INPUT)
                self.layer_combo.setCurrentIndex(names.index(current) if current in names else names.index(default))
        self._wanted_layer = None

        # The image and what the network makes of it.
        true = int(ds.y_test[i])
        pred = int(np.argmax(proba))
        names_ = list(ds.class_names)
        true_name = names_[true] if true < len(names_) else str(true)
        pred_name = names_[pred] if pred < len(names_) else str(pred)
        image = maps[INPUT]
        if image.shape[2] == 3:
            self.image_item.setLookupTable(None)
            self.image_item.setImage(np.clip(image, 0, 1), levels=(0, 1), autoLevels=False)
        else:
            lo, hi = float(image.min()), float(image.max())
            self.image_item.setImage(image[:, :, 0], levels=(lo, hi if hi > lo else lo + 1), autoLevels=False)
            self.image_item.setColorMap(GREY)
        self.image_view.setRange(pg.QtCore.QRectF(0, 0, image.shape[1], image.shape[0]), padding=0.03)
        self.image_title.setText(f"Test image {i}", color=TEXT)
        verdict = "right" if pred == true else "wrong"
        colour = "#2e7d32" if pred == true else "#c62828"
        self.image_caption.setText(
            f"true: <b>{true_name}</b><br>predicted: <span style='color:{colour}'><b>{pred_name}</b> "
            f"({proba[pred]:.0%}, {verdict})</span>", color=TEXT)
        self.stack.show_content()
        self._draw()

    def _problem(self) -> str:
        net, ds = self._net, self._dataset
        if net is None:
            return ("<b>No network yet.</b><br>Design a network with convolution or pooling layers: this view "
                    "shows the maps each of them makes from a test image.")
        if not network_volume_layers(net):
            return ("<b>This design has no convolution or pooling layer</b>, so there are no feature maps "
                    "(n_H × n_W × n_C volumes) to show. Add a Conv layer.")
        if ds is None:
            return "<b>No dataset.</b><br>Choose a dataset: its test images are what the maps are made from."
        mismatch = input_mismatch(net, ds)
        if mismatch:
            return mismatch
        if len(ds.x_test) == 0:
            return f"<b>‘{ds.name}’ has no test images.</b>"
        return ""

    # ----- drawing ----------------------------------------------------------------------------------
    def _layer_chosen(self, _index: int) -> None:
        self._draw()
        name = self.layer_combo.currentData()
        if name:
            self.layerChanged.emit(name)

    def _draw(self) -> None:
        name = self.layer_combo.currentData()
        a = self._maps.get(name)
        if a is None:
            return
        n_H, n_W, n_C = a.shape
        tiles = np.moveaxis(a, -1, 0)                       # (n_C, n_H, n_W)
        per_tile = not self.same_scale.isChecked()
        signed = float(a.min()) < 0
        if name == INPUT:
            # Pixels, not activations: grey like every input image in the app.
            values = normalize_tiles(tiles, "minmax", per_tile=per_tile)
            cmap = "grey"
            colours = "dark = low, bright = high"
        elif signed:
            values = normalize_tiles(tiles, "symmetric", per_tile=per_tile)
            cmap = "diverging"
            colours = "blue negative, white 0, red positive"
        else:
            values = normalize_tiles(tiles, "zero_max", per_tile=per_tile)
            cmap = "sequential"
            colours = "dark = 0, yellow = strongest"
        peaks = np.abs(tiles).reshape(n_C, -1).max(axis=1)
        if name == INPUT:
            captions = ["red", "green", "blue"] if n_C == 3 else [f"channel {k}" for k in range(n_C)]
        else:
            captions = [f"#{k}" + ("  all 0" if peaks[k] == 0 else "") for k in range(n_C)]
        self.grid.set_tiles(values, cmap, captions=captions)
        scale = "each map scaled to its own maximum" if per_tile else "one scale for the whole layer"
        if name == INPUT:
            head = f"<b>Input</b>: {n_H}×{n_W}×{n_C}, one map per channel"
            if n_C == 3:
                head += " (red, green, blue)"
        else:
            what = self._captions.get(name, "")
            dead = int(np.sum(peaks == 0))
            head = (f"<b>{name}</b> ({what}): {n_C} maps of {n_H}×{n_W} — activation shape "
                    f"({n_H},{n_W},{n_C}); values {format_number(a.min())} … {format_number(a.max())}")
            if dead:
                head += f"; {dead} map{'s are' if dead > 1 else ' is'} all 0 for this image"
        self.info.setText(f"{head}. Colours: {colours}; {scale}.")

    # ----- export -----------------------------------------------------------------------------------
    def export_png(self, path) -> tuple[int, int]:
        """The image and the current layer's maps as PNG (atomic write). Returns its size in pixels."""
        self._ensure_fresh()
        return export_png(self.splitter if not self.stack.showing_message else self.stack, path)
