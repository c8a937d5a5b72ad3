"""The designer's main window: the composition of the Design tab (layer list, property editor, shape
table), the menus, the files, undo/redo and the status bar, and the one close path.

The parts are built in their own rooms: design_tab.py (the Design tab's widgets), window_menus.py
(actions, menus, toolbar, History dock), design_files.py (New, Open, Save, recent files, presets) and
settings.py (size and splitters kept between runs). This class wires them to the document and keeps
the selection of the layer list and the table in step.

Dialogs go through small methods (`show_error`, `ask_save_changes`, `ask_open_path`,
`ask_save_path`) so tests can replace them instead of clicking modal boxes.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QItemSelectionModel
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QLabel, QMainWindow, QMessageBox, QTabWidget, QWidget

from engine.sysmem import format_bytes

from . import settings as cfg
from .autosave import attach_autosave
from .design_export import attach_design_export
from .design_files import CANCEL, DISCARD, SAVE, DesignFiles
from .design_layout import DesignLayout
from .design_tab import build_design_tab
from .document import DesignDocument
from .file_drop import install_file_drop
from .layer_model import LayerListModel
from .memory_status import attach_memory_status
from .property_editor import INPUT
from .table_model import ShapeTableModel
from .window_menus import build_history_dock, build_menus, build_toolbar, create_actions
from .workspace import attach_workspace

APP_TITLE = "CNN Designer"
FILE_FILTER = "CNN Designer architecture (*.json);;All files (*)"


class MainWindow(QMainWindow):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self._syncing_selection = False
        self.document = DesignDocument(parent=self)
        self.layer_model = LayerListModel(self.document, self)
        self.shape_model = ShapeTableModel(self.document, self)
        self.files = DesignFiles(self)
        self.actions: dict[str, QAction] = {}
        self.preset_actions: dict[str, QAction] = {}

        create_actions(self)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("mainTabs")
        self.tabs.setDocumentMode(True)
        self.setCentralWidget(self.tabs)
        self.tabs.addTab(build_design_tab(self), "Design")
        build_menus(self)
        build_toolbar(self)
        self._build_status_bar()
        build_history_dock(self)
        self._connect_document()
        attach_workspace(self)  # the Train and Inside tabs
        attach_design_export(self)  # Edit › Copy, File › Export
        attach_memory_status(self)  # the training estimate in the status bar (reads the Train tab's settings)
        attach_autosave(self)  # window.autosave: the design is kept a few seconds after each edit
        install_file_drop(self)  # a dropped .json opens as the design, a dataset file or folder on the Train tab

        self.design_layout = DesignLayout(self)
        cfg.restore_window_state(self)
        self._update_title()
        self._update_undo_tips()
        self._update_status()
        self._select_layer(INPUT)
        self._update_actions()

    # ===== construction ===========================================================================
    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        bar.setStyleSheet("QStatusBar::item { border: none; } QStatusBar QLabel { padding: 0 10px; }")
        self.params_label = QLabel()
        self.params_label.setObjectName("totalParamsLabel")
        self.params_label.setToolTip("Weights and biases the network learns, all layers together.")
        self.memory_label = QLabel()
        self.memory_label.setObjectName("activationMemoryLabel")
        self.memory_label.setToolTip("Values held by all activations for one example, input included, "
                                     "and their size as float32 (4 bytes each). Training keeps them for "
                                     "every example of a batch.")
        bar.addPermanentWidget(self.params_label)
        bar.addPermanentWidget(self.memory_label)

    def _connect_document(self) -> None:
        doc = self.document
        doc.layerInserted.connect(self._select_layer)
        doc.layerRemoved.connect(self._after_remove)
        doc.layerMoved.connect(self._after_move)
        doc.layerChanged.connect(self._select_layer)
        doc.inputChanged.connect(self._select_input)
        doc.specReset.connect(self._select_input)
        doc.changed.connect(self._update_status)
        doc.undo_stack.indexChanged.connect(self._say_what_changed)
        doc.undo_stack.undoTextChanged.connect(self._update_undo_tips)
        doc.undo_stack.redoTextChanged.connect(self._update_undo_tips)
        doc.changed.connect(self._update_actions)
        doc.modifiedChanged.connect(self.setWindowModified)
        doc.filePathChanged.connect(self._update_title)
        doc.specReset.connect(self._update_title)
        self.layer_view.selectionModel().selectionChanged.connect(self._on_list_selection)
        self.table_view.selectionModel().selectionChanged.connect(self._on_table_selection)
        self.layer_view.deleteRequested.connect(self.remove_selected)
        self.editor.problem.connect(self._show_problem)

    # ===== public API =================================================================================
    @property
    def spec(self):
        """The current NetworkSpec (live; take .copy() to keep it)."""
        return self.document.spec

    def add_tab(self, widget: QWidget, title: str) -> int:
        """Add a tab after Design (e.g. Train, Inside); returns its index."""
        return self.tabs.addTab(widget, title)

    def selected_layer(self) -> int | None:
        """The selected layer's index in spec.layers; INPUT (−1) for the input; None for nothing."""
        indexes = self.layer_view.selectionModel().selectedRows()
        if not indexes:
            return None
        return self.layer_model.layer_for_row(indexes[0].row())

    def select_layer(self, index: int | None) -> None:
        self._select_layer(index)

    # --- layers ---
    def add_layer(self, kind: str) -> int:
        """Insert a `kind` layer after the selected row (at the end if nothing is selected)."""
        selected = self.selected_layer()
        return self.document.add_layer(kind, after=selected)

    def remove_selected(self) -> None:
        index = self.selected_layer()
        if index is not None and index >= 0:
            self.document.remove_layer(index)

    def duplicate_selected(self) -> None:
        index = self.selected_layer()
        if index is not None and index >= 0:
            self.document.duplicate_layer(index)

    def move_selected_up(self) -> None:
        index = self.selected_layer()
        if index is not None and index > 0:
            self.document.move_layer(index, index - 1)

    def move_selected_down(self) -> None:
        index = self.selected_layer()
        if index is not None and 0 <= index < self.document.layer_count - 1:
            self.document.move_layer(index, index + 1)

    # --- files (design_files.py does the work) ---
    def new_design(self) -> bool:
        return self.load_preset("blank")

    def load_preset(self, key: str) -> bool:
        """Start over from a preset (after offering to save changes). False if cancelled or broken."""
        loaded = self.files.load_preset(key)
        if loaded:
            self._last_stack_index = 0   # the status bar's "what changed" starts over
        return loaded

    def open_dialog(self) -> bool:
        return self.files.open_dialog()

    def open_file(self, path) -> bool:
        """Read an architecture JSON file into the window. On any problem the current design stays
        as it was and the error is shown. No unsaved-changes prompt here (the menu asks first)."""
        return self.files.open_file(path)

    def save(self) -> bool:
        return self.files.save()

    def save_as(self) -> bool:
        return self.files.save_as()

    def save_file(self, path) -> bool:
        """Write the design as "cnn-designer/1" JSON (atomically: a failed save leaves any old file
        as it was). Shows the error and returns False on failure."""
        return self.files.save_file(path)

    def maybe_save(self) -> bool:
        """Offer to save a modified design. True if it is fine to go on (saved or discarded)."""
        return self.files.maybe_save()

    def recent_files(self) -> list[str]:
        return self.files.recent_files()

    def suggested_save_path(self) -> Path:
        """Where Save first proposes to write: the design's name in the folder last opened from or saved to."""
        return self.files.suggested_save_path()

    # --- dialogs (tests replace these) ---
    def show_error(self, title: str, text: str) -> None:
        QMessageBox.warning(self, title, text)

    def ask_save_changes(self) -> str:
        """SAVE, DISCARD or CANCEL."""
        box = QMessageBox(QMessageBox.Icon.Warning, APP_TITLE,
                          f"Save the changes to “{self.document.display_name}” first?",
                          QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                          | QMessageBox.StandardButton.Cancel, self)
        box.setInformativeText("If you don't, your changes are lost.")
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        answer = box.exec()
        return {QMessageBox.StandardButton.Save: SAVE,
                QMessageBox.StandardButton.Discard: DISCARD}.get(QMessageBox.StandardButton(answer), CANCEL)

    def ask_open_path(self) -> str | None:
        path, _ = QFileDialog.getOpenFileName(self, "Open architecture", self.files.last_dir(), FILE_FILTER)
        return path or None

    def ask_save_path(self) -> str | None:
        path, _ = QFileDialog.getSaveFileName(self, "Save architecture", str(self.suggested_save_path()), FILE_FILTER)
        if path and not Path(path).suffix:
            path += ".json"
        return path or None

    # ===== selection ==============================================================================
    def _select_layer(self, index: int | None) -> None:
        """Select layer `index` (INPUT for the input, None to clear) in the list."""
        selection = self.layer_view.selectionModel()
        if index is None:
            selection.clearSelection()
            self.editor.set_current(None)
            return
        row = self.layer_model.row_for_layer(index)
        if not 0 <= row < self.layer_model.rowCount():
            row = self.layer_model.rowCount() - 1
        model_index = self.layer_model.index(row, 0)
        if selection.isSelected(model_index) and selection.currentIndex() == model_index:
            self.editor.set_current(self.layer_model.layer_for_row(row))
            return
        selection.setCurrentIndex(model_index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        self.layer_view.scrollTo(model_index)

    def _select_input(self) -> None:
        self._select_layer(INPUT)

    def _after_move(self, source: int, destination: int) -> None:
        self._select_layer(destination)

    def _show_problem(self, message: str) -> None:
        self.statusBar().showMessage(message, 6000)

    def _say_what_changed(self, index: int) -> None:
        """The status bar follows the edits (not "Loaded …" from long ago): "Change CONV1 stride",
        "Undid: Add FC5"."""
        stack = self.document.undo_stack
        before, self._last_stack_index = getattr(self, "_last_stack_index", 0), index
        if index > before:
            self.statusBar().showMessage(stack.text(index - 1), 4000)
        elif index < before:
            self.statusBar().showMessage(f"Undid: {stack.text(index)}", 4000)

    def _after_remove(self, index: int) -> None:
        count = self.document.layer_count
        self._select_layer(min(index, count - 1) if count else INPUT)

    def _on_list_selection(self, *args) -> None:
        layer = self.selected_layer()
        self.editor.set_current(layer)
        self.diagram_pane.diagram.set_selected(layer)
        self._update_actions()
        if self._syncing_selection:
            return
        self._syncing_selection = True
        try:
            table_selection = self.table_view.selectionModel()
            if layer is None:
                table_selection.clearSelection()
            else:
                row = self.shape_model.row_for_layer(layer)
                table_selection.setCurrentIndex(
                    self.shape_model.index(row, 0),
                    QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        finally:
            self._syncing_selection = False

    def _on_table_selection(self, *args) -> None:
        if self._syncing_selection:
            return
        rows = self.table_view.selectionModel().selectedRows()
        if not rows:
            return
        layer = self.shape_model.layer_for_row(rows[0].row())
        if layer is None:  # the totals row
            return
        self._syncing_selection = True
        try:
            self._select_layer(layer)
        finally:
            self._syncing_selection = False


    # ===== keeping the window in step =================================================================
    def _update_actions(self) -> None:
        index = self.selected_layer()
        is_layer = index is not None and index >= 0
        self.actions["remove"].setEnabled(is_layer)
        self.actions["duplicate"].setEnabled(is_layer)
        self.actions["moveUp"].setEnabled(is_layer and index > 0)
        self.actions["moveDown"].setEnabled(is_layer and index < self.document.layer_count - 1)


    def _update_undo_tips(self, *args) -> None:
        """The Undo and Redo tooltips name the edit they would undo or redo."""
        stack = self.document.undo_stack
        undo_text, redo_text = stack.undoText(), stack.redoText()
        self.actions["undo"].setToolTip(f"Undo {undo_text} (Ctrl+Z)" if undo_text else "Nothing to undo")
        self.actions["redo"].setToolTip(f"Redo {redo_text} (Ctrl+Shift+Z or Ctrl+Y)" if redo_text
                                        else "Nothing to redo")

    def _update_title(self, *args) -> None:
        self.setWindowTitle(f"{self.document.display_name}[*] — {APP_TITLE}")
        self.setWindowModified(self.document.is_modified)

    def _update_status(self) -> None:
        summary = self.document.summary
        broken = summary.error_row
        upto = f" (above {broken.name})" if broken is not None else ""
        self.params_label.setText(f"Parameters: <b>{summary.total_params:,}</b>{upto}")
        values = summary.total_activation_size
        # Short, so the status bar still has room for the training estimate at 1024 px; the units are the
        # estimate's (engine.sysmem.format_bytes), so the two numbers side by side read alike.
        self.memory_label.setText(f"Activations per example: <b>{values:,}</b> ({format_bytes(values * 4)})")
        error = summary.error
        self.error_banner.setVisible(bool(error))
        self.error_banner.setText(f"⚠ {error}" if error else "")
        self.error_banner.setToolTip(error or "")

    # ===== closing ==================================================================================
    def save_window_settings(self) -> None:
        cfg.save_window_state(self)

    def closeEvent(self, event) -> None:
        if not self.maybe_save():
            event.ignore()
            return
        self.save_window_settings()
        # The one shutdown path of the training thread: tabs that run work (the Train tab:
        # TrainingPanel.shutdown → RunController.shutdown) stop it and join it before the window goes.
        for index in range(self.tabs.count()):
            shutdown = getattr(self.tabs.widget(index), "shutdown", None)
            if callable(shutdown):
                shutdown()
        self.autosave.discard()  # a clean close: nothing to restore at the next start
        event.accept()
