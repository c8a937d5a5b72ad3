"""The window with week-2 designs: every bundled preset is in the Presets menu and its total in the window's
table is the published number; ResNet-18 opens with every inner layer in the tree and the table; a residual
block and an Inception-style concat added by clicking anywhere in LeNet-5 (top, middle, inside a block, an
empty shortcut) keep the design valid, undo takes them out, and save / reopen keeps them; the property editor
edits a block's own field and an inner layer's; the bias check box edits a conv layer."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QAbstractButton, QCheckBox, QComboBox, QSpinBox

from designer.design.layer_model import EMPTY_ITEM, LAYER_ITEM, LIST_ITEM
from designer.design.roles import ItemRole, PathRole
from designer.design.table_model import COL_BRANCH, COL_LAYER, COL_MACS, COL_PARAMS, COL_SHAPE
from engine import load_spec
from engine.resources import preset_names

PUBLISHED = {"alexnet": "62,378,344", "vgg16": "138,357,544", "resnet18": "11,689,512", "resnet50": "25,557,032",
             "mobilenet_v2": "3,504,872", "lenet5": "62,958"}


def click_item(qtbot, view, index):
    """A click on a tree item, as a person makes it."""
    view.scrollTo(index)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(index).center())


def click_add(qtbot, window, kind):
    qtbot.mouseClick(window.design_tab.add_buttons[kind], Qt.MouseButton.LeftButton)


def tree_items(model, parent=QModelIndex()):
    """(item kind, path) of every item of the tree, in order."""
    out = []
    for r in range(model.rowCount(parent)):
        index = model.index(r, 0, parent)
        out.append((model.data(index, ItemRole), model.data(index, PathRole)))
        out += tree_items(model, index)
    return out


def test_every_bundled_preset_is_in_the_presets_menu(window):
    keys = {action.objectName() for action in window.menus.presets_menu.actions() if action.objectName()}
    assert {f"preset_{name}" for name in preset_names()} | {"preset_blank"} == keys


@pytest.mark.parametrize("preset", sorted(PUBLISHED))
def test_each_presets_total_in_the_window_table_is_the_published_number(window, preset):
    assert window.files.load_preset(preset)
    model = window.design_tab.shape_model
    total = model.rowCount() - 1
    assert model.data(model.index(total, COL_LAYER)) == "Total"
    assert model.data(model.index(total, COL_PARAMS)) == PUBLISHED[preset]
    assert window.totals.params_label.text() == f"Parameters: <b>{PUBLISHED[preset]}</b>"


def test_the_inception_module_preset_stacks_to_256_channels(window):
    window.files.load_preset("inception_module")
    model = window.design_tab.shape_model
    row = model.row_for_layer((0,))
    assert model.data(model.index(row, COL_SHAPE)) == "(28,28,256)"
    # Its four branches are labelled in the table, their rows indented under the block.
    branches = [model.data(model.index(r, COL_BRANCH)) for r in range(row + 1, row + 8)]
    assert branches == ["branch 1", "branch 2", "branch 2", "branch 3", "branch 3", "branch 4", "branch 4"]
    assert model.data(model.index(row + 1, COL_LAYER)).startswith("\u2003")


def test_resnet18_opens_with_every_inner_layer_in_the_tree_and_the_table(window, qtbot):
    assert window.files.load_preset("resnet18")
    summary = window.document.summary
    assert summary.ok and summary.total_params == 11_689_512
    walked = window.document.spec.walk()
    # The table: the input, every layer at every depth, the totals.
    model = window.design_tab.shape_model
    assert model.rowCount() == 1 + len(walked) + 1
    assert [model.path_for_row(r) for r in range(1, model.rowCount() - 1)] == [entry.path for entry in walked]
    # The tree: every layer an item, each block with its labelled main path and shortcut, all expanded.
    tree = window.design_tab.layer_model
    layers = [path for item, path in tree_items(tree) if item == LAYER_ITEM]
    assert layers == [entry.path for entry in walked]
    lists = [path for item, path in tree_items(tree) if item == LIST_ITEM]
    assert len(lists) == 2 * sum(1 for entry in walked if entry.layer.type == "residual")
    view = window.design_tab.layer_view
    last_inner = tree.find(walked[-3].path)
    assert view.isExpanded(tree.parent(last_inner)) and view.isExpanded(tree.parent(tree.parent(last_inner)))
    # Selecting an inner row of the table selects it in the tree and opens it in the editor.
    inner = next(entry for entry in walked if entry.depth == 1 and entry.layer.type == "conv")
    window.design_tab.table_view.selectRow(model.row_for_layer(inner.path))
    assert window.design_tab.selected_path() == inner.path
    assert window.design_tab.editor.current_path() == inner.path
    assert inner.name in window.design_tab.editor._title.text()


def test_blocks_added_by_clicking_anywhere_in_lenet5_keep_it_valid_undo_save_and_reopen(window, qtbot, tmp_path):
    window.files.load_preset("lenet5")
    document, tab = window.document, window.design_tab
    tree, view = tab.layer_model, tab.layer_view
    start = document.spec.to_dict()
    steps = 0
    for kind in ("residual", "concat"):
        # At the top (the input selected), in the middle (after POOL1), at the end (after Softmax's FC4).
        for path in ((), (1,), (5,)):
            click_item(qtbot, view, tree.find(path))
            click_add(qtbot, window, kind)
            steps += 1
            added = (path[0] + 1,) if path else (0,)
            assert document.spec.layers[added[0]].type == kind and tab.selected_path() == added
            assert document.summary.ok, (kind, path, document.summary.error)
    # Inside a block: after the first conv of a residual's main path, and into its empty shortcut.
    residual = next(i for i, layer in enumerate(document.spec.layers) if layer.type == "residual")
    click_item(qtbot, view, tree.find((residual, 0, 0)))
    click_add(qtbot, window, "concat")
    assert document.layer_at((residual, 0, 1)).type == "concat" and document.summary.ok
    click_item(qtbot, view, tree.find((residual, 1), EMPTY_ITEM))
    click_add(qtbot, window, "residual")
    assert document.layer_at((residual, 1, 0)).type == "residual" and document.summary.ok
    # Inside a block inside a block: a batch norm into the nested residual's main path, after its first layer.
    click_item(qtbot, view, tree.find((residual, 1, 0, 0, 0)))
    click_add(qtbot, window, "batchnorm")
    assert tab.selected_path() == (residual, 1, 0, 0, 1) and document.summary.ok
    steps += 3
    assert document.undo_stack.count() == steps
    done = document.spec.to_dict()
    # Undo takes every block out again, each step leaving a valid design; redo puts them back.
    while document.undo_stack.canUndo():
        document.undo_stack.undo()
        assert document.summary.ok
    assert document.spec.to_dict() == start
    while document.undo_stack.canRedo():
        document.undo_stack.redo()
    assert document.spec.to_dict() == done
    # Save and open again: the same design, the same table.
    path = tmp_path / "week2.json"
    assert window.files.save_file(path)
    table_before = tab.shape_model.display_rows()
    window.files.load_preset("lenet5")
    assert window.files.open_file(path) and document.spec.to_dict() == done
    assert tab.shape_model.display_rows() == table_before and document.summary.ok
    assert load_spec(path).to_dict() == done


def test_undo_walks_back_every_block_edit(window, qtbot):
    window.files.load_preset("lenet5")
    document, tab = window.document, window.design_tab
    start = document.spec.to_dict()
    tab.select_layer(1)
    tab.add_layer("concat")                        # after POOL1: CONCAT1 with two branches
    tab.selection.select((2, 1), LIST_ITEM)
    assert tab.actions["addBranch"].isEnabled()
    tab.actions["addBranch"].trigger()             # an empty third branch, after branch 2
    assert len(document.layer_at((2,)).branches) == 3 and tab.selection.current().item == EMPTY_ITEM
    tab.add_layer("batchnorm")                     # into the new branch, through its placeholder
    assert document.layer_at((2, 2, 0)).type == "batchnorm" and document.summary.ok
    tab.select_layer((2, 2, 0))                    # an inner layer: + Branch adds after its branch
    assert tab.actions["addBranch"].isEnabled()
    tab.actions["addBranch"].trigger()
    assert [len(branch) for branch in document.layer_at((2,)).branches] == [1, 1, 1, 0]
    document.undo_stack.undo()
    tab.select_layer((2, 0, 0))
    tab.actions["duplicate"].trigger()
    assert len(document.layer_at((2,)).branches[0]) == 2 and tab.selected_path() == (2, 0, 1)
    tab.actions["moveUp"].trigger()
    assert tab.selected_path() == (2, 0, 0)
    tab.selection.select((2, 1), LIST_ITEM)
    assert tab.actions["removeBranch"].isEnabled()
    tab.actions["removeBranch"].trigger()
    assert len(document.layer_at((2,)).branches) == 2
    tab.select_layer((2, 0, 1))
    tab.actions["remove"].trigger()
    assert document.summary.ok
    while document.undo_stack.canUndo():
        document.undo_stack.undo()
        assert document.summary.ok
    assert document.spec.to_dict() == start
    while document.undo_stack.canRedo():
        document.undo_stack.redo()
    assert len(document.layer_at((2,)).branches) == 2 and document.summary.ok


def test_a_residual_keeps_its_two_paths(window):
    window.files.load_preset("resnet_small")
    tab = window.design_tab
    residual = next(i for i, layer in enumerate(window.document.spec.layers) if layer.type == "residual")
    tab.selection.select((residual, 1), LIST_ITEM)
    assert not tab.actions["addBranch"].isEnabled() and not tab.actions["removeBranch"].isEnabled()
    assert not tab.layer_actions.remove_branch()


def test_the_editor_edits_a_blocks_field_and_an_inner_layers(window):
    window.files.load_preset("resnet_small")
    tab, document = window.design_tab, window.document
    residual = next(i for i, layer in enumerate(document.spec.layers) if layer.type == "residual")
    tab.select_layer(residual)
    activation = window.findChild(QComboBox, "residualActivation")
    assert activation is not None and activation.isVisible() and activation.currentText() == "relu"
    activation.setCurrentText("linear")
    assert document.layer_at((residual,)).activation == "linear"
    tab.select_layer((residual, 0, 2))                     # the main path's second conv
    filters = window.findChild(QSpinBox, "convFilters")
    assert filters.isVisible() and filters.value() == 16
    filters.setValue(12)
    assert document.layer_at((residual, 0, 2)).filters == 12
    row = document.summary.row_at((residual,))
    assert row.error and "shortcut" in row.error          # 12 channels on the main path, 16 on the identity
    assert tab.error_banner.isVisible()
    document.undo_stack.undo()
    document.undo_stack.undo()
    assert document.layer_at((residual,)).activation == "relu" and document.layer_at((residual, 0, 2)).filters == 16


def test_the_bias_check_box_edits_a_conv_layer(window):
    window.files.load_preset("lenet5")
    window.design_tab.select_layer(0)
    box = window.findChild(QCheckBox, "convBias")
    assert box is not None and box.isChecked()
    box.setChecked(False)
    assert window.document.spec.layers[0].bias is False
    assert window.document.summary.rows[1].params == 5 * 5 * 3 * 8
    window.document.undo_stack.undo()
    assert window.document.spec.layers[0].bias is True


def test_the_week2_add_buttons_and_the_branch_buttons_are_on_the_design_tab(window):
    for name in ("addBatchnormButton", "addDepthwiseButton", "addGlobalpoolButton", "addResidualButton",
                 "addConcatButton", "addBranchButton", "removeBranchButton"):
        button = window.findChild(QAbstractButton, name)
        assert isinstance(button, QAbstractButton) and button.isVisible(), name


def test_week2_worked_costs_show_in_the_macs_column(window):
    window.files.load_preset("inception_module")
    model = window.design_tab.shape_model
    row = model.row_for_layer((0, 2, 1))                       # branch 3's 5×5 after the 1×1 to 16 channels
    assert model.data(model.index(row, COL_MACS)) == "10,035,200"
