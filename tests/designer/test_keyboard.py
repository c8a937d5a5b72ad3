"""Issue 21, point 2: the keyboard gets everywhere — Tab leaves the playgrounds' number grids, no invisible Tab
stops, Enter / F2 goes from the layer list to the form, Train / Pause / Stop have keys, the shortcuts list
names keys as they are printed on the keyboard, and the F1 tour mentions Check yourself and Course examples."""
from __future__ import annotations

import pyqtgraph as pg
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QScrollArea

from designer.help_dialogs import shortcut_rows


def focus_after(qtbot, widget, key, presses):
    seen = []
    for _ in range(presses):
        qtbot.keyClick(QApplication.focusWidget() or widget, key)
        seen.append(QApplication.focusWidget())
    return seen


def active(window, qtbot):
    window.activateWindow()
    qtbot.waitActive(window)


@pytest.mark.parametrize("which", ["filter", "pooling"])
@pytest.mark.parametrize("key", [Qt.Key.Key_Tab, Qt.Key.Key_Backtab])
def test_tab_leaves_the_playground_grids_within_two_presses(window, qtbot, which, key):
    active(window, qtbot)
    inside = window.inside_tab
    window.show_tab(inside)
    if which == "filter":
        inside.setCurrentWidget(inside.playground)
        grid = inside.playground.filter_table
    else:
        inside.setCurrentWidget(inside.pooling)
        grid = inside.pooling.input_view
    QApplication.processEvents()
    grid.setFocus()
    grid.setCurrentIndex(grid.model().index(1, 1))
    assert QApplication.focusWidget() is grid
    seen = focus_after(qtbot, grid, key, 2)
    assert any(widget is not grid for widget in seen), [w.objectName() for w in seen]
    if which == "filter":
        # Export, Stride and Padding, out of reach before, are within a few presses either way.
        reached = [w.objectName() for w in seen + focus_after(qtbot, grid, key, 6)]
        wanted = ["exportPngButton"] if key == Qt.Key.Key_Tab else ["padding", "stride"]
        assert all(name in reached for name in wanted), reached


def test_no_tab_stop_is_an_invisible_scroll_area(window, qtbot):
    window.files.load_preset("lenet5")
    active(window, qtbot)
    stops = []
    for index in range(window.tabs.count()):
        window.tabs.setCurrentIndex(index)
        QApplication.processEvents()
        window.tabs.currentWidget().setFocus()
        stops += focus_after(qtbot, window, Qt.Key.Key_Tab, 40)
    assert stops and not [w.objectName() for w in stops if type(w) is QScrollArea]
    assert not [w.objectName() for w in stops if isinstance(w, pg.GraphicsView)]   # plots and pictures


@pytest.mark.parametrize("key", [Qt.Key.Key_Return, Qt.Key.Key_F2])
def test_enter_or_f2_on_a_layer_goes_to_its_form(window, qtbot, key):
    window.files.load_preset("lenet5")
    active(window, qtbot)
    design = window.design_tab
    design.select_layer(2)
    design.layer_view.setFocus()
    qtbot.keyClick(design.layer_view, key)
    focused = QApplication.focusWidget()
    assert focused is design.editor.name_edit and design.editor.current_index() == 2
    design.select_layer(-1)                       # the input: its height
    design.layer_view.setFocus()
    qtbot.keyClick(design.layer_view, key)
    assert QApplication.focusWidget() is design.editor.input_height


def test_train_pause_and_stop_have_keys(window, qtbot):
    actions = window.train_tab.actions
    keys = {key: [s.toString() for s in action.shortcuts()] for key, action in actions.items()}
    assert keys == {"train": ["F5"], "pause": ["F6"], "stop": ["Shift+F5"]}
    assert [a.text() for a in window.menuBar().findChild(object, "runMenu").actions()] == ["&Train", "&Pause",
                                                                                           "&Stop"]
    window.files.load_preset("digits_net")
    train = window.train_tab
    train.datasets.set_dataset("digits")
    train.hyper_box.epochs_spin.setValue(200)
    assert actions["train"].isEnabled() and not actions["stop"].isEnabled()
    active(window, qtbot)
    window.show_tab(window.design_tab)
    with qtbot.waitSignal(train.training_started, timeout=10_000):
        qtbot.keyClick(window.design_tab.layer_view, Qt.Key.Key_F5)
    assert window.tabs.currentWidget().isAncestorOf(train)          # F5 from the Design tab shows the run
    assert actions["stop"].isEnabled() and not actions["train"].isEnabled()
    with qtbot.waitSignal(train.training_paused, timeout=20_000):
        qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_F6)
    assert actions["pause"].text() == "&Resume"
    with qtbot.waitSignal(train.training_finished, timeout=20_000):
        qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_F5, Qt.KeyboardModifier.ShiftModifier)
    assert actions["train"].isEnabled()


def test_the_shortcuts_list_names_keys_and_commands_plainly(window):
    rows = shortcut_rows(window)
    keys = " ".join(row[0] for row in rows)
    assert "Backtab" not in keys and "Ctrl+Shift+Tab" in keys
    undo = [row for row in rows if row[1] == "Undo"]
    assert undo and undo[0][2] == "Undo the last edit of the design"
    window.files.load_preset("lenet5")
    window.document.set_field(0, "filters", 9)      # an edit: the action's text names it now
    assert [row for row in shortcut_rows(window) if row[1] == "Undo"][0][2] == "Undo the last edit of the design"
    assert "Nothing to undo" not in {row[2] for row in shortcut_rows(window)}
    tip = window.menus.actions["previousTab"].toolTip()
    assert tip.startswith("Show the previous tab (Ctrl+Shift+Tab or ") and "Back" not in tip


def test_the_tour_mentions_check_yourself_and_the_course_examples(window, qtbot):
    window.help.tour_action.trigger()
    text = window.help.tour_dialog.browser.toPlainText()
    assert "Check yourself" in text and "Course examples" in text
    window.help.tour_dialog.close()
