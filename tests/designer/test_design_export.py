"""Edit › Copy puts the shape table on the clipboard as tab-separated text; File › Export writes the engine's
table formats and PyTorch code."""
from __future__ import annotations

import csv
import io

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMenu

from designer.design.export import EXPORTS, DesignExporter
from engine.export.pytorch import pytorch_source
from engine.export.table import to_csv, to_latex, to_markdown, to_tsv


@pytest.fixture
def lenet(window):
    window.files.load_preset("lenet5")
    return window


@pytest.fixture
def export_path(monkeypatch):
    """Stands in for the save dialog: answers with `chosen["path"]` and records what was offered."""
    chosen = {"path": None, "asked": []}

    def ask_path(self, caption, suggested, file_filter):
        chosen["asked"].append((caption, suggested, file_filter))
        return chosen["path"]

    monkeypatch.setattr(DesignExporter, "ask_path", ask_path)
    return chosen


def clipboard_rows():
    return list(csv.reader(io.StringIO(QGuiApplication.clipboard().text()), delimiter="\t"))


def test_ctrl_c_in_the_table_copies_every_row_when_none_is_selected(lenet, qtbot):
    QGuiApplication.clipboard().setText("")
    lenet.design_tab.table_view.clearSelection()
    lenet.design_tab.table_view.setFocus()
    qtbot.waitUntil(lenet.design_tab.table_view.hasFocus)
    qtbot.keyClick(lenet.design_tab.table_view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    rows = clipboard_rows()
    assert rows[0][:5] == ["Layer", "Activation shape", "Activation size", "# parameters", "MACs"]
    assert [r[0] for r in rows[1:]] == ["Input", "CONV1", "POOL1", "CONV2", "POOL2", "FC3", "FC4", "Softmax", "Total"]
    assert rows[2][1:5] == ["(28,28,8)", "6272", "608", "470400"] and rows[-1][3] == "62958"
    assert QGuiApplication.clipboard().text() == to_tsv(lenet.document.summary)


def test_edit_copy_copies_the_selected_rows(lenet):
    view = lenet.design_tab.table_view
    view.clearSelection()
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    for row in (5, 1):   # FC3 and CONV1, selected out of order
        view.selectionModel().select(lenet.design_tab.shape_model.index(row, 0), flags)
    edit_menu = next(a.menu() for a in lenet.menuBar().actions() if a.text() == "&Edit")
    copy = lenet.design_tab.actions["copyTable"]
    assert copy in edit_menu.actions()
    copy.trigger()
    rows = clipboard_rows()
    assert [r[:4] for r in rows[1:]] == [["CONV1", "(28,28,8)", "6272", "608"], ["FC3", "(120,1)", "120", "48120"]]
    assert rows[0][0] == "Layer"


@pytest.mark.parametrize("key, suffix, make", [
    ("exportMarkdown", ".md", lambda s, n: to_markdown(s, n)),
    ("exportCsv", ".csv", lambda s, n: to_csv(s, n)),
    ("exportLatex", ".tex", lambda s, n: to_latex(s, n)),
])
def test_export_table_writes_the_engine_format(lenet, tmp_path, export_path, key, suffix, make):
    export_path["path"] = str(tmp_path / "table")      # no suffix typed: the format's is added
    menu = lenet.findChild(QMenu, "exportMenu")
    assert lenet.exporter.actions[key] in menu.actions()
    lenet.exporter.actions[key].trigger()
    written = tmp_path / f"table{suffix}"
    assert written.read_text(encoding="utf-8") == make(lenet.document.summary, lenet.document.spec.name)
    assert export_path["asked"][0][1].endswith(suffix)
    assert str(written) in lenet.statusBar().currentMessage()


def test_export_pytorch_code(lenet, tmp_path, export_path):
    export_path["path"] = str(tmp_path / "lenet.py")
    lenet.exporter.actions["exportPytorch"].trigger()
    assert (tmp_path / "lenet.py").read_text(encoding="utf-8") == pytorch_source(lenet.document.spec)
    assert "lenet.py" in lenet.statusBar().currentMessage()


def test_export_cancelled_writes_nothing(lenet, tmp_path, export_path):
    export_path["path"] = None
    csv_export = next(e for e in EXPORTS if e.key == "exportCsv")
    assert lenet.exporter.export(csv_export) is False
    assert list(tmp_path.glob("*.csv")) == []


def test_pytorch_export_of_a_design_without_class_scores_says_why(window, tmp_path, export_path, dialogs):
    window.files.load_preset("blank")
    window.design_tab.add_layer("conv")
    export_path["path"] = str(tmp_path / "model.py")
    window.exporter.actions["exportPytorch"].trigger()
    assert not (tmp_path / "model.py").exists()
    assert dialogs.errors and "PyTorch" in dialogs.errors[-1][0] and "last layer" in dialogs.errors[-1][1]
    assert export_path["asked"] == []     # refused before asking for a file


def test_failed_export_shows_a_message_and_keeps_nothing(lenet, tmp_path, export_path, dialogs):
    export_path["path"] = str(tmp_path / "missing" / "t.md")
    lenet.exporter.actions["exportMarkdown"].trigger()
    assert dialogs.errors and "t.md" in dialogs.errors[-1][1]


# ----- issue 21: the diagram for slides, and the PyTorch code with the current weights --------------------
def test_the_diagram_is_under_file_export_with_the_designs_name_in_the_last_folder(lenet, tmp_path, export_path):
    from designer.settings import remember_directory
    remember_directory(tmp_path)
    keys = [a.objectName() for a in lenet.exporter.menu.actions() if a.objectName()]
    assert {"exportDiagramSvgAction", "exportDiagramPngAction", "exportPytorchWeightsAction"} <= set(keys)
    export_path["path"] = str(tmp_path / "slides" / "lenet")
    (tmp_path / "slides").mkdir()
    lenet.exporter.actions["exportDiagramSvg"].trigger()
    caption, suggested, _ = export_path["asked"][-1]
    assert suggested == str(tmp_path / "LeNet-5.svg")
    assert "<svg" in (tmp_path / "slides" / "lenet.svg").read_text(encoding="utf-8")
    export_path["path"] = str(tmp_path / "slides" / "again")
    lenet.exporter.actions["exportDiagramPng"].trigger()   # the last folder is now slides/
    assert export_path["asked"][-1][1] == str(tmp_path / "slides" / "LeNet-5.png")


def test_diagram_exports_never_carry_the_selection_and_png_scales(lenet, tmp_path, export_path):
    from PIL import Image
    design = lenet.design_tab
    pane, diagram = design.diagram_pane, design.diagram_pane.diagram
    design.select_layer(None)
    export_path["path"] = str(tmp_path / "plain.svg")
    lenet.exporter.export_diagram("svg")
    design.select_layer(2)                                  # CONV2 outlined on screen
    assert diagram.selected() == (2,)
    export_path["path"] = str(tmp_path / "selected.svg")
    lenet.exporter.export_diagram("svg")
    assert (tmp_path / "plain.svg").read_bytes() == (tmp_path / "selected.svg").read_bytes()
    for scale in (1, 2):
        pane.scale_combo.setCurrentIndex(pane.scale_combo.findData(scale))
        export_path["path"] = str(tmp_path / f"x{scale}.png")
        lenet.exporter.export_diagram("png")
    with Image.open(tmp_path / "x1.png") as one, Image.open(tmp_path / "x2.png") as two:
        assert abs(two.size[0] - 2 * one.size[0]) <= 1 and abs(two.size[1] - 2 * one.size[1]) <= 1
    assert diagram.render_image(1) == diagram.render_image(1)   # same pixels whatever is selected
    design.select_layer(None)
    unselected = diagram.render_image(1)
    design.select_layer(2)
    assert diagram.render_image(1) == unselected
    assert "at 2×" in lenet.statusBar().currentMessage()       # the last export: the 2× one


def test_pytorch_code_with_the_current_weights(lenet, tmp_path, export_path, dialogs):
    import numpy as np
    from engine import Network
    action = lenet.exporter.actions["exportPytorchWeights"]
    assert not action.isEnabled()                           # no weights yet
    net = Network.from_spec(lenet.document.spec, seed=3)
    lenet.train_tab.network_updated.emit(net)               # as after an epoch or Load weights
    assert action.isEnabled()
    export_path["path"] = str(tmp_path / "model.py")
    action.trigger()
    weights = tmp_path / "model_weights.npz"
    text = (tmp_path / "model.py").read_text(encoding="utf-8")
    assert text == pytorch_source(lenet.document.spec, weights_path=str(weights.resolve()))
    back = Network.load(weights)
    assert all(np.array_equal(back.params[k], net.params[k]) for k in net.params)
    lenet.document.set_field(0, "filters", 4)               # the weights no longer fit the design
    export_path["path"] = str(tmp_path / "other.py")
    assert lenet.exporter.export_pytorch_weights() is False
    title, message = dialogs.errors[-1]
    assert "weights" in title and "CONV1.W" in message and not (tmp_path / "other.py").exists()


def test_edit_copy_carries_the_nesting_of_a_design_with_blocks(window):
    window.files.load_preset("resnet_small")
    tab = window.design_tab
    model = tab.shape_model
    res2 = model.row_for_layer((3,))                    # RES2, then its main path and its 1×1 shortcut
    view = tab.table_view
    view.clearSelection()
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    for row in (res2, res2 + 5):                        # the block and its shortcut's conv
        view.selectionModel().select(model.index(row, 0), flags)
    tab.actions["copyTable"].trigger()
    rows = clipboard_rows()
    header = rows[0]
    assert header[:2] == ["Layer", "Branch"] and header[-2:] == ["Depth", "Parent"]
    assert [(r[0], r[1], r[-2], r[-1]) for r in rows[1:]] == [("RES2", "", "0", ""), ("CONV6", "shortcut", "1", "RES2")]
    assert rows[2][header.index("# parameters")] == "512"
    tab.table_view.clearSelection()
    assert tab.table_text() == to_tsv(window.document.summary)          # nothing selected: every row
