"""The property editor: a form for the selected layer (or the input), applied as you type.

Every widget change becomes one DesignDocument call; spin boxes pass merge=True so stepping or
typing digit by digit is one undo step, closed when the spin box finishes editing. The editor
never changes the spec itself and never computes shapes: the info panel shows the summary row.
"""
from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QDoubleSpinBox, QFormLayout, QFrame, QHBoxLayout, QLabel,
                               QLineEdit, QSizePolicy, QSpinBox, QStackedWidget, QVBoxLayout, QWidget)

from engine.shapes import format_shape
from engine.spec import (ACTIVATIONS, HIDDEN_ACTIVATIONS, MAX_CHANNELS, MAX_FILTER_SIZE, MAX_FILTERS,
                         MAX_IMAGE_SIDE, MAX_PADDING, MAX_STRIDE, MAX_UNITS, POOL_MODES, SpecError)

from .document import DesignDocument
from .icons import kind_icon
from .layers import TITLES

INPUT = -1  # the index the editor uses for the input volume

HINTS = {
    "input": "The image the network sees: n_H × n_W pixels with n_C channels (3 for RGB).",
    "conv": "Each of the n_C filters is f×f×n_C_prev with one bias and gives one feature map. "
            "Output side: ⌊(n + 2p − f)/s⌋ + 1. “same” padding keeps the size at stride 1 (odd f).",
    "pool": "Max or average over f×f windows, moving s at a time. Output side: ⌊(n − f)/s⌋ + 1; "
            "channels unchanged; nothing to learn.",
    "dense": "Every input connects to every unit: n_in·n_out weights + n_out biases. A volume "
             "before it is flattened. The last layer: softmax over the classes (or 1 sigmoid unit).",
    "flatten": "Unrolls an n_H×n_W×n_C volume into a vector of n_H·n_W·n_C values. "
               "No parameters. FC layers also flatten on their own.",
    "dropout": "While training, sets this fraction of the values to zero at random (a regulariser). "
               "The shape is unchanged and there is nothing to learn.",
}

PADDING_CHOICES = ("valid", "same", "custom")
PADDING_TIPS = {
    "valid": "valid: no padding (p = 0); each side shrinks to n − f + 1 at stride 1.",
    "same": "same: p = (f − 1)/2, so the output keeps the input's size at stride 1 (needs an odd f).",
    "custom": "custom: choose p, the rows and columns of zeros added on each side.",
}


def _spin(name: str, low: int, high: int, tip: str, suffix: str = "") -> QSpinBox:
    spin = QSpinBox()
    spin.setObjectName(name)
    spin.setRange(low, high)
    spin.setToolTip(tip)
    spin.setAccelerated(True)
    spin.setSuffix(suffix)
    spin.setGroupSeparatorShown(True)
    spin.setMinimumWidth(110)
    return spin


def _combo(name: str, items, tip: str) -> QComboBox:
    combo = QComboBox()
    combo.setObjectName(name)
    combo.addItems(list(items))
    combo.setToolTip(tip)
    combo.setMinimumWidth(110)
    return combo


def _form() -> tuple[QWidget, QFormLayout]:
    page = QWidget()
    form = QFormLayout(page)
    form.setContentsMargins(0, 0, 0, 0)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
    form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return page, form


class PropertyEditor(QWidget):
    """Edits layer `current_index()` of the document (INPUT = −1 for the input; None = nothing)."""

    # Emitted with a message when an edit is refused (e.g. a duplicate name), "" when it clears.
    problem = Signal(str)

    def __init__(self, document: DesignDocument, parent=None):
        super().__init__(parent)
        self.setObjectName("propertyEditor")
        self._document = document
        self._index: int | None = None
        self._build()
        document.changed.connect(self.refresh)
        self.set_current(None)

    # ----- construction -------------------------------------------------------------------
    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(10, 8, 10, 8)
        outer.setSpacing(8)

        header = QHBoxLayout()
        self._icon = QLabel()
        self._icon.setFixedSize(24, 24)
        header.addWidget(self._icon)
        self._title = QLabel()
        self._title.setObjectName("editorTitle")
        font = self._title.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        font.setBold(True)
        self._title.setFont(font)
        header.addWidget(self._title, 1)
        outer.addLayout(header)

        body = QHBoxLayout()
        body.setSpacing(24)
        outer.addLayout(body, 1)

        # Left: the name and the fields of this kind of layer.
        fields_column = QVBoxLayout()
        fields_column.setSpacing(6)
        name_row, name_form = _form()
        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("layerName")
        self.name_edit.setClearButtonEnabled(True)
        self.name_edit.setToolTip("The layer's name. Leave it empty for the course-style automatic name "
                                  "(CONV1, POOL1, FC3, ...), which renumbers when layers move.")
        self.name_edit.setMinimumWidth(180)
        self.name_edit.textEdited.connect(self._on_name_edited)
        self.name_edit.editingFinished.connect(self._on_name_finished)
        name_form.addRow("Name", self.name_edit)
        self._name_row = name_row
        fields_column.addWidget(name_row)
        self.name_error = QLabel()
        self.name_error.setObjectName("nameError")
        self.name_error.setWordWrap(True)
        self.name_error.setStyleSheet("color: #b3261e;")
        self.name_error.hide()
        fields_column.addWidget(self.name_error)

        self.pages = QStackedWidget()
        self.pages.setObjectName("editorPages")
        self._page_index: dict[str, int] = {}
        for kind, builder in (("none", self._build_none), ("input", self._build_input),
                              ("conv", self._build_conv), ("pool", self._build_pool),
                              ("dense", self._build_dense), ("flatten", self._build_flatten),
                              ("dropout", self._build_dropout)):
            self._page_index[kind] = self.pages.addWidget(builder())
        self.pages.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        fields_column.addWidget(self.pages)
        fields_column.addStretch(1)
        body.addLayout(fields_column, 0)

        line = QFrame()
        line.setFrameShape(QFrame.Shape.VLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        body.addWidget(line)

        # Right: what the layer computes (from the summary) and what it is for.
        info_column = QVBoxLayout()
        info_column.setSpacing(10)
        self.info = QLabel()
        self.info.setObjectName("layerInfo")
        self.info.setWordWrap(True)
        self.info.setTextFormat(Qt.TextFormat.RichText)
        self.info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.info.setMinimumWidth(220)
        info_column.addWidget(self.info)
        self.hint = QLabel()
        self.hint.setObjectName("layerHint")
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: palette(placeholder-text);")
        info_column.addWidget(self.hint)
        info_column.addStretch(1)
        body.addLayout(info_column, 1)

    def _build_none(self) -> QWidget:
        label = QLabel("Select a layer in the list to edit it.")
        label.setWordWrap(True)
        return label

    def _build_input(self) -> QWidget:
        page, form = _form()
        self.input_height = _spin("inputHeight", 1, MAX_IMAGE_SIDE, "n_H: the input's height in pixels.")
        self.input_width = _spin("inputWidth", 1, MAX_IMAGE_SIDE, "n_W: the input's width in pixels.")
        self.input_channels = _spin("inputChannels", 1, MAX_CHANNELS,
                                    "n_C: the input's channels (3 for RGB, 1 for greyscale).")
        for axis, spin in enumerate((self.input_height, self.input_width, self.input_channels)):
            spin.valueChanged.connect(lambda value, axis=axis: self._on_input_changed(axis, value))
            spin.editingFinished.connect(self._document.end_burst)
        form.addRow("Height n_H", self.input_height)
        form.addRow("Width n_W", self.input_width)
        form.addRow("Channels n_C", self.input_channels)
        return page

    def _field_spin(self, form: QFormLayout, label: str, field_name: str, spin: QSpinBox) -> QSpinBox:
        spin.valueChanged.connect(lambda value, f=field_name: self._set(f, value, merge=True))
        spin.editingFinished.connect(self._document.end_burst)
        form.addRow(label, spin)
        return spin

    def _field_combo(self, form: QFormLayout, label: str, field_name: str, combo: QComboBox) -> QComboBox:
        combo.currentTextChanged.connect(lambda text, f=field_name: self._set(f, text))
        form.addRow(label, combo)
        return combo

    def _build_conv(self) -> QWidget:
        page, form = _form()
        self.conv_filters = self._field_spin(form, "Filters n_C", "filters", _spin(
            "convFilters", 1, MAX_FILTERS, "n_C: how many filters, i.e. the output's channels."))
        self.conv_size = self._field_spin(form, "Filter size f", "size", _spin(
            "convSize", 1, MAX_FILTER_SIZE, "f: each filter is f×f×n_C_prev."))
        self.conv_stride = self._field_spin(form, "Stride s", "stride", _spin(
            "convStride", 1, MAX_STRIDE, "s: how far the filter moves between positions."))
        self.conv_padding = _combo("convPadding", PADDING_CHOICES, "\n".join(PADDING_TIPS.values()))
        self.conv_padding.currentTextChanged.connect(self._on_padding_choice)
        self.conv_padding_value = _spin("convPaddingValue", 0, MAX_PADDING,
                                        "p: rows and columns of zeros added on each side.")
        self.conv_padding_value.setMinimumWidth(70)
        self.conv_padding_value.valueChanged.connect(self._on_padding_value)
        self.conv_padding_value.editingFinished.connect(self._document.end_burst)
        padding_row = QWidget()
        row_layout = QHBoxLayout(padding_row)
        row_layout.setContentsMargins(0, 0, 0, 0)
        row_layout.addWidget(self.conv_padding)
        row_layout.addWidget(QLabel("p ="))
        row_layout.addWidget(self.conv_padding_value)
        form.addRow("Padding", padding_row)
        self.conv_activation = self._field_combo(form, "Activation", "activation", _combo(
            "convActivation", HIDDEN_ACTIVATIONS, "The non-linearity applied to each output value."))
        return page

    def _build_pool(self) -> QWidget:
        page, form = _form()
        self.pool_mode = self._field_combo(form, "Mode", "mode", _combo(
            "poolMode", POOL_MODES, "max: keep the largest value of each window; avg: their mean."))
        self.pool_size = self._field_spin(form, "Window f", "size", _spin(
            "poolSize", 1, MAX_FILTER_SIZE, "f: the pooling window is f×f."))
        self.pool_stride = self._field_spin(form, "Stride s", "stride", _spin(
            "poolStride", 1, MAX_STRIDE, "s: how far the window moves between positions."))
        return page

    def _build_dense(self) -> QWidget:
        page, form = _form()
        self.dense_units = self._field_spin(form, "Units", "units", _spin(
            "denseUnits", 1, MAX_UNITS, "How many units (neurons); the output is a (units,1) vector."))
        self.dense_activation = self._field_combo(form, "Activation", "activation", _combo(
            "denseActivation", ACTIVATIONS,
            "The non-linearity. Softmax belongs on the last layer (one unit per class)."))
        return page

    def _build_flatten(self) -> QWidget:
        label = QLabel("A flatten layer has no settings.")
        label.setWordWrap(True)
        return label

    def _build_dropout(self) -> QWidget:
        page, form = _form()
        self.dropout_rate = QDoubleSpinBox()
        self.dropout_rate.setObjectName("dropoutRate")
        self.dropout_rate.setRange(0.0, 0.95)
        self.dropout_rate.setSingleStep(0.05)
        self.dropout_rate.setDecimals(2)
        self.dropout_rate.setMinimumWidth(110)
        self.dropout_rate.setToolTip("The fraction of values set to zero while training (0 to 0.95).")
        self.dropout_rate.valueChanged.connect(lambda value: self._set("rate", round(value, 4), merge=True))
        self.dropout_rate.editingFinished.connect(self._document.end_burst)
        form.addRow("Rate", self.dropout_rate)
        return page

    # ----- which layer ----------------------------------------------------------------------
    def current_index(self) -> int | None:
        return self._index

    def set_current(self, index: int | None) -> None:
        """Show layer `index` (INPUT for the input, None for nothing)."""
        if index is not None and index != INPUT and not 0 <= index < self._document.layer_count:
            index = None
        if index != self._index:
            self._document.end_burst()
            self._clear_name_error()
        self._index = index
        self.refresh()

    # ----- showing values -----------------------------------------------------------------
    def refresh(self) -> None:
        index = self._index
        if index is not None and index != INPUT and index >= self._document.layer_count:
            index = self._index = None
        if index is None:
            self._show_page("none", None)
            self._title.setText("No layer selected")
            self._icon.clear()
            self.info.setText("")
            self.hint.setText("")
            return
        summary_row = self._document.summary.rows[index + 1]
        if index == INPUT:
            self._show_page("input", "input")
            self._title.setText("Input")
            shape = self._document.spec.input.shape
            for spin, value in zip((self.input_height, self.input_width, self.input_channels), shape):
                self._put_value(spin, value)
        else:
            layer = self._document.layer(index)
            self._show_page(layer.type, layer.type)
            self._title.setText(f"{summary_row.name} · {TITLES.get(layer.type, layer.type)}")
            # Keep what the user is typing (a refused name, or spaces the spec strips).
            if self.name_error.isHidden() and (self.name_edit.text().strip() or None) != layer.name:
                self._put_text(self.name_edit, layer.name or "")
            self.name_edit.setPlaceholderText(f"{summary_row.name} (automatic)")
            self._show_layer_values(layer, summary_row)
        self.info.setText(self._info_html(summary_row))
        self.hint.setText(HINTS.get("input" if index == INPUT else self._document.layer(index).type, ""))

    def _show_page(self, page: str, icon_kind: str | None) -> None:
        self.pages.setCurrentIndex(self._page_index[page])
        self._name_row.setVisible(page not in ("none", "input"))
        if page in ("none", "input"):
            self._clear_name_error()
        if icon_kind:
            self._icon.setPixmap(kind_icon(icon_kind).pixmap(24, 24))

    def _show_layer_values(self, layer, summary_row) -> None:
        kind = layer.type
        if kind == "conv":
            self._put_value(self.conv_filters, layer.filters)
            self._put_value(self.conv_size, layer.size)
            self._put_value(self.conv_stride, layer.stride)
            choice = layer.padding if isinstance(layer.padding, str) else "custom"
            self._put_combo(self.conv_padding, choice)
            self.conv_padding_value.setEnabled(choice == "custom")
            if isinstance(layer.padding, int):
                self._put_value(self.conv_padding_value, layer.padding)
            elif summary_row.padding is not None:
                self._put_value(self.conv_padding_value, summary_row.padding)
            self._put_combo(self.conv_activation, layer.activation)
        elif kind == "pool":
            self._put_combo(self.pool_mode, layer.mode)
            self._put_value(self.pool_size, layer.size)
            self._put_value(self.pool_stride, layer.stride)
        elif kind == "dense":
            self._put_value(self.dense_units, layer.units)
            self._put_combo(self.dense_activation, layer.activation)
        elif kind == "dropout":
            self._put_value(self.dropout_rate, layer.rate)

    @staticmethod
    def _info_html(row) -> str:
        if row.error:
            return (f"<span style='color:#b3261e'><b>⚠ {escape(row.name)} cannot work:</b> "
                    f"{escape(row.error)}</span>")
        if row.output_shape is None:
            return (f"<span style='color:#8a8a8a'>Not computed: fix {escape(row.blocked_by or 'the layer above')} "
                    f"first.</span>")
        label = "Shape" if row.kind == "input" else "Output"
        parts = [f"{label} <b>{format_shape(row.output_shape)}</b>",
                 f"<b>{row.activation_size:,}</b> values"]
        if row.kind != "input":
            parts.append(f"<b>{row.params:,}</b> parameters")
        text = " · ".join(parts)
        if row.formula:
            text += f"<br><span style='font-family:monospace'>{escape(row.formula)}</span>"
        return text

    # Programmatic updates must not come back as edits, and must not move a cursor needlessly.
    @staticmethod
    def _put_value(spin, value) -> None:
        if spin.value() != value:
            spin.blockSignals(True)
            spin.setValue(value)
            spin.blockSignals(False)

    @staticmethod
    def _put_combo(combo: QComboBox, text: str) -> None:
        if combo.currentText() != text:
            combo.blockSignals(True)
            combo.setCurrentText(text)
            combo.blockSignals(False)

    @staticmethod
    def _put_text(edit: QLineEdit, text: str) -> None:
        if edit.text() != text:
            edit.blockSignals(True)
            edit.setText(text)
            edit.blockSignals(False)

    # ----- edits ------------------------------------------------------------------------------
    def _set(self, field_name: str, value, merge: bool = False) -> None:
        index = self._index
        if index is None or index == INPUT:
            return
        try:
            self._document.set_field(index, field_name, value, merge=merge)
        except SpecError as exc:
            self.problem.emit(str(exc))
            self.refresh()

    def _on_input_changed(self, axis: int, value: int) -> None:
        shape = list(self._document.spec.input.shape)
        shape[axis] = value
        try:
            self._document.set_input_shape(tuple(shape), merge=True)
        except SpecError as exc:
            self.problem.emit(str(exc))
            self.refresh()

    def _on_padding_choice(self, choice: str) -> None:
        if choice == "custom":
            self.conv_padding_value.setEnabled(True)
            self._set("padding", self.conv_padding_value.value())
        else:
            self.conv_padding_value.setEnabled(False)
            self._set("padding", choice)

    def _on_padding_value(self, value: int) -> None:
        if self.conv_padding.currentText() == "custom":
            self._set("padding", value, merge=True)

    def _on_name_edited(self, text: str) -> None:
        index = self._index
        if index is None or index == INPUT:
            return
        message = self._document.check_name(index, text)
        if message:
            self.name_error.setText(message)
            self.name_error.show()
            return
        self._clear_name_error()
        self._set("name", text, merge=True)

    def _on_name_finished(self) -> None:
        index = self._index
        if index is None or index == INPUT or index >= self._document.layer_count:
            return
        text = self.name_edit.text()
        if self._document.check_name(index, text) is None:
            self._set("name", text, merge=True)
        self._clear_name_error()
        self._document.end_burst()
        # A refused name goes back to the one in the design.
        self._put_text(self.name_edit, self._document.layer(index).name or "")

    def _clear_name_error(self) -> None:
        self.name_error.clear()
        self.name_error.hide()
