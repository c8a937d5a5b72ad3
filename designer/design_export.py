"""The window's ways out for a design: Edit › Copy of the shape table (tab-separated, as spreadsheets
paste it) and File › Export › Table as Markdown / CSV / LaTeX and PyTorch code.

Kept apart from main_window.py: the text comes from the engine's exporters (engine.export.table and
engine.export.pytorch, the same functions as `main.py summary --format` and `main.py export`); this
module only asks where to write, writes atomically and reports in the status bar.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMenu

from engine.export.pytorch import pytorch_source
from engine.export.table import to_csv, to_latex, to_markdown, to_tsv
from engine.spec import SpecError, write_text_atomic


class Export:
    """One File › Export entry: what it writes and how the save dialog offers it."""

    def __init__(self, key: str, text: str, what: str, suffix: str, file_filter: str, make: Callable):
        self.key, self.text, self.what, self.suffix, self.file_filter = key, text, what, suffix, file_filter
        self.make = make   # document → the file's text; SpecError when the design can't be exported


EXPORTS = (
    Export("exportMarkdown", "Table as &Markdown…", "Markdown table", ".md", "Markdown (*.md)",
           lambda doc: to_markdown(doc.summary, doc.spec.name)),
    Export("exportCsv", "Table as &CSV…", "CSV table", ".csv", "CSV (*.csv)",
           lambda doc: to_csv(doc.summary, doc.spec.name)),
    Export("exportLatex", "Table as &LaTeX…", "LaTeX table", ".tex", "LaTeX (*.tex)",
           lambda doc: to_latex(doc.summary, doc.spec.name)),
    Export("exportPytorch", "&PyTorch code…", "PyTorch code", ".py", "Python (*.py)",
           lambda doc: pytorch_source(doc.spec)),
)


class DesignExporter(QObject):
    """Owns the Copy and Export actions of `window` (a MainWindow)."""

    def __init__(self, window: QMainWindow):
        super().__init__(window)
        self.window = window
        table = window.table_view
        copy = QAction("&Copy", window)
        copy.setObjectName("copyTableAction")
        copy.setShortcut(QKeySequence(QKeySequence.StandardKey.Copy))
        # Ctrl+C copies the table only while the table has focus; in text fields it copies text.
        copy.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        tip = "Copy the selected table rows (all rows if none is selected) as tab-separated text"
        copy.setToolTip(tip)
        copy.setStatusTip(tip)
        copy.triggered.connect(self.copy_table)
        table.addAction(copy)
        window.actions["copyTable"] = copy
        window.edit_menu.addSeparator()
        window.edit_menu.addAction(copy)

        self.export_menu = QMenu("&Export", window)
        self.export_menu.setObjectName("exportMenu")
        # File › Export sits above Quit, with Save and Save As.
        window.file_menu.insertMenu(window.actions["quit"], self.export_menu)
        window.file_menu.insertSeparator(window.actions["quit"])
        for export in EXPORTS:
            action = QAction(export.text, window)
            action.setObjectName(f"{export.key}Action")
            action.setStatusTip(f"Write the design as a {export.what} file")
            action.triggered.connect(lambda checked=False, e=export: self.export(e))
            self.export_menu.addAction(action)
            window.actions[export.key] = action

    # ----- copy ------------------------------------------------------------------------------------
    def table_text(self) -> str:
        """The selected rows of the shape table (all if none is selected) as tab-separated text with a
        header; the model's row r is the summary's row r, the last one the totals."""
        selection = self.window.table_view.selectionModel()
        rows = sorted({index.row() for index in selection.selectedIndexes()}) if selection else []
        summary = self.window.document.summary
        # The table shows the top-level rows; to_tsv counts every row (blocks' inner rows too).
        position = {id(row): i for i, row in enumerate(summary.rows)}
        top = summary.top_level_rows
        rows = [position[id(top[r])] if r < len(top) else len(summary.rows) for r in rows]
        return to_tsv(summary, rows or None)

    def copy_table(self) -> None:
        QGuiApplication.clipboard().setText(self.table_text())
        self.window.statusBar().showMessage("Copied the table (tab-separated: paste it into a spreadsheet)", 4000)

    # ----- export ----------------------------------------------------------------------------------
    def ask_path(self, caption: str, suggested: str, file_filter: str) -> str | None:
        path, _ = QFileDialog.getSaveFileName(self.window, caption, suggested, file_filter)
        return path or None

    def export(self, export: Export) -> bool:
        """Ask for a file, then write `export`'s text there atomically. False if cancelled or failed."""
        document = self.window.document
        try:
            text = export.make(document)   # before the dialog: a design that can't be exported says so now
        except SpecError as exc:
            self.window.show_error(f"Cannot export {export.what}", str(exc))
            return False
        suggested = str(Path(self.window.files.last_dir()) / f"{self.window.files.suggested_name()}{export.suffix}")
        path = self.ask_path(f"Export {export.what}", suggested, export.file_filter)
        if not path:
            return False
        path = Path(path)
        if not path.suffix:
            path = path.with_suffix(export.suffix)
        try:
            write_text_atomic(path, text)
        except OSError as exc:
            self.window.show_error(f"Cannot export {export.what}", f"{path}: {exc.strerror or exc}")
            return False
        self.window.statusBar().showMessage(f"Exported the {export.what} to {path}", 6000)
        return True


def attach_design_export(window: QMainWindow) -> DesignExporter:
    """Add Edit › Copy and File › Export to `window`; the exporter is kept as window.design_export."""
    window.design_export = DesignExporter(window)
    return window.design_export
