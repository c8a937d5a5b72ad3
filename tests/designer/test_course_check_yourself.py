"""Check-yourself mode: hidden cells, typed answers marked right or wrong, the score (pytest-qt)."""
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from designer.design.check_yourself import parse_count, parse_shape
from designer.design.table_model import COL_FORMULA, COL_LAYER, COL_PARAMS, COL_SHAPE, COL_SIZE

CONV2 = 2          # layer index in LeNet-5; table row 3


def type_answer(window, qtbot, row, column, text):
    """Go to the cell, press F2, type, press Enter: what a learner does at the keyboard."""
    view = window.design_tab.table_view
    index = window.design_tab.shape_model.index(row, column)
    view.scrollTo(index)
    view.setFocus()
    view.setCurrentIndex(index)
    qtbot.keyClick(view, Qt.Key.Key_F2)
    editors = [w for w in view.viewport().findChildren(QLineEdit) if w.isVisible()]
    assert len(editors) == 1
    editors[0].selectAll()
    qtbot.keyClicks(editors[0], text)
    qtbot.keyClick(editors[0], Qt.Key.Key_Return)
    # Qt commits the answer and closes the editor on the next turns of the event loop.
    qtbot.waitUntil(lambda: not [w for w in view.viewport().findChildren(QLineEdit) if w.isVisible()])


def test_lenet_conv2_right_and_wrong_answers_and_score(window, qtbot):
    window.files.load_preset("lenet5")
    model = window.design_tab.shape_model
    row = model.row_for_layer(CONV2)
    window.findChild(object, "checkYourselfAction").setChecked(True)
    # Hidden: the learner sees '?' and no formula; the editor with the answers is out of sight.
    assert [model.data(model.index(row, c)) for c in (COL_SHAPE, COL_SIZE, COL_PARAMS)] == ["?", "?", "?"]
    assert "3,216" not in model.data(model.index(row, COL_FORMULA))
    assert not window.design_tab.diagram_pane.isVisible()
    # The status bar's totals would give the parameter count away too.
    assert not window.totals.params_label.isVisible() and not window.totals.memory_label.isVisible()
    check = window.design_tab.check_mode.check

    type_answer(window, qtbot, row, COL_SHAPE, "10x10x16")
    type_answer(window, qtbot, row, COL_SIZE, "1,600")
    type_answer(window, qtbot, row, COL_PARAMS, "3200")
    assert check.verdict(CONV2, COL_SHAPE) is True and check.verdict(CONV2, COL_SIZE) is True
    assert check.verdict(CONV2, COL_PARAMS) is False
    assert model.data(model.index(row, COL_SHAPE)).endswith("✓")
    assert model.data(model.index(row, COL_PARAMS)).endswith("✗")
    tip = model.data(model.index(row, COL_PARAMS), Qt.ItemDataRole.ToolTipRole)
    assert "(5·5·8 + 1)·16 = 3,216" in tip
    assert check.score()[:2] == (2, 3)
    score = window.findChild(object, "checkYourselfScore").text()
    assert "<b>2</b> right" in score and "<b>1</b> wrong" in score

    type_answer(window, qtbot, row, COL_PARAMS, "3,216")
    assert check.score()[:2] == (3, 3)

    # Untick a layer: its numbers come back. Leave the mode: the table is the course table again.
    model.setData(model.index(row, COL_LAYER), Qt.CheckState.Unchecked.value, Qt.ItemDataRole.CheckStateRole)
    assert model.data(model.index(row, COL_PARAMS)) == "3,216"
    window.findChild(object, "checkYourselfAction").setChecked(False)
    assert model.data(model.index(row + 2, COL_PARAMS)) == "48,120"
    assert window.design_tab.diagram_pane.isVisible() and not window.design_tab.check_mode.score_label.isVisible()
    assert window.totals.params_label.isVisible() and window.totals.memory_label.isVisible()


def test_wrong_shape_shows_the_output_size_formula_and_any_preset_works(window):
    window.files.load_preset("example_convnet")
    window.findChild(object, "checkYourselfAction").setChecked(True)
    check = window.design_tab.check_mode.check
    assert check.answer(1, COL_SHAPE, "(16,16,20)") is False      # CONV2: 37 → 17 at stride 2
    model = window.design_tab.shape_model
    tip = model.data(model.index(2, COL_SHAPE), Qt.ItemDataRole.ToolTipRole)
    assert "⌊(37 + 2·0 − 5)/2⌋ + 1 = 17" in tip
    assert check.answer(3, COL_SHAPE, "(1960,1)") is True and check.answer(3, COL_PARAMS, "0") is True
    window.files.load_preset("lenet5")                                    # another design: start over
    assert check.score()[1] == 0 and len(check.hidden_layers()) == 7


def test_parsers():
    assert parse_shape("(10,10,16)") == parse_shape("10 × 10 × 16") == (10, 10, 16)
    assert parse_shape("(120,1)") == parse_shape("120") == (120,)
    assert parse_shape("ten") is None and parse_shape("10x10") is None
    assert parse_count("48,120") == 48120 and parse_count("4.5") is None


def test_hidden_rows_hide_their_macs_too(window):
    # FC3's 48,000 MACs would give its 48,120 parameters away (MACs + units), CONV2's its output size.
    from designer.design.table_model import COL_MACS
    window.files.load_preset("lenet5")
    model = window.design_tab.shape_model
    row = model.row_for_layer(CONV2)
    total = model.rowCount() - 1
    assert model.data(model.index(row, COL_MACS)) == "320,000"
    window.findChild(object, "checkYourselfAction").setChecked(True)
    assert model.data(model.index(row, COL_MACS)) == ""
    assert model.data(model.index(total, COL_MACS)) == ""
    window.design_tab.check_mode.check.set_hidden(CONV2, False)
    assert model.data(model.index(row, COL_MACS)) == "320,000"


def test_check_yourself_asks_the_inner_rows_of_blocks(window):
    window.files.load_preset("resnet_small")
    window.findChild(object, "checkYourselfAction").setChecked(True)
    check = window.design_tab.check_mode.check
    model = window.design_tab.shape_model
    summary = window.document.summary
    assert check.hidden_layers() == {row.path for row in summary.rows[1:]}      # every row, inner ones too
    conv = (3, 0, 0)                                                        # RES2's first conv: 32 → 16, 32 filters
    row = model.row_for_layer(conv)
    assert [model.data(model.index(row, c)) for c in (COL_SHAPE, COL_SIZE, COL_PARAMS)] == ["?", "?", "?"]
    assert check.answer(conv, COL_SHAPE, "16x16x32") is True
    assert check.answer(conv, COL_PARAMS, "4,640") is False                 # no biases: 3·3·16·32 = 4,608
    assert "3·3·16·32 = 4,608" in model.data(model.index(row, COL_PARAMS), Qt.ItemDataRole.ToolTipRole)
    # The block's own row: its parameters are its inner layers' together.
    block = model.row_for_layer((3,))
    assert check.answer((3,), COL_PARAMS, "14,528") is True
    assert check.answer((3,), COL_SHAPE, "(16,16,32)") is True
    check.answer((3,), COL_SIZE, "100")
    assert "16·16·32 = 8,192" in model.data(model.index(block, COL_SIZE), Qt.ItemDataRole.ToolTipRole)
    assert check.score()[:2] == (3, 5)
    # A batch norm's parameters are γ and β per channel.
    bn = (3, 0, 1)
    assert check.answer(bn, COL_PARAMS, "32") is False
    assert "2·32 = 64" in model.data(model.index(model.row_for_layer(bn), COL_PARAMS), Qt.ItemDataRole.ToolTipRole)
