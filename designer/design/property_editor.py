"""The property editor: a form for the selected layer (or the input), applied as you type.

Every widget change becomes one DesignDocument call; spin boxes pass merge=True so stepping or
typing digit by digit is one undo step, closed when the spin box finishes editing. The editor
never changes the spec itself and never computes shapes: the info panel shows the summary row.
It edits any layer, a block (its own fields: a residual's activation) and a block's inner layers alike:
the layer is named by its path (engine.spec_paths; () is the input).
"""
from __future__ import annotations

from html import escape

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (QFrame, QHBoxLayout, QLabel, QLineEdit, QSizePolicy, QStackedWidget, QVBoxLayout,
                               QWidget)

from engine.kinds import is_registered, kind_for, type_names
from engine.shapes import format_shape
from engine.kinds.checks import MAX_CHANNELS, MAX_IMAGE_SIDE
from engine.spec import SpecError

from ..document import DesignDocument
from .field_form import KindForm, make_form, make_spin, put_text, put_value, watch_range
from .kind_visuals import kind_icon, title

INPUT = -1  # the index the editor uses for the input volume

INPUT_HINT = "The image the network sees: n_H × n_W pixels with n_C channels (3 for RGB)."


class UndoPassThrough(QObject):
    """Lets Ctrl+Z / Ctrl+Y reach the window's undo stack while a spin box or the name field has
    focus: their built-in text undo would swallow the keys and undo nothing of the design."""

    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.ShortcutOverride:
            if event.matches(QKeySequence.StandardKey.Undo) or event.matches(QKeySequence.StandardKey.Redo) \
                    or (event.key() == Qt.Key.Key_Y and event.modifiers() == Qt.KeyboardModifier.ControlModifier):
                event.ignore()
                return True
        return False


def _as_path(layer) -> tuple | None:
    if layer is None:
        return None
    if isinstance(layer, int):
        return () if layer == INPUT else (layer,)
    return tuple(layer)


class PropertyEditor(QWidget):
    """Edits the layer at `current_path()` of the document (() for the input; None = nothing)."""

    # Emitted with a message when an edit is refused (e.g. a duplicate name), "" when it clears.
    problem = Signal(str)

    def __init__(self, document: DesignDocument, parent=None):
        super().__init__(parent)
        self.setObjectName("propertyEditor")
        self._document = document
        self._path: tuple | None = None
        self._name_refused = False          # the name field holds a name another layer has
        self._name_before: str | None = None  # the layer's name when the current typing began
        self._typing_name = False
        self._undo_pass_through = UndoPassThrough(self)
        self._build()
        for box in (self.name_edit, self.input_height, self.input_width, self.input_channels):
            box.installEventFilter(self._undo_pass_through)
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
        name_row, name_form = make_form()
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
        self._forms: dict[str, KindForm] = {}
        self._page_index["none"] = self.pages.addWidget(self._build_none())
        self._page_index["input"] = self.pages.addWidget(self._build_input())
        for type_name in type_names():
            self._kind_form(type_name)
        self.pages.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        fields_column.addWidget(self.pages)
        self.field_error = QLabel()
        self.field_error.setObjectName("fieldError")
        self.field_error.setWordWrap(True)
        self.field_error.setStyleSheet("color: #b3261e;")
        self.field_error.hide()
        fields_column.addWidget(self.field_error)
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
        page, form = make_form()
        self.input_height = make_spin("inputHeight", 1, MAX_IMAGE_SIDE, "n_H: the input's height in pixels.")
        self.input_width = make_spin("inputWidth", 1, MAX_IMAGE_SIDE, "n_W: the input's width in pixels.")
        self.input_channels = make_spin("inputChannels", 1, MAX_CHANNELS,
                                        "n_C: the input's channels (3 for RGB, 1 for greyscale).")
        for axis, spin in enumerate((self.input_height, self.input_width, self.input_channels)):
            spin.valueChanged.connect(lambda value, axis=axis: self._on_input_changed(axis, value))
            spin.editingFinished.connect(self._document.end_burst)
            watch_range(spin, ("n_H", "n_W", "n_C")[axis], self._report_range)
        form.addRow("Height n_H", self.input_height)
        form.addRow("Width n_W", self.input_width)
        form.addRow("Channels n_C", self.input_channels)
        return page

    def _kind_form(self, type_name: str) -> KindForm:
        """The form page of a kind, built from its field descriptions the first time it is needed
        (every kind registered when the editor is made gets its page then)."""
        form = self._forms.get(type_name)
        if form is None:
            form = self._forms[type_name] = KindForm(kind_for(type_name), self._set, self._document.end_burst,
                                                     self._report_range)
            for box in form.spin_boxes:
                box.installEventFilter(self._undo_pass_through)
            self._page_index[type_name] = self.pages.addWidget(form.page)
        return form

    # ----- which layer ----------------------------------------------------------------------
    def current_path(self) -> tuple | None:
        return self._path

    def current_index(self):
        """The layer shown: its index in spec.layers at the top level (INPUT for the input), its path
        inside a block; None for nothing."""
        path = self._path
        if path is None:
            return None
        return INPUT if path == () else path[0] if len(path) == 1 else path

    def set_current(self, layer) -> None:
        """Show a layer: a path (() for the input), an index in spec.layers (INPUT for the input), or None
        for nothing."""
        path = _as_path(layer)
        if path and not self._document.has_layer(path):
            path = None
        if path != self._path:
            self._document.end_burst()
            self._clear_name_error()
            self._report_range("", "")
            self._typing_name = False
        self._path = path
        self.refresh()

    def _layer_shown(self) -> bool:
        """A layer (not the input, not nothing) is shown, and it still exists."""
        return bool(self._path) and self._document.has_layer(self._path)

    # ----- showing values -----------------------------------------------------------------
    def refresh(self) -> None:
        path = self._path
        if path and not self._document.has_layer(path):
            path = self._path = None
        summary_row = self._document.summary.row_at(path) if path else self._document.summary.rows[0]
        if path is None or summary_row is None:
            self._show_page("none", None)
            self._title.setText("No layer selected")
            self._icon.clear()
            self.info.setText("")
            self.hint.setText("")
            return
        if path == ():
            self._show_page("input", "input")
            self._title.setText("Input")
            shape = self._document.spec.input.shape
            for spin, value in zip((self.input_height, self.input_width, self.input_channels), shape):
                put_value(spin, value)
        else:
            layer = self._document.layer_at(path)
            form = self._kind_form(layer.type)
            self._show_page(layer.type, layer.type)
            where = f" — in {summary_row.parent} › {summary_row.branch}" if summary_row.parent else ""
            self._title.setText(f"{summary_row.name} · {title(layer.type)}{where}")
            # Keep what the user is typing (a refused name, or spaces the spec strips).
            if not self._name_refused and (self.name_edit.text().strip() or None) != layer.name:
                put_text(self.name_edit, layer.name or "")
            self.name_edit.setPlaceholderText(f"{summary_row.name} (automatic)")
            form.show(layer, summary_row)
        self.info.setText(self._info_html(summary_row))
        self.hint.setText(INPUT_HINT if path == () else self._hint(self._document.layer_at(path).type))

    def _show_page(self, page: str, icon_kind: str | None) -> None:
        self.pages.setCurrentIndex(self._page_index[page])
        self._name_row.setVisible(page not in ("none", "input"))
        if page in ("none", "input"):
            self._clear_name_error()
        if icon_kind:
            self._icon.setPixmap(kind_icon(icon_kind).pixmap(24, 24))

    @staticmethod
    def _hint(type_name: str) -> str:
        return kind_for(type_name).hint if is_registered(type_name) else ""

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

    # ----- edits ------------------------------------------------------------------------------
    def _report_range(self, label: str, message: str) -> None:
        """A number typed out of its field's range: said under the form and in the status bar."""
        if not message:
            self.field_error.clear()
            self.field_error.hide()
            return
        path = self._path
        where = "Input" if path == () else (self._document.name_at(path) if self._layer_shown() else "")
        text = f"{where} {label}: {message}".strip()
        self.field_error.setText(text)
        self.field_error.show()
        self.problem.emit(text)

    def _set(self, field_name: str, value, merge: bool = False) -> None:
        if not self._layer_shown():
            return
        try:
            self._document.set_field_at(self._path, field_name, value, merge=merge)
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

    def _on_name_edited(self, text: str) -> None:
        if not self._layer_shown():
            return
        path = self._path
        if not self._typing_name:   # remember the name to go back to if the typing ends refused
            self._typing_name = True
            self._name_before = self._document.layer_at(path).name
        message = self._document.check_name(path, text)
        if message:
            self._name_refused = True
            self.name_error.setText(message)
            self.name_error.show()
            return
        self._clear_name_error()
        self._set("name", text, merge=True)

    def _on_name_finished(self) -> None:
        if not self._layer_shown():
            return
        path = self._path
        text = self.name_edit.text()
        refusal = self._document.check_name(path, text)
        if refusal is None:
            self._set("name", text, merge=True)
            self._clear_name_error()
        else:
            # Not the half-typed prefix that was valid on the way ("POOL" of "POOL1"): the name it had.
            self._set("name", self._name_before, merge=True)
            self._name_refused = False
            kept = self._document.name_at(path)
            why = f"Kept the name {kept}: {refusal}."
            self.name_error.setText(why)
            self.name_error.show()
            self.problem.emit(why)
        self._typing_name = False
        self._document.end_burst()
        put_text(self.name_edit, self._document.layer_at(path).name or "")

    def _clear_name_error(self) -> None:
        self._name_refused = False
        self.name_error.clear()
        self.name_error.hide()
