"""Issue 15 outside the Train tab: keyboard, a 1024×640 window, help, tooltips and the rough edges a
newcomer hits on the Design and Inside tabs."""
from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (QAbstractButton, QAbstractSpinBox, QApplication, QComboBox, QLabel, QLineEdit,
                               QSpinBox, QTabBar, QWidget)

from engine.spec import load_spec

from designer.help_dialogs import shortcut_rows
from designer.design.views import EMPTY_DESIGN_HINT

SMALL = (1024, 640)


def keys_of(window, name):
    return [s.toString() for s in window.menus.actions[name].shortcuts()]


def small_lenet(window, qtbot):
    window.files.load_preset("lenet5")
    window.resize(*SMALL)
    qtbot.waitUntil(lambda: window.size().width() == SMALL[0] and window.size().height() == SMALL[1])
    QApplication.processEvents()
    qtbot.wait(50)   # the splitters are fitted on the next turn of the event loop
    QApplication.processEvents()


# ----- keyboard -----------------------------------------------------------------------------------------
def test_standard_shortcuts_are_bound(window):
    assert "Ctrl+Q" in keys_of(window, "quit")
    assert window.menus.actions["quit"].toolTip() == "Close CNN Designer (Ctrl+Q)"
    assert set(keys_of(window, "redo")) >= {"Ctrl+Shift+Z", "Ctrl+Y"}
    tour = window.findChild(object, "quickTourAction")
    assert "F1" in [s.toString() for s in tour.shortcuts()]


def test_alt_up_on_the_first_layer_keeps_it_selected(window, qtbot):
    window.files.load_preset("lenet5")
    window.activateWindow()
    qtbot.waitActive(window)
    window.design_tab.select_layer(0)
    window.design_tab.layer_view.setFocus()
    qtbot.keyClick(window.design_tab.layer_view, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    assert window.design_tab.selected_layer() == 0
    qtbot.keyClick(window.design_tab.layer_view, Qt.Key.Key_Delete)   # so Delete right after removes CONV1
    assert len(window.document.spec.layers) == 6 and window.document.layer_names()[0] == "POOL1"


def test_tab_walks_from_the_list_to_the_property_editor(window, qtbot):
    window.files.load_preset("lenet5")
    window.activateWindow()
    qtbot.waitActive(window)
    window.design_tab.select_layer(0)
    window.design_tab.layer_view.setFocus()
    seen = []
    for _ in range(12):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        seen.append(QApplication.focusWidget())
        if window.design_tab.editor.isAncestorOf(seen[-1]):
            break
    assert window.design_tab.editor.isAncestorOf(seen[-1]), [w.objectName() for w in seen]
    assert seen.count(window.design_tab.table_view) == 1        # Tab never stays in the table
    assert seen[-1].objectName() == "layerName"
    assert window.design_tab.table_view.tabKeyNavigation() is False


# ----- 1024×640 -----------------------------------------------------------------------------------------
def test_the_whole_lenet_table_fits_a_1024_by_640_window(window, qtbot):
    small_lenet(window, qtbot)
    view = window.design_tab.table_view
    model = view.model()
    viewport = view.viewport().rect()
    assert model.rowCount() == 9
    for row in range(model.rowCount()):   # Input … Softmax and Total, each wholly in view
        rect = view.visualRect(model.index(row, 0))
        assert viewport.contains(rect), (row, rect, viewport)
    header = view.horizontalHeader()
    right_edge = sum(header.sectionSize(c) for c in range(header.count()) if not header.isSectionHidden(c))
    assert right_edge <= viewport.width() and not view.horizontalScrollBar().isVisible()   # Formula not cut
    formula = header.count() - 1
    widest = max(view.fontMetrics().horizontalAdvance(texts[formula]) for texts in model.display_rows())
    assert header.sectionSize(formula) > widest
    editor = window.design_tab.editor
    assert editor.isVisible() and editor.visibleRegion().boundingRect().height() > 100


def test_the_property_editor_collapses_and_comes_back(window, qtbot):
    small_lenet(window, qtbot)
    editor_pane = window.design_tab.right_splitter.widget(1)
    action = window.findChild(object, "editorAction")
    action.setChecked(False)
    assert not editor_pane.isVisible()
    action.setChecked(True)
    assert editor_pane.isVisible()


def test_inside_tabs_need_no_outer_scrollbar(window, qtbot):
    small_lenet(window, qtbot)
    window.tabs.setCurrentIndex(2)
    page = window.tabs.currentWidget()
    for index in range(window.inside_tab.count()):
        window.inside_tab.setCurrentIndex(index)
        QApplication.processEvents()
        assert not page.verticalScrollBar().isVisible(), window.inside_tab.tabText(index)
    window.inside_tab.setCurrentWidget(window.inside_tab.playground)
    QApplication.processEvents()
    export = window.inside_tab.playground.export_button
    assert export.isVisible()
    top_left = export.mapTo(window, export.rect().topLeft())
    assert QRect(top_left, export.size()).bottom() < window.statusBar().mapTo(window, window.statusBar().rect().topLeft()).y()


# ----- tooltips -----------------------------------------------------------------------------------------
def _qt_internal(widget: QWidget) -> bool:
    """Parts Qt builds inside its own widgets (a spin box's line edit, a tab bar's scroll arrows, a line
    edit's clear button, a dock's float button): they are not controls of the app."""
    parent = widget.parentWidget()
    return widget.objectName().startswith("qt_") or isinstance(parent, (QTabBar, QLineEdit, QAbstractSpinBox))


def test_every_control_has_a_tooltip(window):
    window.files.load_preset("lenet5")
    missing = []
    for cls in (QAbstractButton, QComboBox, QAbstractSpinBox, QLineEdit):
        for widget in window.findChildren(cls):
            if not _qt_internal(widget) and not widget.toolTip().strip():
                missing.append(f"{type(widget).__name__} {widget.objectName() or widget.text() if hasattr(widget, 'text') else ''}")
    assert not missing, missing


# ----- help ---------------------------------------------------------------------------------------------
def test_f1_opens_the_illustrated_quick_tour(window, qtbot):
    window.files.load_preset("lenet5")
    window.findChild(object, "quickTourAction").trigger()
    dialog = window.help.tour_dialog
    qtbot.waitExposed(dialog)
    text = dialog.browser.toPlainText()
    for section in ("Design", "Train", "Inside"):
        assert section in text
    assert dialog.picture_count == 4   # one picture of each tab, rendered from the window
    dialog.close()


def test_keyboard_shortcuts_come_from_the_actions(window):
    rows = shortcut_rows(window)
    by_name = {name: keys for keys, name, _ in rows}
    assert by_name["Quit"] == "Ctrl+Q"
    assert "Ctrl+Y" in by_name["Redo"] and "Ctrl+Shift+Z" in by_name["Redo"]
    assert by_name["Quick tour"].split(" or ")[0] == "F1"
    # A new action with keys shows up without anyone editing the help.
    action = window.design_tab.actions["duplicate"]
    action.setShortcut(QKeySequence("Ctrl+Alt+D"))
    assert ("Ctrl+Alt+D", "Duplicate") in [(k, n) for k, n, _ in shortcut_rows(window)]
    window.findChild(object, "shortcutsAction").trigger()
    assert "Ctrl+Alt+D" in window.help.shortcuts_dialog.browser.toPlainText()
    window.help.shortcuts_dialog.close()


def test_an_empty_design_says_how_to_add_a_first_layer(window):
    window.files.new_design()
    assert window.design_tab.layer_view.hint_text() == EMPTY_DESIGN_HINT and "Conv" in EMPTY_DESIGN_HINT
    window.design_tab.add_layer("conv")
    assert window.design_tab.layer_view.hint_text() == ""


# ----- rough edges --------------------------------------------------------------------------------------
def test_the_last_fc_layer_can_be_made_the_softmax_output_in_one_click(window, qtbot):
    window.files.new_design()
    for kind in ("conv", "pool", "dense", "dense"):
        window.design_tab.add_layer(kind)
    hint = window.design_tab.output_hint
    assert hint.isVisible() and "softmax" in hint.label.text()
    last_name = window.document.layer_names()[-1]
    assert hint.button.text() == f"Make {last_name} the softmax output (10 classes)"
    qtbot.mouseClick(hint.button, Qt.MouseButton.LeftButton)
    last = window.document.spec.layers[-1]
    assert (last.type, last.activation, last.units) == ("dense", "softmax", 10)
    assert not hint.isVisible()
    window.document.undo_stack.undo()   # one edit: one undo
    assert window.document.spec.layers[-1].activation == "relu" and hint.isVisible()


def test_a_design_ending_in_pooling_gets_a_softmax_layer_appended(window, qtbot):
    window.files.new_design()
    window.design_tab.add_layer("conv")
    window.design_tab.add_layer("pool")
    hint = window.design_tab.output_hint
    assert hint.button.text() == "Add a softmax output layer (10 classes)"
    hint.apply_fix()
    assert len(window.document.spec.layers) == 3 and window.document.spec.layers[-1].activation == "softmax"


def test_stride_zero_is_refused_where_it_is_typed(window, qtbot):
    window.files.load_preset("lenet5")
    window.activateWindow()
    qtbot.waitActive(window)
    window.design_tab.select_layer(0)
    stride = window.findChild(QSpinBox, "convStride")
    stride.setFocus()
    stride.selectAll()
    qtbot.keyClicks(stride, "0")
    error = window.findChild(QLabel, "fieldError")
    assert not error.isHidden() and "CONV1 Stride s: 0 is out of range" in error.text()
    assert "background: #fde7e7" in stride.styleSheet()       # the box itself turns red
    assert window.statusBar().currentMessage() == error.text()
    qtbot.keyClick(stride, Qt.Key.Key_Return)
    assert stride.value() == 1 and stride.text() == "1" and window.document.spec.layers[0].stride == 1
    assert "refused, kept 1" in error.text() and stride.styleSheet() == ""


def test_playground_p_shows_the_real_p(window):
    playground = window.inside_tab.playground
    playground.set_padding("same")          # f = 3: p = 1
    assert playground.padding_spin.value() == 1 and not playground.padding_spin.isEnabled()
    playground.set_padding(2)
    playground.set_padding("valid")
    assert playground.padding_spin.value() == 0      # not the stale 2
    playground.padding_combo.setCurrentIndex(playground.padding_combo.findData("number"))
    assert playground.padding_spin.value() == 2      # the user's own p is back
    playground.size_spin.setValue(7)
    playground.set_padding("valid")
    assert "7×7" in playground.error_text() and "7x7" not in playground.error_text()


def test_status_bar_follows_the_edits(window):
    window.files.new_design()
    assert window.statusBar().currentMessage() == "New design"
    window.design_tab.add_layer("conv")
    assert window.statusBar().currentMessage() == "Add CONV1"
    window.document.undo_stack.undo()
    assert window.statusBar().currentMessage() == "Undid: Add CONV1"


def test_new_design_is_untitled_and_summary_prints_the_title(window, tmp_path, dialogs):
    window.files.new_design()
    assert window.document.spec.name == "Untitled"
    window.design_tab.add_layer("conv")
    path = tmp_path / "net.json"
    assert window.files.save_file(path)
    from engine.cli import main
    import contextlib
    import io
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["summary", str(path)]) == 0
    assert out.getvalue().splitlines()[0].startswith("Untitled")
    assert load_spec(path).name == "Untitled"


def test_first_save_suggests_the_design_name_in_the_last_used_folder(window, tmp_path):
    folder = tmp_path / "designs"
    folder.mkdir()
    window.files.load_preset("lenet5")
    window.files.save_file(folder / "first.json")
    window.files.load_preset("example_convnet")
    suggested = window.files.suggested_save_path()
    assert suggested.parent == folder and suggested.suffix == ".json"
    assert suggested.stem == window.files.suggested_name() and suggested.stem != "design"
    window.files.new_design()
    assert window.files.suggested_save_path() == folder / "Untitled.json"


def test_export_png_confirms_in_the_status_bar(window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog
    target = tmp_path / "playground.png"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    window.tabs.setCurrentIndex(2)
    window.inside_tab.setCurrentWidget(window.inside_tab.playground)
    QApplication.processEvents()
    window.inside_tab.playground.export_button.click()
    assert target.exists() and target.stat().st_size > 0
    message = window.statusBar().currentMessage()
    assert str(target) in message and message.startswith("Exported")


def test_predictions_export_carries_the_accuracy_line(qtbot, tmp_path):
    from PySide6.QtGui import QImage
    from engine.data import load_dataset
    from engine.network import Network
    from engine.resources import preset_path
    from designer.inside.predictions import PredictionsView
    view = PredictionsView()
    qtbot.addWidget(view)
    view.resize(900, 600)
    view.show()
    qtbot.waitExposed(view)
    view.set_dataset(load_dataset("digits"))
    view.set_network(Network.from_spec(load_spec(preset_path("digits_net")), seed=0))
    path = tmp_path / "predictions.png"
    width, height = view.export_png(path)
    image = QImage(str(path))
    assert (image.width(), image.height()) == (width, height)
    plain = view.splitter.grab().toImage()
    # Taller than the views alone by the caption band and margins; wider by the margins.
    assert height >= plain.height() + 30 and width == plain.width() + 20
    assert "Test accuracy" in view.summary.text()
    # The band at the top is not blank: the accuracy line is drawn there.
    band = [image.pixelColor(x, y).lightness() for y in range(8, 28) for x in range(10, min(300, width))]
    assert min(band) < 128
