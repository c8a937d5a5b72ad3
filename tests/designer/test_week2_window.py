"""The window with week-2 designs, until the layer tree arrives: every bundled preset is in the Presets
menu; ResNet-18 opens and trains nothing it shouldn't; a residual block and a concat block added anywhere
in LeNet-5 keep the design valid, undo takes them out, and save / reopen keeps them; the bias check box
edits a conv layer."""
from __future__ import annotations

from PySide6.QtWidgets import QCheckBox

from engine import load_spec, summarize
from engine.resources import preset_names


def test_every_bundled_preset_is_in_the_presets_menu(window):
    keys = {action.objectName() for action in window.menus.presets_menu.actions() if action.objectName()}
    assert {f"preset_{name}" for name in preset_names()} | {"preset_blank"} == keys


def test_resnet18_opens_with_every_inner_row_in_the_summary(window, qtbot):
    assert window.files.load_preset("resnet18")
    summary = window.document.summary
    assert summary.ok and summary.total_params == 11_689_512
    assert len(summary.rows) == 1 + len(window.document.spec.walk())
    assert window.design_tab.shape_model.rowCount() == len(window.document.spec.layers) + 2    # input, layers, total
    assert window.design_tab.layer_model.rowCount() == len(window.document.spec.layers) + 1


def test_blocks_added_anywhere_in_lenet5_keep_it_valid_and_undo_takes_them_out(window, tmp_path):
    window.files.load_preset("lenet5")
    document = window.document
    before = document.spec.to_dict()
    for kind in ("residual", "concat"):
        for after in range(-1, document.layer_count - 1):
            index = document.add_layer(kind, after)
            assert document.summary.ok, (kind, after, document.summary.error)
            assert document.spec.layers[index].type == kind
            document.undo_stack.undo()
            assert document.spec.to_dict() == before
    document.add_layer("residual", 1)
    document.add_layer("concat", 4)
    path = tmp_path / "week2.json"
    from engine import save_spec
    save_spec(document.spec, path)
    assert load_spec(path) == document.spec and summarize(load_spec(path)).ok


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
