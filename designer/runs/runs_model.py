"""The table model of the Runs view: one row per recorded run, from engine.runs and engine.runs_compare.

The numbers come from `compare_rows` (what each run recorded); this model only formats them. The Name and
Notes cells are editable: an edit is written to the run's run.json at once (engine.runs.rename_run /
set_notes). `SORT_ROLE` gives the raw value of a cell (a number, or text), so the proxy sorts numbers as
numbers; `FILTER_ROLE` gives the design and dataset names the filter box matches.
"""
from __future__ import annotations

import math
from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QColor

from engine.runs import Run, RunError, list_runs, rename_run, set_notes
from engine.runs_compare import compare_rows, duration, percent

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
FILTER_ROLE = Qt.ItemDataRole.UserRole + 2
RUN_ID_ROLE = Qt.ItemDataRole.UserRole + 3

# (key, header, tooltip)
COLUMNS = (
    ("name", "Name", "Your name for the run (double-click to rename; empty = the design's name)"),
    ("design", "Design", "The design that was trained"),
    ("dataset", "Dataset", "The dataset it was trained on"),
    ("settings", "Settings", "Optimizer, learning rate and batch size, then the training aids that were on"),
    ("epochs", "Epochs", "Epochs trained / planned"),
    ("train_accuracy", "Train acc", "Training accuracy of the epoch whose weights were kept"),
    ("validation_accuracy", "Val acc", "Validation accuracy of the epoch whose weights were kept"),
    ("test_accuracy", "Test acc", "Test accuracy of the kept weights"),
    ("seconds", "Time", "How long the training took"),
    ("created", "Recorded", "When the run was recorded"),
    ("notes", "Notes", "Your notes (double-click to edit)"),
)
EDITABLE = {"name", "notes"}
NUMERIC = {"train_accuracy", "validation_accuracy", "test_accuracy", "seconds"}


class RunsTableModel(QAbstractTableModel):
    """Rows of `compare_rows(list_runs(folder))`; `reload()` reads the folder again."""

    error = Signal(str)          # a rename or a notes edit that could not be written

    def __init__(self, folder: Path, parent=None):
        super().__init__(parent)
        self.folder = Path(folder)
        self.runs: list[Run] = []
        self.rows: list[dict] = []
        self.notes: list[str] = []    # damaged run folders that were skipped
        self.colours: dict[str, tuple] = {}   # run id → its curves' colour, shown beside its name

    def reload(self) -> None:
        self.beginResetModel()
        self.runs, self.notes = list_runs(self.folder)
        self.rows = compare_rows(self.runs)
        self.endResetModel()

    def run_at(self, row: int) -> Run:
        return self.runs[row]

    def set_colours(self, colours: dict[str, tuple]) -> None:
        """Show each plotted run's colour beside its name (the table is the curves' key)."""
        self.colours = dict(colours)
        if self.rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.rows) - 1, 0),
                                  [Qt.ItemDataRole.DecorationRole])

    def row_of(self, run_id: str) -> int:
        return next((i for i, run in enumerate(self.runs) if run.id == run_id), -1)

    # ----- QAbstractTableModel ----------------------------------------------------------------------
    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section][1]
        if role == Qt.ItemDataRole.ToolTipRole:
            return COLUMNS[section][2]
        return None

    def flags(self, index):
        flags = super().flags(index)
        if index.isValid() and COLUMNS[index.column()][0] in EDITABLE:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        key = COLUMNS[index.column()][0]
        row, run = self.rows[index.row()], self.runs[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return self._text(key, row, run, role == Qt.ItemDataRole.EditRole)
        if role == SORT_ROLE:
            return self._sort_value(key, row, run)
        if role == FILTER_ROLE:
            return f"{row['design']}\n{row['dataset']}"
        if role == RUN_ID_ROLE:
            return run.id
        if role == Qt.ItemDataRole.DecorationRole and key == "name" and run.id in self.colours:
            return QColor(*self.colours[run.id])
        if role == Qt.ItemDataRole.ToolTipRole:
            if key == "settings":
                return row["settings"]
            if key == "notes":
                return run.notes or None
            if key == "name":
                return f"{run.id}\nstatus: {row['status']}"
        if role == Qt.ItemDataRole.TextAlignmentRole and (key in NUMERIC or key == "epochs"):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def setData(self, index, value, role=Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        key = COLUMNS[index.column()][0]
        if key not in EDITABLE:
            return False
        run = self.runs[index.row()]
        try:
            changed = (rename_run if key == "name" else set_notes)(self.folder, run.id, str(value))
        except RunError as exc:
            self.error.emit(str(exc))
            return False
        self.runs[index.row()] = changed
        self.rows[index.row()] = compare_rows([changed])[0]
        self.dataChanged.emit(self.index(index.row(), 0), self.index(index.row(), len(COLUMNS) - 1))
        return True

    # ----- cells ---------------------------------------------------------------------------------------
    @staticmethod
    def _text(key: str, row: dict, run: Run, editing: bool) -> str:
        if key == "name":
            return run.data.get("name", "") if editing else run.name
        if key == "notes":
            return run.notes if editing else run.notes.replace("\n", " ⏎ ")
        if key in ("train_accuracy", "validation_accuracy", "test_accuracy"):
            return percent(row[key])
        if key == "seconds":
            return duration(row[key])
        if key == "created":
            return run.created.replace("T", " ")[:16]
        return str(row[key])

    @staticmethod
    def _sort_value(key: str, row: dict, run: Run):
        if key in NUMERIC:
            value = row[key]
            return value if isinstance(value, (int, float)) and math.isfinite(value) else -math.inf
        if key == "epochs":
            return row["epochs_completed"]
        if key == "created":
            return run.created
        return RunsTableModel._text(key, row, run, False).lower()


class RunsFilterModel(QSortFilterProxyModel):
    """Sorts by `SORT_ROLE` and keeps the rows whose design or dataset contains the filter text."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.setFilterRole(FILTER_ROLE)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterKeyColumn(0)

    def lessThan(self, left, right) -> bool:
        a, b = left.data(SORT_ROLE), right.data(SORT_ROLE)
        if type(a) is not type(b) and not (isinstance(a, (int, float)) and isinstance(b, (int, float))):
            return str(a) < str(b)
        return a < b
