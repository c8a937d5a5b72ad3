"""The filter playground's filter: a preset of the course (or Custom), its size f, the editable f×f grid, and
for colour images the f×f×3 filter of convolution over volumes — a slice per channel, the grid showing one.

`PlaygroundFilter` works the filter widgets `build_controls` made on the playground (filter_combo, size_spin,
filter_model, per_channel_check, channel_combo) and says `changed(reset_cell)` after every change; the
playground recomputes. Arrays: (f, f), or (f, f, 3) with a slice per channel.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, QSignalBlocker, Signal
from PySide6.QtWidgets import QComboBox

from .playground_sources import CHANNELS, CUSTOM, FILTER_PRESETS, MAX_FILTER


def select_combo(combo: QComboBox, data) -> None:
    """Show the entry holding `data` without announcing it."""
    index = combo.findData(data)
    if index >= 0 and index != combo.currentIndex():
        with QSignalBlocker(combo):
            combo.setCurrentIndex(index)


class PlaygroundFilter(QObject):
    """The filter of `playground` (its filter widgets). Signal changed(bool): the filter changed; True when
    the explained output cell should go back to (0, 0) (another preset)."""

    changed = Signal(bool)

    def __init__(self, playground):
        super().__init__(playground)
        self._w = playground
        self._slices: np.ndarray | None = None      # (f, f, 3) in f×f×3 mode
        self._colour = False                         # the input is a colour image shown in colour
        playground.filter_combo.currentIndexChanged.connect(self._preset_chosen)
        playground.size_spin.valueChanged.connect(self._size_changed)
        playground.filter_model.edited.connect(self._edited)
        playground.per_channel_check.toggled.connect(self.set_per_channel)
        playground.channel_combo.currentIndexChanged.connect(self._channel_shown)
        self._update_controls()

    # ----- what it is --------------------------------------------------------------------------
    def array(self) -> np.ndarray:
        """(f, f), or (f, f, 3) with a slice per channel."""
        return self._w.filter_model.values if self._slices is None else self._slices.copy()

    # ----- choosing ----------------------------------------------------------------------------
    def set_preset(self, name: str) -> None:
        """One of the course's filters (keys of FILTER_PRESETS); in f×f×3 mode, the shown channel's slice."""
        if name not in FILTER_PRESETS:
            raise ValueError(f"unknown filter preset {name!r}; choose from {', '.join(FILTER_PRESETS)}")
        select_combo(self._w.filter_combo, name)
        self._preset_chosen()

    def set_custom(self, values) -> None:
        """Any f×f filter, 1 ≤ f ≤ 7 (in f×f×3 mode: on every channel); or f×f×3 (the input must be a
        colour image shown in colour)."""
        values = np.asarray(values, dtype=np.float64)
        if values.ndim not in (2, 3) or values.shape[0] != values.shape[1] or not 1 <= values.shape[0] <= MAX_FILTER \
                or (values.ndim == 3 and values.shape[2] != len(CHANNELS)):
            raise ValueError(f"a filter must be f×f or f×f×3 with 1 ≤ f ≤ {MAX_FILTER}, got shape {values.shape}")
        if not np.all(np.isfinite(values)):
            raise ValueError("a filter's numbers must be finite")
        if values.ndim == 3 and not self._colour:
            raise ValueError("an f×f×3 filter needs a colour image shown in colour (Keep colour)")
        select_combo(self._w.filter_combo, CUSTOM)
        if values.ndim == 3:
            self._slices = values.copy()
            self._update_controls()
            self._show_values(values[:, :, self._w.channel_combo.currentIndex()])
        else:
            self._show_values(values)
            if self._slices is not None:
                self._slices = np.repeat(values[:, :, None], len(CHANNELS), axis=2)
        self.changed.emit(False)

    def set_per_channel(self, on: bool) -> None:
        """Convolution over volumes: the filter becomes f×f×3, each slice starting as the filter shown (the
        same output as before); off: one f×f slice repeated over the channels again."""
        on = bool(on) and self._colour
        if on and self._slices is None:
            self._slices = np.repeat(self._w.filter_model.values[:, :, None], len(CHANNELS), axis=2)
        elif not on:
            self._slices = None
        self._update_controls()
        self.changed.emit(False)

    def show_channel(self, channel: str) -> None:
        """Show (and edit) the slice of channel "R", "G" or "B"."""
        self._w.channel_combo.setCurrentIndex(CHANNELS.index(channel))

    def set_colour(self, colour: bool) -> None:
        """The input is (or no longer is) a colour image shown in colour; grey ends the f×f×3 mode."""
        self._colour = bool(colour)
        if not self._colour:
            self._slices = None
        self._update_controls()

    # ----- internals ---------------------------------------------------------------------------
    def _update_controls(self) -> None:
        w = self._w
        with QSignalBlocker(w.per_channel_check):
            w.per_channel_check.setChecked(self._slices is not None)
        w.per_channel_check.setEnabled(self._colour)
        w.channel_combo.setVisible(self._slices is not None)

    def _show_values(self, values: np.ndarray) -> None:
        self._w.filter_model.set_values(values)
        with QSignalBlocker(self._w.size_spin):
            self._w.size_spin.setValue(values.shape[0])

    def _channel_shown(self, index: int) -> None:
        if self._slices is not None:
            self._w.filter_model.set_values(self._slices[:, :, index])

    def _store_slice(self) -> None:
        """The grid's numbers into the shown channel's slice (f×f×3 mode)."""
        if self._slices is not None:
            self._slices[:, :, self._w.channel_combo.currentIndex()] = self._w.filter_model.values

    def _preset_chosen(self, *_args) -> None:
        key = self._w.filter_combo.currentData()
        if key != CUSTOM:
            preset = FILTER_PRESETS[key][1]
            if self._slices is not None and self._slices.shape[0] != preset.shape[0]:
                self._slices = np.repeat(preset[:, :, None], len(CHANNELS), axis=2)
            self._show_values(preset)
            self._store_slice()
        self.changed.emit(True)

    def _size_changed(self, f: int) -> None:
        old = self._w.filter_model.values
        new = np.zeros((f, f))
        k = min(f, old.shape[0])
        new[:k, :k] = old[:k, :k]
        select_combo(self._w.filter_combo, CUSTOM)
        self._w.filter_model.set_values(new)
        if self._slices is not None:
            grown = np.zeros((f, f, len(CHANNELS)))
            grown[:k, :k] = self._slices[:k, :k]
            self._slices = grown
        self.changed.emit(False)

    def _edited(self) -> None:
        select_combo(self._w.filter_combo, CUSTOM)
        self._store_slice()
        self.changed.emit(False)
