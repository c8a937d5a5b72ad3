"""Learned filters: a conv layer's weights as small images, refreshed (at most once a second) while the
network trains — the course's point that a CNN *learns* its edge detectors. A depthwise layer (MobileNet's)
shows its own way: one f×f filter per input channel (× multiplier), no input-channel choice."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSignalBlocker, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QSpinBox

from engine.inspection import (depthwise_filter_tiles, filter_matrix_tiles, filter_tiles, normalize_tiles,
                               rgb_filter_tiles)

from ..image_export import export_png, make_export_button
from .common import format_number
from .image_grid import ImageGrid
from .network_view import InsideView, network_filter_layouts

ALL_CHANNELS = -1           # the channel spin box's special value: RGB (3 channels) or the in × out grid
MAX_GRID_TILES = 4096       # the in × out grid beyond this falls back to one input channel
DEFAULT_GRID_TILES = 256    # a layer with more slices than this opens on input channel 0
PER_CHANNEL = "per_channel"  # a depthwise layer's filter layout (engine.kinds.filter_layout)


class LearnedFiltersView(InsideView):
    """The filters of a network's conv layers (objectName ``learnedFilters``).

    API:
        set_network(net)         a engine.Network or None; cheap to call after every epoch (throttled)
        select_layer(name)       show conv layer ``name``; False if it has none of that name
        set_channel(c)           input channel c, or None for all (RGB for 3-channel inputs)
        set_same_scale(bool)     one colour scale for every tile instead of one per filter
        layer_names(), current_layer(), channel(), tile_count(), placeholder_text()
        refresh()                redraw now; export_png(path)
    Signals:
        layerChanged(str)
    """

    layerChanged = Signal(str)

    def __init__(self, parent=None):
        super().__init__("learnedFilters", parent)
        self._weights: dict[str, np.ndarray] = {}     # copies taken at the last refresh
        self._layouts: dict[str, str] = {}            # name → "filters" or "per_channel"
        self._shown_tiles = 0

        bar = QHBoxLayout()
        bar.addWidget(QLabel("Layer"))
        self.layer_combo = QComboBox()
        self.layer_combo.setObjectName("filterLayer")
        self.layer_combo.setToolTip("The conv layer whose learned filters are shown")
        self.layer_combo.setMinimumContentsLength(8)
        self.layer_combo.currentIndexChanged.connect(self._layer_chosen)
        bar.addWidget(self.layer_combo)
        bar.addSpacing(12)
        self.channel_label = QLabel("Input channel")
        bar.addWidget(self.channel_label)
        self.channel_spin = QSpinBox()
        self.channel_spin.setObjectName("filterChannel")
        self.channel_spin.setMinimumWidth(130)
        self.channel_spin.setToolTip("Which input channel of the filters to show; the first entry shows them "
                                     "all (as colour for an RGB input, else a grid: rows = input channels, "
                                     "columns = filters)")
        self.channel_spin.valueChanged.connect(lambda _v: self._draw())
        bar.addWidget(self.channel_spin)
        bar.addSpacing(12)
        self.same_scale = QCheckBox("Same scale for all")
        self.same_scale.setObjectName("filterSameScale")
        self.same_scale.setToolTip("Off: each filter is scaled to its own range (shows every pattern). "
                                   "On: one scale for the layer (shows which filters are strong)")
        self.same_scale.toggled.connect(lambda _v: self._draw())
        bar.addWidget(self.same_scale)
        bar.addStretch(1)
        self.export_button = make_export_button(self, "learned-filters.png")
        bar.addWidget(self.export_button)

        self.grid = ImageGrid()
        self.grid.setObjectName("filterGrid")
        self.info = QLabel()
        self.info.setObjectName("filterInfo")
        self.info.setWordWrap(True)
        self._build_content(bar, self.grid, self.info)
        self._show_placeholder()

    # ----- inputs (set_network: InsideView) ----------------------------------------------------------
    def set_dataset(self, dataset) -> None:
        """Filters don't depend on the data; accepted so every inside view can be wired the same way."""

    def select_layer(self, name: str) -> bool:
        self._ensure_fresh()
        index = self.layer_combo.findText(name)
        if index < 0:
            return False
        self.layer_combo.setCurrentIndex(index)
        return True

    def set_channel(self, channel: int | None) -> None:
        self._ensure_fresh()
        self.channel_spin.setValue(ALL_CHANNELS if channel is None else int(channel))

    def set_same_scale(self, same: bool) -> None:
        self.same_scale.setChecked(bool(same))

    # ----- queries ----------------------------------------------------------------------------------
    def layer_names(self) -> list[str]:
        self._ensure_fresh()
        return [self.layer_combo.itemText(i) for i in range(self.layer_combo.count())]

    def current_layer(self) -> str | None:
        self._ensure_fresh()
        return self.layer_combo.currentText() or None

    def channel(self) -> int | None:
        v = self.channel_spin.value()
        return None if v == ALL_CHANNELS else v

    def tile_count(self) -> int:
        self._ensure_fresh()
        return self.grid.tile_count()

    # ----- drawing ----------------------------------------------------------------------------------
    def _show_placeholder(self, html: str | None = None) -> None:
        self.stack.show_message(html or (
            "<b>No network yet.</b><br>Design a network with at least one convolution layer and train it "
            "(or just build it): its filters appear here and change as it learns."))

    def _refresh(self) -> None:
        net = self._net
        if net is None:
            self._weights = {}
            self.grid.clear_tiles()
            self._show_placeholder()
            return
        self._layouts = network_filter_layouts(net)
        names = list(self._layouts)
        if not names:
            self._weights = {}
            self.grid.clear_tiles()
            self._show_placeholder("<b>This design has no convolution layer.</b><br>Add a Conv layer: its "
                                   "filters (f×f×n_C_prev weights each) are what this view shows.")
            return
        # Copies: the training thread keeps updating the live arrays.
        self._weights = {name: np.array(net.params[f"{name}.W"], dtype=np.float64) for name in names}
        current = self.layer_combo.currentText()
        if [self.layer_combo.itemText(i) for i in range(self.layer_combo.count())] != names:
            with QSignalBlocker(self.layer_combo):
                self.layer_combo.clear()
                self.layer_combo.addItems(names)
                self.layer_combo.setCurrentIndex(names.index(current) if current in names else 0)
            self._configure_channel()
        self.stack.show_content()
        self._draw()

    def _layer_chosen(self, _index: int) -> None:
        self._configure_channel()
        self._draw()
        if self.layer_combo.currentText():
            self.layerChanged.emit(self.layer_combo.currentText())

    def _configure_channel(self) -> None:
        name = self.layer_combo.currentText()
        W = self._weights.get(name)
        if W is None:
            return
        n_C_prev = W.shape[2]
        depthwise = self._layouts.get(name) == PER_CHANNEL
        self.channel_label.setEnabled(not depthwise)
        with QSignalBlocker(self.channel_spin):
            if depthwise:        # one filter per channel: every channel is shown, nothing to choose
                self.channel_spin.setRange(ALL_CHANNELS, ALL_CHANNELS)
                self.channel_spin.setSpecialValueText("one per channel")
                self.channel_spin.setValue(ALL_CHANNELS)
                self.channel_spin.setEnabled(False)
                return
            if n_C_prev == 1:
                self.channel_spin.setRange(0, 0)
                self.channel_spin.setSpecialValueText("")
            else:
                self.channel_spin.setRange(ALL_CHANNELS, n_C_prev - 1)
                self.channel_spin.setSpecialValueText("RGB colour" if n_C_prev == 3 else "all (in × out)")
                # The in × out grid is the whole layer at a glance while it stays readable; past that,
                # one input channel at a time.
                everything = n_C_prev == 3 or n_C_prev * W.shape[3] <= DEFAULT_GRID_TILES
                self.channel_spin.setValue(ALL_CHANNELS if everything else 0)
        self.channel_spin.setEnabled(n_C_prev > 1)

    def _draw(self) -> None:
        name = self.layer_combo.currentText()
        W = self._weights.get(name)
        if W is None:
            return
        f, _, n_C_prev, n_C = W.shape
        channel = self.channel_spin.value()
        per_tile = not self.same_scale.isChecked()
        scale_txt = ("each filter scaled to its own range" if per_tile
                     else "one scale for the whole layer")
        lo, hi = format_number(W.min()), format_number(W.max())
        if self._layouts.get(name) == PER_CHANNEL:
            self._draw_depthwise(name, W, per_tile, scale_txt, lo, hi)
            return
        head = f"<b>{name}</b>: {n_C} filters of {f}×{f}×{n_C_prev} (weights {lo} … {hi})"
        captions = [f"#{k}" for k in range(n_C)]
        if n_C_prev == 3 and channel == ALL_CHANNELS:
            if per_tile:
                tiles = rgb_filter_tiles(W)
            else:
                tiles = normalize_tiles(np.moveaxis(W, -1, 0), "minmax", per_tile=False)
            self.grid.set_tiles(tiles, None, captions=captions)
            self.grid.set_axis_labels()
            text = (f"{head} — as colour images (the 3 input channels as red, green, blue), {scale_txt}: "
                    "the smallest weight is black, the largest white.")
        elif channel == ALL_CHANNELS and n_C_prev * n_C <= MAX_GRID_TILES:
            tiles = normalize_tiles(filter_matrix_tiles(W), "symmetric", per_tile=per_tile)
            self.grid.set_tiles(tiles, "diverging", columns=n_C)
            self.grid.set_axis_labels(rows=[str(c) for c in range(n_C_prev)],
                                      columns=[str(k) for k in range(n_C)],
                                      row_title="input channel", column_title="filter")
            text = (f"{head} — every f×f slice: row = input channel, column = filter. "
                    f"Blue negative, white 0, red positive; {scale_txt}.")
        else:
            c = 0 if channel == ALL_CHANNELS else channel
            tiles = normalize_tiles(filter_tiles(W, c), "symmetric", per_tile=per_tile)
            self.grid.set_tiles(tiles, "diverging", captions=captions)
            self.grid.set_axis_labels()
            which = "" if n_C_prev == 1 else f" — input channel {c} of each"
            text = f"{head}{which}. Blue negative, white 0, red positive; {scale_txt}."
        self.info.setText(text)

    def _draw_depthwise(self, name, W, per_tile: bool, scale_txt: str, lo: str, hi: str) -> None:
        """W (f, f, n_C, multiplier): one f×f filter per input channel, not an n_C_prev × n_C grid."""
        f, _, n_C, multiplier = W.shape
        tiles = normalize_tiles(depthwise_filter_tiles(W), "symmetric", per_tile=per_tile)
        if multiplier == 1:
            captions = [f"ch {c}" for c in range(n_C)]
        else:
            captions = [f"ch {c}·{k}" for c in range(n_C) for k in range(multiplier)]
        self.grid.set_tiles(tiles, "diverging", captions=captions)
        self.grid.set_axis_labels()
        per = f" × {multiplier}" if multiplier > 1 else ""
        self.info.setText(f"<b>{name}</b>: depthwise, one {f}×{f} filter per input channel{per} — "
                          f"{n_C * multiplier} filters for {n_C} channels (weights {lo} … {hi}); each channel is "
                          f"filtered on its own, never mixed with the others. Blue negative, white 0, red "
                          f"positive; {scale_txt}.")

    # ----- export -----------------------------------------------------------------------------------
    def export_png(self, path) -> tuple[int, int]:
        """The filter grid as PNG (atomic write). Returns its size in pixels."""
        self._ensure_fresh()
        return export_png(self.stack if self.stack.showing_message else self.grid, path)
