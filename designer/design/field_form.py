"""One form page per layer kind, built from the kind's field descriptions (engine.kinds.FieldInfo).

Each field gets the widget its description asks for — "int" a spin box, "float" a decimal spin
box, "choice" a combo box, "padding" the valid / same / custom combo with a p spin box, "text" a line
edit, "bool" a check box (on the row of the field before it) — named `<type><Field>` (convFilters,
poolMode, dropoutRate, ...; the padding's p box adds "Value"). Edits go to `set_field(name, value, merge)`;
spin boxes merge digit-by-digit typing into one undo step and call `end_burst()` when editing finishes.
"""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractSpinBox, QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QHBoxLayout,
                               QLabel, QLineEdit, QSpinBox, QWidget)

from engine.kinds import FieldInfo, LayerKind
from engine.kinds.checks import MAX_PADDING, PADDING_WORDS

SetField = Callable[..., None]   # set_field(name, value, merge=False)
# report(field label, message): a typed value out of the field's range ("" when the field is fine again)
ReportRange = Callable[[str, str], None]
OUT_OF_RANGE_STYLE = "QAbstractSpinBox { background: #fde7e7; color: #b3261e; }"

PADDING_CHOICES = PADDING_WORDS + ("custom",)
PADDING_VALUE_TIP = "p: rows and columns of zeros added on each side."
INT_LIMIT = 2_147_483_647        # a QSpinBox holds a C int


def make_form() -> tuple[QWidget, QFormLayout]:
    page = QWidget()
    form = QFormLayout(page)
    form.setContentsMargins(0, 0, 0, 0)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
    form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return page, form


def make_spin(name: str, low: int, high: int, tip: str, suffix: str = "") -> QSpinBox:
    spin = QSpinBox()
    spin.setObjectName(name)
    spin.setRange(int(low), int(min(high, INT_LIMIT)))
    spin.setToolTip(tip)
    spin.setAccelerated(True)
    spin.setSuffix(suffix)
    spin.setGroupSeparatorShown(True)
    spin.setMinimumWidth(110)
    return spin


def make_combo(name: str, items, tip: str) -> QComboBox:
    combo = QComboBox()
    combo.setObjectName(name)
    combo.addItems(list(items))
    combo.setToolTip(tip)
    combo.setMinimumWidth(110)
    return combo


# Programmatic updates must not come back as edits, and must not move a cursor needlessly.
def put_value(spin, value) -> None:
    if spin.value() != value:
        spin.blockSignals(True)
        spin.setValue(value)
        spin.blockSignals(False)


def put_combo(combo: QComboBox, text: str) -> None:
    if combo.currentText() != text:
        combo.blockSignals(True)
        combo.setCurrentText(text)
        combo.blockSignals(False)


def put_text(edit: QLineEdit, text: str) -> None:
    if edit.text() != text:
        edit.blockSignals(True)
        edit.setText(text)
        edit.blockSignals(False)


def typed_number(spin):
    """The number typed in `spin` as it stands (maybe out of range, so not yet its value), or None."""
    text = spin.cleanText().replace(spin.locale().groupSeparator(), "").replace(",", "").strip()
    try:
        return float(text) if isinstance(spin, QDoubleSpinBox) else int(text)
    except ValueError:
        return None


def watch_range(spin, label: str, report: ReportRange) -> None:
    """Refuse an out-of-range number visibly where it is typed: the box turns red and `report` says why
    while typing; when editing ends the box goes back to its value and `report` says what was kept.
    (Qt keeps such text as "intermediate" and silently keeps the old value.)"""
    def describe(value) -> str:
        low, high = spin.minimum(), spin.maximum()
        fmt = (lambda v: f"{v:g}") if isinstance(spin, QDoubleSpinBox) else (lambda v: f"{v:,}")
        return f"{fmt(value)} is out of range; it must be {fmt(low)} to {fmt(high)}"

    refused = []   # the out-of-range number being typed, if any

    def check(_text) -> None:
        value = typed_number(spin)
        bad = value is not None and not spin.minimum() <= value <= spin.maximum()
        refused[:] = [value] if bad else []
        spin.setStyleSheet(OUT_OF_RANGE_STYLE if bad else "")
        report(label, describe(value) if bad else "")

    def finished() -> None:
        if refused:   # Qt has put the old value back by now
            value = refused.pop()
            spin.setStyleSheet("")
            kept = f"{spin.value():g}" if isinstance(spin, QDoubleSpinBox) else f"{spin.value():,}"
            report(label, f"{describe(value)} — refused, kept {kept}")

    # The line edit's textEdited: what the user types (the spin box's own textChanged stays quiet for
    # out-of-range, "intermediate", text).
    spin.lineEdit().textEdited.connect(check)
    spin.editingFinished.connect(finished)


def widget_name(type_name: str, field_name: str) -> str:
    """"conv", "filters" → "convFilters"."""
    return f"{type_name}{field_name[:1].upper()}{field_name[1:]}"


class KindForm:
    """The form page of one kind. `page` is the widget; `show(layer, row)` puts a layer's values in."""

    def __init__(self, kind: LayerKind, set_field: SetField, end_burst: Callable[[], None],
                 report_range: ReportRange | None = None):
        self.kind = kind
        self._set_field = set_field
        self._end_burst = end_burst
        self._report_range = report_range
        self._show: list[Callable] = []   # show(layer, summary_row) per field
        self.spin_boxes: list[QAbstractSpinBox] = []   # every number box of the form
        infos = kind.editable_fields()
        if not infos:
            self.page = QLabel(f"A {kind.type_name} layer has no settings.")
            self.page.setWordWrap(True)
            return
        self.page, form = make_form()
        rows: list[list] = []          # [label, [widgets]] per form row
        for info in infos:
            widget = getattr(self, f"_add_{info.widget}", None)
            if widget is None:
                raise ValueError(f"{kind.type_name}.{info.name}: unknown widget {info.widget!r}")
            made = widget(info)
            if info.widget == "bool" and rows:
                made.setText(info.label)      # a check box shares the row of the field before it
                rows[-1][1].append(made)
            else:
                rows.append([info.label, [made]])
        for label, widgets in rows:
            if len(widgets) == 1:
                form.addRow(label, widgets[0])
                continue
            row_widget = QWidget()
            row_layout = QHBoxLayout(row_widget)
            row_layout.setContentsMargins(0, 0, 0, 0)
            for made in widgets:
                row_layout.addWidget(made)
            form.addRow(label, row_widget)

    def show(self, layer, summary_row) -> None:
        for show in self._show:
            show(layer, summary_row)

    # ----- one widget per FieldInfo.widget --------------------------------------------------------
    def _name(self, info: FieldInfo) -> str:
        return widget_name(self.kind.type_name, info.name)

    def _add_int(self, info: FieldInfo) -> QWidget:
        low = 0 if info.low is None else info.low
        spin = make_spin(self._name(info), low, INT_LIMIT if info.high is None else info.high, info.tooltip)
        self.spin_boxes.append(spin)
        spin.valueChanged.connect(lambda value, f=info.name: self._set_field(f, value, merge=True))
        spin.editingFinished.connect(self._end_burst)
        self._watch(spin, info.label)
        self._show.append(lambda layer, row: put_value(spin, getattr(layer, info.name)))
        return spin

    def _watch(self, spin, label: str) -> None:
        if self._report_range is not None:
            watch_range(spin, label, self._report_range)

    def _add_float(self, info: FieldInfo) -> QWidget:
        spin = QDoubleSpinBox()
        spin.setObjectName(self._name(info))
        self.spin_boxes.append(spin)
        decimals = 2 if info.decimals is None else info.decimals
        spin.setDecimals(decimals)
        spin.setRange(0.0 if info.low is None else info.low, 1e9 if info.high is None else info.high)
        spin.setSingleStep(0.1 if info.step is None else info.step)
        spin.setMinimumWidth(110)
        spin.setToolTip(info.tooltip)
        # The spin box shows `decimals` places; rounding a little finer keeps 0.25 from being 0.2500000001.
        spin.valueChanged.connect(
            lambda value, f=info.name: self._set_field(f, round(value, decimals + 2), merge=True))
        spin.editingFinished.connect(self._end_burst)
        self._watch(spin, info.label)
        self._show.append(lambda layer, row: put_value(spin, getattr(layer, info.name)))
        return spin

    def _add_choice(self, info: FieldInfo) -> QWidget:
        combo = make_combo(self._name(info), info.choices, info.tooltip)
        combo.currentTextChanged.connect(lambda text, f=info.name: self._set_field(f, text))
        self._show.append(lambda layer, row: put_combo(combo, getattr(layer, info.name)))
        return combo

    def _add_text(self, info: FieldInfo) -> QWidget:
        edit = QLineEdit()
        edit.setObjectName(self._name(info))
        edit.setToolTip(info.tooltip)
        edit.setMinimumWidth(110)
        edit.textEdited.connect(lambda text, f=info.name: self._set_field(f, text, merge=True))
        edit.editingFinished.connect(self._end_burst)
        self._show.append(lambda layer, row: put_text(edit, str(getattr(layer, info.name) or "")))
        return edit

    def _add_bool(self, info: FieldInfo) -> QWidget:
        box = QCheckBox()
        box.setObjectName(self._name(info))
        box.setToolTip(info.tooltip)
        box.toggled.connect(lambda checked, f=info.name: self._set_field(f, bool(checked)))

        def show(layer, row) -> None:
            if box.isChecked() != bool(getattr(layer, info.name)):
                box.blockSignals(True)
                box.setChecked(bool(getattr(layer, info.name)))
                box.blockSignals(False)

        self._show.append(show)
        return box

    def _add_padding(self, info: FieldInfo) -> QWidget:
        """"valid" / "same" / custom p: a combo and a p spin box that is live only for custom."""
        combo = make_combo(self._name(info), PADDING_CHOICES, info.tooltip)
        value = make_spin(self._name(info) + "Value", 0, MAX_PADDING, PADDING_VALUE_TIP)
        value.setMinimumWidth(70)
        self.spin_boxes.append(value)

        def on_choice(choice: str) -> None:
            value.setEnabled(choice == "custom")
            self._set_field(info.name, value.value() if choice == "custom" else choice)

        def on_value(p: int) -> None:
            if combo.currentText() == "custom":
                self._set_field(info.name, p, merge=True)

        def show(layer, row) -> None:
            padding = getattr(layer, info.name)
            choice = padding if isinstance(padding, str) else "custom"
            put_combo(combo, choice)
            value.setEnabled(choice == "custom")
            if isinstance(padding, int):
                put_value(value, padding)
            elif row.padding is not None:     # show the p that "same" resolves to
                put_value(value, row.padding)

        combo.currentTextChanged.connect(on_choice)
        value.valueChanged.connect(on_value)
        value.editingFinished.connect(self._end_burst)
        self._watch(value, "p")
        self._show.append(show)
        row_widget = QWidget()
        row_layout = QHBoxLayout(row_widget)
        row_layout.setContentsMargins(0, 0, 0, 0)
        row_layout.addWidget(combo)
        row_layout.addWidget(QLabel("p ="))
        row_layout.addWidget(value)
        return row_widget
