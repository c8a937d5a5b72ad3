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
