"""MainWindow end to end: clicking a design together, the live table, undo, files, prompts."""
from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractButton, QComboBox, QDoubleSpinBox, QLabel, QLineEdit, QTreeView,
                               QSpinBox, QTableView, QTabWidget, QWidget)

import engine.spec
from designer.dialogs import CANCEL, DISCARD, SAVE
from designer.main_window import MainWindow
from designer.training import TrainTab
from designer.settings import KEY_RECENT, app_settings, read_list
from designer.design.table_model import COL_FORMULA, COL_LAYER, COL_PARAMS, COL_SHAPE, COL_SIZE, StateRole
from engine import load_spec, summarize

from course_table import COURSE_TABLE  # noqa: E402  (tests/designer is on sys.path under pytest)

BUTTONS = ["addConvButton", "addPoolButton", "addDenseButton", "addFlattenButton", "addDropoutButton",
           "removeLayerButton", "duplicateButton", "moveUpButton", "moveDownButton"]
EDITOR_WIDGETS = {
    "layerName": QLineEdit, "convFilters": QSpinBox, "convSize": QSpinBox, "convStride": QSpinBox,
    "convPadding": QComboBox, "convPaddingValue": QSpinBox, "convActivation": QComboBox,
    "poolMode": QComboBox, "poolSize": QSpinBox, "poolStride": QSpinBox, "denseUnits": QSpinBox,
    "denseActivation": QComboBox, "dropoutRate": QDoubleSpinBox, "inputHeight": QSpinBox,
    "inputWidth": QSpinBox, "inputChannels": QSpinBox,
}


# ----- helpers ------------------------------------------------------------------------------------
def child(window, cls, name):
    widget = window.findChild(cls, name)
    assert widget is not None, f"no {cls.__name__} named {name!r}"
    return widget


def click(qtbot, window, name):
    qtbot.mouseClick(child(window, QAbstractButton, name), Qt.MouseButton.LeftButton)


def spin(window, name):
    return child(window, QSpinBox, name)


def type_into(qtbot, box, text):
    """Replace a spin box's text by typing, as a person would."""
    box.setFocus()
    box.selectAll()
    qtbot.keyClicks(box, text)
    qtbot.keyClick(box, Qt.Key.Key_Return)


def table(window):
    model = window.design_tab.shape_model
    return [tuple(model.data(model.index(r, c)) for c in range(model.columnCount()))
            for r in range(model.rowCount())]


def course_part(window):
    return [(row[COL_LAYER], row[COL_SHAPE], row[COL_SIZE], row[COL_PARAMS]) for row in table(window)[:-1]]


def build_lenet5(window, qtbot):
    """LeNet-5 from a blank design, by clicking the add buttons and filling in the editor."""
    window.files.load_preset("blank")
    click(qtbot, window, "addConvButton")
    spin(window, "convFilters").setValue(8)
    type_into(qtbot, spin(window, "convSize"), "5")
    click(qtbot, window, "addPoolButton")            # max 2×2, stride 2 by default
    click(qtbot, window, "addConvButton")
    spin(window, "convFilters").setValue(16)
    spin(window, "convSize").setValue(5)
    click(qtbot, window, "addPoolButton")
    click(qtbot, window, "addDenseButton")
    type_into(qtbot, spin(window, "denseUnits"), "120")
    click(qtbot, window, "addDenseButton")
    spin(window, "denseUnits").setValue(84)
    click(qtbot, window, "addDenseButton")
    spin(window, "denseUnits").setValue(10)
    child(window, QComboBox, "denseActivation").setCurrentText("softmax")


@pytest.fixture
def lenet(window):
    window.files.load_preset("lenet5")
    return window


# ----- the window -----------------------------------------------------------------------------------
def test_window_has_its_parts(window):
    assert window.size().width() == 1280 and window.size().height() == 800
    tabs = child(window, QTabWidget, "mainTabs")
    assert tabs.tabText(0) == "Design"
    child(window, QTreeView, "layerList")
    assert child(window, QTableView, "shapeTable").model() is window.design_tab.shape_model
    for name in BUTTONS:
        button = child(window, QAbstractButton, name)
        assert button.toolTip(), f"{name} has no tooltip"
    for name, cls in EDITOR_WIDGETS.items():
        assert child(window, cls, name).toolTip(), f"{name} has no tooltip"
    assert window.windowTitle() == "Untitled[*] — CNN Designer"
    assert child(window, QLabel, "totalParamsLabel").text() == "Parameters: <b>0</b>"


def test_the_window_is_made_of_its_four_tabs(window):
    assert [window.tabs.tabText(i) for i in range(window.tabs.count())] == ["Design", "Train", "Inside", "Runs"]
    assert window.tabs.widget(0) is window.design_tab
    assert window.tabs.widget(3) is window.runs_tab
    for index, tab in ((1, window.train_tab), (2, window.inside_tab), (3, window.runs_tab)):
        assert window.tabs.widget(index).isAncestorOf(tab)    # in a page that scrolls
        window.show_tab(tab)
        assert window.tabs.currentIndex() == index


def test_build_lenet5_from_blank_by_clicking(window, qtbot):
    build_lenet5(window, qtbot)
    assert course_part(window) == COURSE_TABLE
    total = table(window)[-1]
    assert total[COL_LAYER] == "Total" and total[COL_PARAMS] == "62,958"
    assert all(layer.name is None for layer in window.document.spec.layers)
    assert "62,958" in child(window, QLabel, "totalParamsLabel").text()
    assert "13,126" in child(window, QLabel, "activationMemoryLabel").text()
    # typing "120" digit by digit was one undo step
    texts = [window.document.undo_stack.text(i) for i in range(window.document.undo_stack.count())]
    assert texts.count("Change FC3 units") == 1
    assert window.isWindowModified()


def test_add_inserts_after_the_selected_layer(lenet, qtbot):
    lenet.design_tab.select_layer(1)  # POOL1
    click(qtbot, lenet, "addDropoutButton")
    assert [layer.type for layer in lenet.document.spec.layers[:3]] == ["conv", "pool", "dropout"]
    assert lenet.design_tab.selected_layer() == 2
    assert lenet.design_tab.editor.pages.currentWidget().findChild(QDoubleSpinBox, "dropoutRate") is not None
    lenet.design_tab.select_layer(-1)  # the input
    click(qtbot, lenet, "addFlattenButton")
    assert lenet.document.spec.layers[0].type == "flatten"


def test_impossible_layer_turns_red_and_fixing_clears_it(window, qtbot):
    window.files.load_preset("blank")
    click(qtbot, window, "addConvButton")
    click(qtbot, window, "addPoolButton")
    window.design_tab.select_layer(0)
    type_into(qtbot, spin(window, "convSize"), "40")
    model = window.design_tab.shape_model
    error = summarize(window.document.spec).rows[1].error
    assert model.data(model.index(1, COL_LAYER), StateRole) == "error"
    assert error in model.data(model.index(1, COL_FORMULA))
    assert error in model.data(model.index(1, COL_SHAPE), Qt.ItemDataRole.ToolTipRole)
    assert model.data(model.index(1, 0), Qt.ItemDataRole.ForegroundRole) is not None
    assert table(window)[2][COL_SHAPE:COL_PARAMS + 1] == ("—", "—", "—")
    banner = child(window, QLabel, "errorBanner")
    assert banner.isVisible() and "CONV1" in banner.text()
    assert "cannot work" in child(window, QLabel, "layerInfo").text()

    spin(window, "convSize").setValue(5)
    assert model.data(model.index(1, 0), StateRole) == "ok"
    assert table(window)[1][COL_SHAPE] == "(28,28,8)"
    assert table(window)[2][COL_SHAPE] == "(14,14,8)"
    assert not banner.isVisible()


def test_undo_and_redo_walk_through_the_edits(window, qtbot):
    window.activateWindow()
    qtbot.waitActive(window)
    snapshots = [table(window)]
    click(qtbot, window, "addConvButton"); snapshots.append(table(window))
    click(qtbot, window, "addPoolButton"); snapshots.append(table(window))
    window.design_tab.select_layer(0)
    type_into(qtbot, spin(window, "convFilters"), "12"); snapshots.append(table(window))
    window.design_tab.select_layer(1)
    click(qtbot, window, "moveUpButton"); snapshots.append(table(window))
    window.design_tab.select_layer(-1)
    type_into(qtbot, spin(window, "inputHeight"), "64"); snapshots.append(table(window))
    window.design_tab.select_layer(0)
    click(qtbot, window, "removeLayerButton"); snapshots.append(table(window))
    assert len({tuple(s) for s in snapshots}) == len(snapshots)  # every edit changed the table

    layer_list = child(window, QTreeView, "layerList")
    layer_list.setFocus()
    for expected in reversed(snapshots[:-1]):
        qtbot.keyClick(layer_list, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
        assert table(window) == expected
    assert not window.document.undo_stack.canUndo()
    for i, expected in enumerate(snapshots[1:]):
        if i % 2:
            qtbot.keyClick(layer_list, Qt.Key.Key_Z,
                           Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
        else:
            qtbot.keyClick(layer_list, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
        assert table(window) == expected


def test_ctrl_z_in_a_spin_box_undoes_the_design(lenet, qtbot):
    lenet.activateWindow()
    qtbot.waitActive(lenet)
    lenet.design_tab.select_layer(0)
    filters = spin(lenet, "convFilters")
    type_into(qtbot, filters, "6")
    assert lenet.document.spec.layers[0].filters == 6
    filters.setFocus()
    qtbot.keyClick(filters, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert lenet.document.spec.layers[0].filters == 8
    assert filters.value() == 8


def test_ctrl_tab_switches_tabs_from_anywhere_in_the_window(lenet, qtbot):
    # The focus is in the layer list, outside the tab bar: Ctrl+Tab still goes to the next tab, and
    # Ctrl+Shift+Tab / Ctrl+PgUp back, wrapping around.
    lenet.activateWindow()
    qtbot.waitActive(lenet)
    tabs = lenet.tabs
    assert tabs.count() >= 3 and tabs.currentIndex() == 0
    layer_list = child(lenet, QTreeView, "layerList")
    layer_list.setFocus()
    qtbot.keyClick(layer_list, Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier)
    assert tabs.currentIndex() == 1
    qtbot.keyClick(tabs.currentWidget(), Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier)
    assert tabs.currentIndex() == 2
    qtbot.keyClick(tabs.currentWidget(), Qt.Key.Key_Backtab,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert tabs.currentIndex() == 1
    tabs.setCurrentIndex(0)
    qtbot.keyClick(layer_list, Qt.Key.Key_PageUp, Qt.KeyboardModifier.ControlModifier)
    assert tabs.currentIndex() == tabs.count() - 1
    assert "Ctrl+Tab" in lenet.menus.actions["nextTab"].toolTip()


def test_keyboard_delete_duplicate_and_move(lenet, qtbot):
    lenet.activateWindow()
    qtbot.waitActive(lenet)
    layer_list = child(lenet, QTreeView, "layerList")
    lenet.design_tab.select_layer(4)  # FC3
    layer_list.setFocus()
    qtbot.keyClick(layer_list, Qt.Key.Key_Delete)
    assert [row[0] for row in course_part(lenet)] == ["Input", "CONV1", "POOL1", "CONV2", "POOL2", "FC4", "Softmax"]
    assert lenet.design_tab.selected_layer() == 4  # FC4 moved up into the gap and is selected
    qtbot.keyClick(layer_list, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert len(lenet.document.spec.layers) == 7 and lenet.design_tab.selected_layer() == 5
    assert lenet.document.spec.layers[5].units == 84 and lenet.document.spec.layers[5].name is None
    qtbot.keyClick(layer_list, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    assert lenet.design_tab.selected_layer() == 4
    qtbot.keyClick(layer_list, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    assert lenet.design_tab.selected_layer() == 5


def test_delete_in_a_text_field_edits_text(lenet, qtbot):
    lenet.activateWindow()
    qtbot.waitActive(lenet)
    lenet.design_tab.select_layer(0)
    name = child(lenet, QLineEdit, "layerName")
    name.setFocus()
    name.setCursorPosition(0)
    qtbot.keyClick(name, Qt.Key.Key_Delete)
    assert len(lenet.document.spec.layers) == 7
    assert lenet.document.spec.layers[0].name == "ONV1"


def test_buttons_are_enabled_only_when_they_can_act(lenet):
    lenet.design_tab.select_layer(-1)
    assert not lenet.design_tab.remove_button.isEnabled() and not lenet.design_tab.move_up_button.isEnabled()
    lenet.design_tab.select_layer(0)
    assert lenet.design_tab.remove_button.isEnabled() and not lenet.design_tab.move_up_button.isEnabled()
    assert lenet.design_tab.move_down_button.isEnabled()
    lenet.design_tab.select_layer(6)
    assert lenet.design_tab.move_up_button.isEnabled() and not lenet.design_tab.move_down_button.isEnabled()


def test_renaming_in_the_editor(window, qtbot):
    window.files.load_preset("blank")
    click(qtbot, window, "addConvButton")
    click(qtbot, window, "addConvButton")
    name = child(window, QLineEdit, "layerName")
    assert name.text() == "" and "CONV2" in name.placeholderText()
    name.setFocus()
    qtbot.keyClicks(name, "CONV1")              # taken by the other layer: refused
    error = child(window, QLabel, "nameError")
    assert not error.isHidden() and "already" in error.text()
    assert window.document.spec.layers[1].name == "CONV"  # the last valid prefix typed, live
    qtbot.keyClick(name, Qt.Key.Key_Return)
    # Refused: the name it had before the typing comes back (automatic: empty), and the why stays.
    assert name.text() == "" and window.document.spec.layers[1].name is None
    assert not error.isHidden() and "Kept the name CONV2" in error.text() and "already" in error.text()
    name.selectAll()
    qtbot.keyClicks(name, "features")
    assert window.document.spec.layers[1].name == "features"
    assert window.design_tab.shape_model.data(window.design_tab.shape_model.index(2, 0)) == "features"
    name.clear()
    name.editingFinished.emit()
    assert window.document.spec.layers[1].name is None


def test_padding_choices(window, qtbot):
    click(qtbot, window, "addConvButton")
    padding = child(window, QComboBox, "convPadding")
    amount = spin(window, "convPaddingValue")
    padding.setCurrentText("same")
    assert window.document.spec.layers[0].padding == "same"
    assert table(window)[1][COL_SHAPE] == "(32,32,8)"
    assert amount.value() == 1 and not amount.isEnabled()   # the resolved p, from summarize
    padding.setCurrentText("custom")
    assert amount.isEnabled() and window.document.spec.layers[0].padding == 1
    amount.setValue(2)
    assert window.document.spec.layers[0].padding == 2
    assert table(window)[1][COL_SHAPE] == "(34,34,8)"


def test_input_shape_spin_boxes(window, qtbot):
    window.design_tab.select_layer(-1)
    spin(window, "inputHeight").setValue(39)
    spin(window, "inputWidth").setValue(39)
    assert window.document.spec.input.shape == (39, 39, 3)
    assert table(window)[0][COL_SHAPE] == "(39,39,3)"
    window.document.undo_stack.undo()
    assert spin(window, "inputWidth").value() == 32


def test_table_and_list_selection_follow_each_other(lenet):
    view = child(lenet, QTableView, "shapeTable")
    view.selectRow(3)
    assert lenet.design_tab.selected_layer() == 2
    assert lenet.design_tab.editor.current_index() == 2
    lenet.design_tab.select_layer(5)
    assert [index.row() for index in view.selectionModel().selectedRows()] == [6]


def test_undo_selects_the_layer_it_changes(lenet):
    lenet.document.set_field(5, "units", 50)
    lenet.design_tab.select_layer(0)
    lenet.document.undo_stack.undo()
    assert lenet.design_tab.selected_layer() == 5
    assert spin(lenet, "denseUnits").value() == 84


# ----- presets ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("key, rows, total", [
    ("lenet5", 8, "62,958"), ("example_convnet", 6, None), ("digits_net", 7, None), ("blank", 1, "0"),
])
def test_presets_menu(window, key, rows, total):
    window.menus.preset_actions[key].trigger()
    assert len(table(window)) == rows + 1
    assert not window.isWindowModified()
    if total:
        assert table(window)[-1][COL_PARAMS] == total
    assert summarize(window.document.spec).ok


def test_preset_titles_in_the_menu(window):
    titles = [action.text() for action in window.menus.presets_menu.actions() if not action.isSeparator()]
    assert titles == ["LeNet-5 (course)", "Example ConvNet (39×39×3)", "Digits net (8×8×1)", "AlexNet (course)",
                      "VGG-16", "ResNet-18", "ResNet-50", "MobileNetV2", "Inception module (course)",
                      "Small ResNet (32×32×3)", "Small MobileNet (28×28×1)", "Blank"]


# ----- files --------------------------------------------------------------------------------------------
def test_save_and_open_round_trip(lenet, tmp_path, dialogs):
    lenet.document.set_field(2, "filters", 20)
    path = tmp_path / "net.json"
    assert lenet.files.save_file(path)
    assert path.exists()
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert saved == lenet.document.spec.to_dict() and saved["format"] == "cnn-designer/1"
    assert load_spec(path) == lenet.document.spec
    assert not lenet.isWindowModified()
    assert lenet.windowTitle() == "net.json[*] — CNN Designer"

    before = table(lenet)
    lenet.files.load_preset("blank")
    assert lenet.files.open_file(path)
    assert table(lenet) == before
    assert lenet.document.spec == load_spec(path)
    assert not lenet.isWindowModified()
    assert not dialogs.errors
    assert read_list(app_settings(), KEY_RECENT)[0] == str(path.resolve())

    # saving again writes the same bytes
    again = tmp_path / "again.json"
    assert lenet.files.save_file(again)
    assert again.read_text(encoding="utf-8") == path.read_text(encoding="utf-8")


def test_modified_mark_in_the_title(lenet, tmp_path):
    lenet.files.save_file(tmp_path / "a.json")
    assert not lenet.isWindowModified()
    lenet.document.set_field(0, "filters", 4)
    assert lenet.isWindowModified()
    lenet.document.undo_stack.undo()
    assert not lenet.isWindowModified()


@pytest.mark.parametrize("content, words", [
    ("{not json", "not valid JSON"),
    ('{"format": "cnn-designer/1", "input": {"shape": [32, 32, 3]}, "layers": [{"type": "conv", "size": 3}]}',
     "filters"),
    ('{"format": "keras/2", "input": {"shape": [1, 1, 1]}}', "unknown format"),
])
def test_malformed_file_leaves_the_design_alone(lenet, tmp_path, dialogs, content, words):
    lenet.document.set_field(0, "filters", 4)
    before = lenet.document.spec.to_dict()
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    assert not lenet.files.open_file(path)
    assert lenet.document.spec.to_dict() == before
    assert lenet.isWindowModified() and lenet.document.file_path is None
    assert len(dialogs.errors) == 1 and words in dialogs.errors[0][1]
    assert read_list(app_settings(), KEY_RECENT) == []


def test_open_missing_file(lenet, tmp_path, dialogs):
    assert not lenet.files.open_file(tmp_path / "nowhere.json")
    assert "no such file" in dialogs.errors[0][1]


def test_failed_save_shows_a_message(lenet, tmp_path, dialogs):
    path = tmp_path / "missing-folder" / "net.json"
    lenet.document.set_field(0, "filters", 4)
    assert not lenet.files.save_file(path)
    assert not path.exists()
    assert len(dialogs.errors) == 1 and "missing-folder" in dialogs.errors[0][1]
    assert lenet.isWindowModified() and lenet.document.file_path is None


def test_failed_save_leaves_the_old_file_intact(lenet, tmp_path, dialogs, monkeypatch):
    path = tmp_path / "net.json"
    assert lenet.files.save_file(path)
    old = path.read_text(encoding="utf-8")
    lenet.document.set_field(0, "filters", 4)

    def disk_full(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(engine.spec.os, "replace", disk_full)
    assert not lenet.files.save_file(path)
    assert path.read_text(encoding="utf-8") == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.json", "settings"]  # no temp file left
    assert "No space left" in dialogs.errors[0][1]
    assert lenet.isWindowModified()


def test_save_action_asks_for_a_path_once(window, tmp_path, dialogs):
    click_path = tmp_path / "first.json"
    window.document.add_layer("conv")
    dialogs.save_path = str(click_path)
    window.menus.actions["save"].trigger()
    assert click_path.exists() and window.document.file_path == click_path
    dialogs.save_path = None                      # a second Save doesn't ask
    window.document.add_layer("pool")
    window.menus.actions["save"].trigger()
    assert load_spec(click_path).layers[-1].type == "pool"


def test_open_action_and_recent_files(window, tmp_path, dialogs):
    path = tmp_path / "x.json"
    path.write_text(json.dumps({"format": "cnn-designer/1", "input": {"shape": [8, 8, 1]}, "layers": []}))
    dialogs.open_path = str(path)
    window.menus.actions["open"].trigger()
    assert window.document.spec.input.shape == (8, 8, 1)
    window.files.recent_menu.aboutToShow.emit()
    entries = [a for a in window.files.recent_menu.actions() if a.toolTip() == str(path.resolve())]
    assert len(entries) == 1
    window.files.load_preset("blank")
    entries[0].trigger()
    assert window.document.spec.input.shape == (8, 8, 1)


# ----- unsaved changes ----------------------------------------------------------------------------------
def test_close_of_a_modified_design_asks(window, qtbot, dialogs):
    window.document.add_layer("conv")
    dialogs.answer = CANCEL
    assert not window.close()
    assert window.isVisible() and dialogs.prompts == 1
    dialogs.answer = DISCARD
    assert window.close()
    assert dialogs.prompts == 2


def test_close_can_save_first(window, tmp_path, dialogs):
    window.document.add_layer("conv")
    dialogs.answer = SAVE
    dialogs.save_path = str(tmp_path / "kept.json")
    assert window.close()
    assert load_spec(tmp_path / "kept.json").layers[0].type == "conv"


def test_close_of_an_unmodified_design_does_not_ask(window, dialogs):
    window.files.load_preset("lenet5")
    assert window.close()
    assert dialogs.prompts == 0


def test_new_and_presets_ask_before_dropping_changes(lenet, dialogs):
    lenet.document.set_field(0, "filters", 4)
    dialogs.answer = CANCEL
    lenet.menus.actions["new"].trigger()
    assert len(lenet.document.spec.layers) == 7 and dialogs.prompts == 1
    lenet.menus.preset_actions["digits_net"].trigger()
    assert lenet.document.spec.input.shape == (32, 32, 3) and dialogs.prompts == 2
    dialogs.open_path = "/nonexistent.json"
    lenet.menus.actions["open"].trigger()
    assert dialogs.prompts == 3 and not dialogs.errors
    dialogs.answer = DISCARD
    lenet.menus.actions["new"].trigger()
    assert lenet.document.spec.layers == [] and not lenet.isWindowModified()


# ----- settings ----------------------------------------------------------------------------------------
def test_window_state_is_remembered(qtbot, isolated_settings):
    first = MainWindow()
    qtbot.addWidget(first)
    first.show()
    first.resize(760, 560)  # inside the offscreen screen (restoreGeometry keeps windows on screen)
    first.design_tab.design_splitter.setSizes([250, 500])
    first.design_tab.right_splitter.setSizes([300, 200])
    assert first.close()
    assert app_settings().fileName().startswith(str(isolated_settings))
    assert app_settings().value("window/geometry") is not None
    second = MainWindow()
    qtbot.addWidget(second)
    second.show()
    assert (second.width(), second.height()) == (760, 560)
    assert second.design_tab.design_splitter.sizes() == first.design_tab.design_splitter.sizes()
    assert second.design_tab.right_splitter.sizes() == first.design_tab.right_splitter.sizes()


def test_pool_and_dropout_fields(window, qtbot):
    click(qtbot, window, "addConvButton")
    click(qtbot, window, "addPoolButton")
    child(window, QComboBox, "poolMode").setCurrentText("avg")
    spin(window, "poolSize").setValue(3)
    spin(window, "poolStride").setValue(1)
    pool = window.document.spec.layers[1]
    assert (pool.mode, pool.size, pool.stride) == ("avg", 3, 1)
    assert table(window)[2][COL_SHAPE] == "(28,28,8)"
    click(qtbot, window, "addDropoutButton")
    child(window, QDoubleSpinBox, "dropoutRate").setValue(0.25)
    assert window.document.spec.layers[2].rate == 0.25
    assert table(window)[3][COL_SHAPE] == "(28,28,8)"
    child(window, QComboBox, "convActivation")  # exists even when another page shows
    window.design_tab.select_layer(0)
    child(window, QComboBox, "convActivation").setCurrentText("tanh")
    assert window.document.spec.layers[0].activation == "tanh"
    layer_model = window.design_tab.layer_model
    assert layer_model.data(layer_model.index(1)) == "CONV1 — 8 × 3×3, s1, valid, tanh"


def test_closing_shuts_down_the_train_tab_once(window, monkeypatch):
    calls = []
    original = TrainTab.shutdown
    monkeypatch.setattr(TrainTab, "shutdown", lambda self, *a: calls.append(self) or original(self, *a))
    assert window.close()
    assert calls == [window.train_tab]


def test_run_shows_the_window_and_returns(qapp, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QApplication
    from designer.app import run

    path = tmp_path / "d.json"
    path.write_text(json.dumps({"format": "cnn-designer/1", "input": {"shape": [8, 8, 1]}, "layers": []}))
    seen = []

    # Stand-in for the event loop: a real exec()/quit() would emit aboutToQuit, which other
    # widgets in this test process rightly treat as the end of the application.
    def fake_exec(app):
        windows = [w for w in app.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        seen.extend(w.document.spec.input.shape for w in windows)
        for w in windows:
            w.close()
        return 0

    monkeypatch.setattr(QApplication, "exec", fake_exec)
    assert run(["cnn-designer", str(path)]) == 0
    assert seen == [(8, 8, 1)]


def _capture_windows(monkeypatch, seen):
    from PySide6.QtWidgets import QApplication

    def fake_exec(app):
        windows = [w for w in app.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        seen.extend(w.document.spec for w in windows)
        for w in windows:
            w.close()
        return 0
    monkeypatch.setattr(QApplication, "exec", fake_exec)


def test_first_run_opens_the_course_lenet5_and_later_runs_start_blank(qapp, monkeypatch):
    from designer.app import run
    seen = []
    _capture_windows(monkeypatch, seen)
    assert run(["cnn-designer"]) == 0  # first run: no window geometry saved yet
    assert run(["cnn-designer"]) == 0  # closing the first window saved it
    assert [s.layer_names() for s in seen] == [
        ["CONV1", "POOL1", "CONV2", "POOL2", "FC3", "FC4", "Softmax"], []]


def test_main_py_with_just_a_json_file_opens_it_in_the_window(qapp, tmp_path, monkeypatch):
    from designer.launcher import main
    path = tmp_path / "mine.json"
    path.write_text(json.dumps({"format": "cnn-designer/1", "input": {"shape": [9, 9, 2]}, "layers": []}))
    seen = []
    _capture_windows(monkeypatch, seen)
    assert main([str(path)]) == 0
    assert [s.input.shape for s in seen] == [(9, 9, 2)]
