"""Fuzzing the window: random text and values into every field widget of every kind of layer (and the
input), then undo; and File › Open with mutated design files. The window never raises (no exception
escapes a slot), a refused value is said in one line, undo brings the design back exactly, and a file that
can't be opened shows one message and leaves the open design as it was (pytest-qt + Hypothesis,
derandomized)."""
from __future__ import annotations

import contextlib
import os
import json
import sys
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtWidgets import QAbstractSpinBox, QComboBox, QDoubleSpinBox, QLineEdit, QSpinBox, QWidget

from designer.design.property_editor import INPUT
from engine.kinds import type_names
from engine.spec import FORMAT, NetworkSpec

FUZZ = settings(derandomize=True, database=None, deadline=None, max_examples=int(os.environ.get("CNN_FUZZ_EXAMPLES", "60")),
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

# A design with a layer of every kind, so every form page gets fuzzed.
BASE = NetworkSpec.from_dict({
    "format": FORMAT, "name": "fuzz base", "input": {"shape": [28, 28, 1]},
    "layers": [{"type": "conv", "filters": 4, "size": 3, "stride": 1, "padding": "same", "activation": "relu"},
               {"type": "batchnorm", "activation": "relu"},
               {"type": "pool", "mode": "max", "size": 2, "stride": 2},
               {"type": "depthwise", "size": 3, "padding": "same", "multiplier": 2},
               {"type": "residual", "layers": [{"type": "conv", "filters": 8, "size": 3, "padding": "same",
                                                "activation": "linear", "bias": False},
                                               {"type": "batchnorm"}]},
               {"type": "concat", "branches": [[{"type": "conv", "filters": 4, "size": 1}], []]},
               {"type": "conv", "filters": 6, "size": 3, "stride": 1, "padding": 1, "activation": "tanh"},
               {"type": "globalpool", "mode": "avg"},
               {"type": "flatten"},
               {"type": "dropout", "rate": 0.25},
               {"type": "dense", "units": 10, "activation": "softmax"}]})
assert {layer.type for layer in BASE.layers} == set(type_names())


@contextlib.contextmanager
def escaped_exceptions():
    """Collect every exception that escapes a slot (PySide reports them through sys.excepthook)."""
    caught = []
    previous = sys.excepthook
    sys.excepthook = lambda kind, exc, tb: caught.append(exc)
    try:
        yield caught
    finally:
        sys.excepthook = previous


odd_text = st.one_of(st.text(st.characters(exclude_categories=()), max_size=10),
                     st.sampled_from(["", " ", "-1", "0", "1e9", "99999999999", "nan", "inf", "3.5", "Input",
                                      "CONV1", "POOL1", "\x00", "\u202e", "名前", "1,000", "valid", "same",
                                      "custom", "softmax", "max"]))
numbers = st.one_of(st.integers(-10, 40), st.integers(-2 ** 31, 2 ** 31 - 1),
                    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12))

# One step: (which row: -1 the input or a layer index, which widget on its page, what to do, a value).
steps = st.tuples(st.integers(-1, len(BASE.layers) - 1), st.integers(0, 20),
                  st.sampled_from(["value", "text", "index", "step"]), st.one_of(odd_text, numbers))


def field_widgets(window) -> list:
    """The editor's live field widgets on the shown page, and the name field."""
    page = window.design_tab.editor.pages.currentWidget()
    found = [w for w in page.findChildren(QWidget) if isinstance(w, (QAbstractSpinBox, QComboBox, QLineEdit))
             and w.isEnabled() and not isinstance(w.parent(), (QAbstractSpinBox, QComboBox))]
    if window.design_tab.editor.name_edit.isVisible():
        found.append(window.design_tab.editor.name_edit)
    return found


def poke(widget, action: str, value) -> None:
    """Do to `widget` what a user could: set a value, type text and press Enter, pick an entry, step."""
    if isinstance(widget, (QSpinBox, QDoubleSpinBox)):
        if action == "value" and isinstance(value, (int, float)):
            # A spin box holds a C int: that is all a user can put in one.
            widget.setValue(max(-2 ** 31, min(2 ** 31 - 1, int(value))) if isinstance(widget, QSpinBox)
                            else float(value))
        elif action == "step":
            widget.stepBy(int(value) % 7 - 3 if isinstance(value, (int, float)) else 1)
        else:
            widget.lineEdit().setText(str(value))
            widget.interpretText()
            widget.editingFinished.emit()
    elif isinstance(widget, QComboBox):
        if action == "index" and isinstance(value, (int, float)):
            widget.setCurrentIndex(int(value) % max(1, widget.count()))
        else:
            widget.setCurrentText(str(value))
    else:
        text = str(value)
        widget.setText(text)
        widget.textEdited.emit(text)
        widget.editingFinished.emit()


@FUZZ
@given(actions=st.lists(steps, min_size=1, max_size=6))
def test_random_values_in_every_field_then_undo(window, actions):
    window.document.load(BASE)
    stack = window.document.undo_stack
    with escaped_exceptions() as caught:
        for row, which, action, value in actions:
            window.design_tab.select_layer(INPUT if row < 0 else row)
            widgets = field_widgets(window)
            if widgets:
                poke(widgets[which % len(widgets)], action, value)
            message = window.statusBar().currentMessage()
            assert "\n" not in message and "Traceback" not in message
            summary = window.document.summary                 # the table is always computable
            assert len(summary.top_level_rows) == len(window.document.spec.layers) + 1
        while stack.canUndo():
            stack.undo()
    assert caught == []
    assert window.document.spec.to_dict() == BASE.to_dict()
    assert not window.document.is_modified


# ----- File › Open --------------------------------------------------------------------------------------

json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), numbers, odd_text),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(odd_text, inner, max_size=3)),
    max_leaves=8)


@st.composite
def mutated_design_texts(draw) -> str:
    """BASE's JSON with fields replaced, removed or added, layers wrapped in deep nesting, or its text cut."""
    doc = BASE.to_dict()
    for _ in range(draw(st.integers(1, 3))):
        target = draw(st.sampled_from(["top", "input", "layer"]))
        holder = doc if target == "top" else doc.get("input") if target == "input" else None
        if target == "layer" and isinstance(doc.get("layers"), list) and doc["layers"]:
            holder = draw(st.sampled_from(doc["layers"]))
        if not isinstance(holder, dict):
            continue
        how = draw(st.sampled_from(["set", "remove", "add", "nest"]))
        keys = sorted(holder) or ["format"]
        key = draw(st.sampled_from(keys))
        if how == "set":
            holder[key] = draw(json_values)
        elif how == "remove":
            holder.pop(key, None)
        elif how == "add":
            holder[draw(odd_text)] = draw(json_values)
        else:
            nested = holder.get(key)
            for _ in range(draw(st.sampled_from([2, 50, 5000]))):
                nested = [nested]
            holder[key] = nested
    try:
        text = json.dumps(doc, allow_nan=True)
    except (RecursionError, ValueError):
        text = "[" * 100_000
    if draw(st.booleans()) and draw(st.booleans()):
        text = text[:draw(st.integers(0, len(text)))]
    return text


@FUZZ
@given(text=mutated_design_texts())
def test_file_open_with_mutated_design_files(window, dialogs, text):
    window.files.load_preset("lenet5")
    before = window.document.spec.to_dict()
    dialogs.errors.clear()
    with tempfile.TemporaryDirectory() as folder, escaped_exceptions() as caught:
        path = Path(folder) / "design.json"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        opened = window.files.open_file(path)
    assert caught == []
    if opened:
        assert dialogs.errors == [] and window.document.file_path == path
    else:
        assert len(dialogs.errors) == 1
        title, message = dialogs.errors[0]
        assert title == "Could not open the file" and message and "\n" not in message
        assert window.document.spec.to_dict() == before               # the open design is kept
