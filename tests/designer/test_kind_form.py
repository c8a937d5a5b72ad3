"""A kind the designer has never heard of (the toy "scale" kind of tests/engine/test_kinds.py) gets a
working form, an add button, an icon and a list entry from its engine description alone."""
from __future__ import annotations

import pytest
from PySide6.QtWidgets import QDoubleSpinBox, QLabel, QToolButton

from designer.document import DesignDocument
from designer.design.field_form import widget_name
from designer.design.kind_visuals import add_tooltip, describe, kind_icon, kind_types, title
from designer.main_window import MainWindow
from designer.design.property_editor import PropertyEditor
from engine import NetworkSpec
from engine.kinds import register, unregister
from tests.engine.test_kinds import TOY_DOC, ScaleKind, ScaleSpec


@pytest.fixture
def scale_kind():
    kind = register(ScaleKind())
    yield kind
    unregister("scale")


@pytest.fixture
def toy_document(scale_kind, qapp):
    document = DesignDocument()
    document.load(NetworkSpec.from_dict(TOY_DOC))
    return document


def test_the_editor_shows_and_edits_the_toy_kinds_field(toy_document, qtbot):
    editor = PropertyEditor(toy_document)
    qtbot.addWidget(editor)
    editor.set_current(1)   # the scale layer
    factor = editor.pages.currentWidget().findChild(QDoubleSpinBox, "scaleFactor")
    assert factor is not None and factor.value() == 1.5
    assert (factor.minimum(), factor.maximum(), factor.singleStep(), factor.decimals()) == (0.0, 10.0, 0.5, 1)
    assert factor.toolTip() == "The fixed factor in front."
    assert editor.findChild(QLabel, "editorTitle").text() == "SCALE1 · Scale layer"
    assert editor.findChild(QLabel, "layerHint").text() == "Multiplies each channel by factor · w, with w learned."

    factor.setValue(2.5)
    assert toy_document.layer(1) == ScaleSpec(2.5)
    assert toy_document.summary.rows[2].formula == "2.5·w·x; 3 weights"
    assert "2.5·w·x; 3 weights" in editor.findChild(QLabel, "layerInfo").text()
    toy_document.undo_stack.undo()
    assert toy_document.layer(1).factor == 1.5 and factor.value() == 1.5


def test_the_toy_kind_gets_visual_defaults(toy_document, qapp):
    assert title("scale") == "Scale layer"
    assert describe(toy_document.layer(1)) == "factor 1.5"
    assert not kind_icon("scale").isNull()
    assert widget_name("scale", "factor") == "scaleFactor"


def test_a_window_made_with_the_toy_kind_registered_can_add_one(scale_kind, qtbot):
    window = MainWindow()
    qtbot.addWidget(window)
    button = window.findChild(QToolButton, "addScaleButton")
    assert button is not None and button.text() == "Scale"
    # The kind's hint is its one description: under the form and on its add button.
    assert button.toolTip().startswith("Add a scale layer after the selected layer. Multiplies each channel by")
    button.click()
    assert window.document.spec.layers[-1] == ScaleSpec(1.0)
    assert window.findChild(QDoubleSpinBox, "scaleFactor").value() == 1.0
    window.document.undo_stack.setClean()


@pytest.mark.parametrize("kind", kind_types())
def test_every_add_button_says_what_its_kind_computes_in_the_kinds_own_words(kind, qapp):
    from engine.kinds import kind_for
    assert add_tooltip(kind) == f"Add a {title(kind).lower()} after the selected layer. {kind_for(kind).hint}"
