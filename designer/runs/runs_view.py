"""The Runs view: the table of recorded runs (`runsTable`), a filter by design or dataset, the selected runs'
curves overlaid, and the actions on runs (open design, load weights, export the comparison, delete).

It reads the runs folder (engine.runs.runs_folder: the same one the command line writes to) each time it
is shown, on Refresh, and when the folder changes while it is shown, so runs recorded by `main.py train`
appear too. What it
asks of the window goes out as signals: `openDesignRequested(spec, title)` and `loadWeightsRequested(path)`.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QItemSelectionModel, Qt, QTimer, Signal
from PySide6.QtWidgets import (QAbstractItemView, QFileDialog, QHBoxLayout, QHeaderView, QLabel, QLineEdit,
                               QMenu, QMessageBox, QPushButton, QSplitter, QTableView, QVBoxLayout, QWidget)

from engine.fileio import atomic_write
from engine.runs import Run, RunError, delete_run, open_design, runs_folder
from engine.runs_compare import format_comparison

from ..training.text import MUTED_STYLE
from .runs_curves import RunsCurves
from .runs_model import COLUMNS, RUN_ID_ROLE, RunsFilterModel, RunsTableModel

EXPORT_FORMATS = {"markdown": ("Markdown", "Markdown table (*.md)", ".md"), "csv": ("CSV", "CSV (*.csv)", ".csv")}
RELOAD_DELAY_MS = 400     # a run folder is renamed into place at once; wait for a burst of changes to end


class RunsView(QWidget):
    openDesignRequested = Signal(object, str)     # NetworkSpec, a title for it
    loadWeightsRequested = Signal(str)            # a weights file (.npz with the design inside)
    message = Signal(str)                         # one line for the status bar

    def __init__(self, folder: Path | None = None, parent=None):
        super().__init__(parent)
        self.setObjectName("runsView")
        self.model = RunsTableModel(Path(folder) if folder else runs_folder(), self)
        self.model.error.connect(self._say)
        self.proxy = RunsFilterModel(self)
        self.proxy.setSourceModel(self.model)

        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.filter_edit = QLineEdit()
        self.filter_edit.setObjectName("runsFilter")
        self.filter_edit.setPlaceholderText("Filter by design or dataset")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.setToolTip("Show only the runs whose design or dataset contains this text")
        self.filter_edit.textChanged.connect(self._filter_changed)
        bar.addWidget(self.filter_edit, 1)
        self.open_button = self._button(bar, "Open design", "openRunDesignButton",
                                        "Open the selected run's design in the Design tab", self.open_design)
        self.weights_button = self._button(bar, "Load weights", "loadRunWeightsButton",
                                           "Load the selected run's kept weights (with their design) for the "
                                           "Train and Inside tabs", self.load_weights)
        self.export_button = self._button(bar, "Export comparison…", "exportRunsButton",
                                          "Save the selected runs (all shown runs when none is selected) side by "
                                          "side, a row per run, as Markdown or CSV", None)
        menu = QMenu(self.export_button)
        for fmt, (title, _, _) in EXPORT_FORMATS.items():
            menu.addAction(f"{title}…", lambda fmt=fmt: self.export_comparison(fmt))
        self.export_button.setMenu(menu)
        self.delete_button = self._button(bar, "Delete", "deleteRunButton",
                                          "Delete the selected runs' folders (settings, history and weights)",
                                          self.delete_selected)
        self._button(bar, "Refresh", "refreshRunsButton", "Read the runs folder again", self.refresh)
        layout.addLayout(bar)

        self.table = QTableView()
        self.table.setObjectName("runsTable")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(len(COLUMNS) - 2, Qt.SortOrder.AscendingOrder)   # by time recorded
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                   | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        # Room for the header and a handful of runs (the lesson's four) even in a 640-px-high window.
        self.table.setMinimumHeight(self.table.horizontalHeader().sizeHint().height()
                                    + int(4.6 * self.table.verticalHeader().defaultSectionSize()))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.table.resizeColumnsToContents()    # no runs yet: the headers' own widths, no sideways scroll
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.curves = RunsCurves()
        split = QSplitter(Qt.Orientation.Vertical)
        split.setObjectName("runsSplitter")
        split.addWidget(self.table)
        split.addWidget(self.curves)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        split.setChildrenCollapsible(False)
        layout.addWidget(split, 1)
        self.note_label = QLabel()
        self.note_label.setObjectName("runsNote")
        self.note_label.setStyleSheet(MUTED_STYLE)
        self.note_label.setWordWrap(True)
        layout.addWidget(self.note_label)

        self._watcher = QFileSystemWatcher(self)
        self._watcher.directoryChanged.connect(lambda _path: self._reload_timer.start())
        self._reload_timer = QTimer(self)
        self._reload_timer.setSingleShot(True)
        self._reload_timer.setInterval(RELOAD_DELAY_MS)
        self._reload_timer.timeout.connect(self.refresh)
        self.refresh()

    def _button(self, bar, text, name, tip, slot) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.setToolTip(tip)
        if slot is not None:
            button.clicked.connect(slot)
        bar.addWidget(button)
        return button

    @property
    def folder(self) -> Path:
        return self.model.folder

    # ----- reading -----------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Read the runs folder again, keeping the selection (by run id) and the column widths."""
        selected = [run.id for run in self.selected_runs()]
        first = not self.model.runs
        self.model.reload()
        if first and self.model.runs:
            self.table.resizeColumnsToContents()
            for column, (key, _, _) in enumerate(COLUMNS):
                if key in ("settings", "notes", "name", "design"):
                    self.table.setColumnWidth(column, min(self.table.columnWidth(column), 260))
                if key == "name":    # room for the colour swatch a plotted run gets
                    self.table.setColumnWidth(column, self.table.columnWidth(column) + 24)
        self.select_runs(selected, scroll=False)
        self._watch(self.isVisible())
        count = len(self.model.runs)
        text = (f"{count} run{'s' if count != 1 else ''} in {self.folder}" if count else
                f"No runs yet in {self.folder}: every training run, in the window or with `main.py train`, "
                "is kept here")
        if self.model.notes:
            text += f". {len(self.model.notes)} damaged run folder(s) skipped: " + "; ".join(self.model.notes)
        self.note_label.setText(text)
        self._update_buttons()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.refresh()

    def hideEvent(self, event) -> None:
        """A hidden view neither watches the folder nor reloads: showing it again reads the folder."""
        super().hideEvent(event)
        self._watch(False)

    def _watch(self, on: bool) -> None:
        folder = str(self.folder)
        watched = self._watcher.directories()
        if on and self.folder.is_dir() and folder not in watched:
            self._watcher.addPath(folder)
        elif not on:
            if watched:
                self._watcher.removePaths(watched)
            self._reload_timer.stop()

    # ----- selection ---------------------------------------------------------------------------------
    def selected_runs(self) -> list[Run]:
        """The selected runs, in the table's order."""
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        source = [self.proxy.mapToSource(self.proxy.index(row, 0)).row() for row in rows]
        return [self.model.run_at(row) for row in source if 0 <= row < len(self.model.runs)]

    def select_runs(self, run_ids: list[str], scroll: bool = True) -> None:
        """Select these runs (those shown); `scroll`: the first of them at the top of the table, so that as
        many of them as fit are in view (a window that lays itself out again keeps them there)."""
        selection = self.table.selectionModel()
        selection.clearSelection()
        flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
        shown = []
        for run_id in run_ids:
            row = self.model.row_of(run_id)
            if row >= 0:
                index = self.proxy.mapFromSource(self.model.index(row, 0))
                if index.isValid():
                    selection.select(index, flags)
                    shown.append(index)
        if shown and scroll:
            self.table.doItemsLayout()     # the scroll range of rows just read, not of the ones before
            self.table.scrollTo(min(shown, key=lambda index: index.row()),
                                QAbstractItemView.ScrollHint.PositionAtTop)
        self._selection_changed()

    def _filter_changed(self, text: str) -> None:
        self.proxy.setFilterFixedString(text)
        self._update_buttons()

    def _selection_changed(self, *args) -> None:
        self.curves.show_runs(self.selected_runs())
        self.model.set_colours(self.curves.colours)
        self._update_buttons()

    def _update_buttons(self) -> None:
        selected = self.selected_runs()
        self.open_button.setEnabled(len(selected) == 1)
        self.weights_button.setEnabled(len(selected) == 1 and selected[0].weights_path() is not None)
        self.delete_button.setEnabled(bool(selected))
        self.export_button.setEnabled(self.proxy.rowCount() > 0)

    def _single(self) -> Run | None:
        selected = self.selected_runs()
        if len(selected) != 1:
            self._say("select one run")
            return None
        return selected[0]

    # ----- actions -----------------------------------------------------------------------------------
    def open_design(self) -> None:
        run = self._single()
        if run is None:
            return
        try:
            spec = open_design(run)
        except RunError as exc:
            self._say(str(exc))
            return
        self.openDesignRequested.emit(spec, run.name)

    def load_weights(self) -> None:
        run = self._single()
        if run is None:
            return
        path = run.weights_path()
        if path is None:
            self._say(f"run {run.name} kept no weights" + (f": {run.data['weights']['note']}"
                                                          if run.data.get("weights", {}).get("note") else ""))
            return
        self.loadWeightsRequested.emit(str(path))

    def comparison_runs(self) -> list[Run]:
        """What an export holds: the selected runs, or every run the filter shows."""
        selected = self.selected_runs()
        if selected:
            return selected
        rows = [self.proxy.mapToSource(self.proxy.index(row, 0)).row() for row in range(self.proxy.rowCount())]
        return [self.model.run_at(row) for row in rows]

    def export_comparison(self, fmt: str, path: str | None = None) -> bool:
        runs = self.comparison_runs()
        if not runs:
            self._say("no runs to export")
            return False
        path = path or self.ask_export_path(fmt)
        if not path:
            return False
        text = format_comparison(runs, fmt)
        try:
            atomic_write(path, lambda handle: handle.write(text))
        except OSError as exc:
            self._say(f"could not write {path}: {exc.strerror or exc}")
            return False
        self._say(f"exported {len(runs)} run{'s' if len(runs) != 1 else ''} to {path}")
        return True

    def ask_export_path(self, fmt: str) -> str | None:
        title, filters, suffix = EXPORT_FORMATS[fmt]
        path, _ = QFileDialog.getSaveFileName(self, f"Export the comparison as {title}",
                                              str(Path.home() / f"runs{suffix}"), filters)
        if path and not Path(path).suffix:
            path += suffix
        return path or None

    def delete_selected(self) -> None:
        runs = self.selected_runs()
        if not runs or not self.ask_delete(runs):
            return
        for run in runs:
            try:
                delete_run(self.folder, run.id)
            except RunError as exc:
                self._say(str(exc))
        self.refresh()

    def ask_delete(self, runs: list[Run]) -> bool:
        names = ", ".join(run.name for run in runs[:3]) + (" …" if len(runs) > 3 else "")
        answer = QMessageBox.question(self, "Delete runs", f"Delete {len(runs)} run(s) ({names}) with their "
                                      "settings, history and weights? This can't be undone.")
        return answer == QMessageBox.StandardButton.Yes

    def _say(self, text: str) -> None:
        self.message.emit(text)

    def run_id_at(self, proxy_row: int) -> str:
        return self.proxy.index(proxy_row, 0).data(RUN_ID_ROLE)
