"""The designer's main window: the Design tab (layer list, property editor, shape table), menus,
files, presets, undo/redo and the status bar.

Dialogs go through small methods (`show_error`, `ask_save_changes`, `ask_open_path`,
`ask_save_path`) so tests can replace them instead of clicking modal boxes.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QItemSelectionModel, QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QDockWidget, QFileDialog, QFrame, QGridLayout, QHBoxLayout, QLabel, QMainWindow,
                               QMessageBox, QScrollArea, QSizePolicy, QSplitter, QStyle, QTabWidget,
                               QToolButton, QUndoView, QVBoxLayout, QWidget)

from engine.spec import SpecError, load_spec, save_spec

from . import settings as cfg
from .check_yourself import CheckYourselfMode
from .course_examples import add_course_examples_menu
from .design_export import attach_design_export
from .design_layout import DesignLayout
from .diagram_view import DiagramPane
from .autosave import attach_autosave
from .document import DesignDocument
from .help_dialogs import add_help_actions
from .icons import kind_icon
from .layer_model import LayerListModel
from .memory_status import attach_memory_status
from .output_hint import OutputHint
from .layers import add_button_name, add_shortcut, add_tooltip, button_label, kind_types
from .presets import PRESETS, load_preset
from .property_editor import INPUT, PropertyEditor
from .table_model import COL_WHY, ShapeTableModel
from .views import LayerListView, ShapeTableView
from .workspace import attach_workspace

APP_TITLE = "CNN Designer"
UNTITLED = "Untitled"
FILE_FILTER = "CNN Designer architecture (*.json);;All files (*)"
DEFAULT_SIZE = (1280, 800)


SAVE, DISCARD, CANCEL = "save", "discard", "cancel"


def _human_bytes(n: int) -> str:
    value = float(n)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{n:,} bytes" if unit == "bytes" else f"{value:,.1f} {unit}"
        value /= 1024
    return f"{n:,} bytes"


class _UndoPassThrough(QObject):
    """Lets Ctrl+Z / Ctrl+Y reach the window's undo stack while a spin box or name field has
    focus: their built-in text undo would swallow the keys and undo nothing of the design."""

    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.ShortcutOverride:
            if event.matches(QKeySequence.StandardKey.Undo) or event.matches(QKeySequence.StandardKey.Redo) \
                    or (event.key() == Qt.Key.Key_Y and event.modifiers() == Qt.KeyboardModifier.ControlModifier):
                event.ignore()
                return True
        return False


def _key_sequences(keys) -> list[QKeySequence]:
    """QKeySequences for a list of StandardKeys and key strings: every binding the platform gives a
    StandardKey, without empties or repeats (Quit has no binding on some platforms)."""
    sequences: list[QKeySequence] = []
    for key in keys:
        found = QKeySequence.keyBindings(key) if isinstance(key, QKeySequence.StandardKey) else [QKeySequence(key)]
        sequences.extend(s for s in found if not s.isEmpty() and s not in sequences)
    return sequences


class MainWindow(QMainWindow):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self._syncing_selection = False
        self.document = DesignDocument(parent=self)
        self.layer_model = LayerListModel(self.document, self)
        self.shape_model = ShapeTableModel(self.document, self)
        self.actions: dict[str, QAction] = {}
        self.preset_actions: dict[str, QAction] = {}

        self._create_actions()
        self._build_central()
        self._build_menus()
        self._build_toolbar()
        self._build_status_bar()
        self._build_history_dock()
        self._connect_document()
        attach_workspace(self)  # the Train and Inside tabs
        attach_design_export(self)  # Edit › Copy, File › Export
        attach_memory_status(self)  # the training estimate in the status bar (reads the Train tab's settings)
        attach_autosave(self)  # window.autosave: the design is kept a few seconds after each edit

        self.design_layout = DesignLayout(self)
        self._restore_settings()
        self._update_title()
        self._update_status()
        self._select_layer(INPUT)
        self._update_actions()

    # ===== construction ===========================================================================
    def _icon(self, standard: QStyle.StandardPixmap):
        return self.style().standardIcon(standard)

    def _action(self, key: str, text: str, tip: str, slot, shortcut=None, icon=None) -> QAction:
        action = QAction(text, self)
        action.setObjectName(f"{key}Action")
        tip_with_keys = tip
        if shortcut is not None:
            sequences = _key_sequences(shortcut if isinstance(shortcut, list) else [shortcut])
            action.setShortcuts(sequences)
            keys = " or ".join(s.toString(QKeySequence.SequenceFormat.NativeText) for s in sequences)
            tip_with_keys = f"{tip} ({keys})" if keys else tip
        action.setToolTip(tip_with_keys)
        action.setStatusTip(tip)
        if icon is not None:
            action.setIcon(icon)
        action.triggered.connect(slot)
        self.actions[key] = action
        self.addAction(action)  # shortcuts work even when no menu shows the action
        return action

    def _create_actions(self) -> None:
        sp = QStyle.StandardPixmap
        self._action("new", "&New", "Start a blank design (input 32×32×3, no layers)", self.new_design,
                     QKeySequence.StandardKey.New, self._icon(sp.SP_FileIcon))
        self._action("open", "&Open…", "Open an architecture JSON file", self.open_dialog,
                     QKeySequence.StandardKey.Open, self._icon(sp.SP_DialogOpenButton))
        self._action("save", "&Save", "Save the design as architecture JSON", self.save,
                     QKeySequence.StandardKey.Save, self._icon(sp.SP_DialogSaveButton))
        self._action("saveAs", "Save &As…", "Save the design to a new JSON file", self.save_as,
                     "Ctrl+Shift+S")
        # The platform's Quit keys, and Ctrl+Q where the platform has none (Windows, bare X sessions).
        self._action("quit", "&Quit", "Close CNN Designer", self.close, [QKeySequence.StandardKey.Quit, "Ctrl+Q"])

        stack = self.document.undo_stack
        undo = stack.createUndoAction(self, "&Undo")
        undo.setObjectName("undoAction")
        undo.setShortcuts([QKeySequence(QKeySequence.StandardKey.Undo)])
        undo.setIcon(self._icon(sp.SP_ArrowBack))
        redo = stack.createRedoAction(self, "&Redo")
        redo.setObjectName("redoAction")
        redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        redo.setIcon(self._icon(sp.SP_ArrowForward))
        for key, action in (("undo", undo), ("redo", redo)):
            # The toolbar keeps a short label; the tooltip names the edit ("Undo Change CONV1 size").
            action.setIconText(key.capitalize())
            self.actions[key] = action
            self.addAction(action)
        stack.undoTextChanged.connect(self._update_undo_tips)
        stack.redoTextChanged.connect(self._update_undo_tips)
        self._update_undo_tips()

        for kind in kind_types():
            self._action(f"add_{kind}", button_label(kind), add_tooltip(kind),
                         lambda checked=False, k=kind: self.add_layer(k), add_shortcut(kind), kind_icon(kind))
        remove = self._action("remove", "Remove", "Remove the selected layer", self.remove_selected,
                              QKeySequence.StandardKey.Delete, self._icon(sp.SP_TrashIcon))
        # Delete means "remove layer" only while the list has focus; in text fields it deletes text.
        remove.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.removeAction(remove)
        self._action("duplicate", "Duplicate", "Insert a copy of the selected layer right after it",
                     self.duplicate_selected, "Ctrl+D", self._icon(sp.SP_FileLinkIcon))
        self._action("moveUp", "Up", "Move the selected layer one place up", self.move_selected_up,
                     "Alt+Up", self._icon(sp.SP_ArrowUp))
        self._action("moveDown", "Down", "Move the selected layer one place down", self.move_selected_down,
                     "Alt+Down", self._icon(sp.SP_ArrowDown))

        for preset in PRESETS:
            action = QAction(preset.title, self)
            action.setObjectName(f"preset_{preset.key}")
            action.setToolTip(preset.tip)
            action.setStatusTip(preset.tip)
            action.triggered.connect(lambda checked=False, key=preset.key: self.load_preset(key))
            self.preset_actions[preset.key] = action

    def _tool_button(self, action: QAction, name: str) -> QToolButton:
        button = QToolButton()
        button.setObjectName(name)
        button.setDefaultAction(action)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        button.setAutoRaise(False)
        return button

    @staticmethod
    def _heading(text: str) -> QLabel:
        label = QLabel(text)
        font = label.font()
        font.setBold(True)
        label.setFont(font)
        return label

    def _build_central(self) -> None:
        self.tabs = QTabWidget()
        self.tabs.setObjectName("mainTabs")
        self.tabs.setDocumentMode(True)
        self.setCentralWidget(self.tabs)

        design = QWidget()
        design.setObjectName("designTab")
        design_layout = QHBoxLayout(design)
        design_layout.setContentsMargins(4, 4, 4, 4)

        # --- left: the layer list with its add and edit buttons ---
        list_panel = QWidget()
        list_layout = QVBoxLayout(list_panel)
        list_layout.setContentsMargins(0, 0, 0, 0)
        list_layout.setSpacing(4)
        list_layout.addWidget(self._heading("Layers"))
        # Buttons in rows of three (add) and two (edit): the list panel stays narrow enough for the
        # table's every column to fit beside it on a 1024-px-wide window.
        add_grid = QGridLayout()
        add_grid.setSpacing(4)
        self.add_buttons: dict[str, QToolButton] = {}
        for number, kind in enumerate(kind_types()):
            button = self._tool_button(self.actions[f"add_{kind}"], add_button_name(kind))
            self.add_buttons[kind] = button
            add_grid.addWidget(button, number // 3, number % 3)
        list_layout.addLayout(add_grid)

        self.layer_view = LayerListView()
        self.layer_view.setModel(self.layer_model)
        self.layer_view.addAction(self.actions["remove"])
        self.layer_view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        for key in ("duplicate", "moveUp", "moveDown"):
            self.layer_view.addAction(self.actions[key])
        list_layout.addWidget(self.layer_view, 1)

        edit_grid = QGridLayout()
        edit_grid.setSpacing(4)
        self.remove_button = self._tool_button(self.actions["remove"], "removeLayerButton")
        self.duplicate_button = self._tool_button(self.actions["duplicate"], "duplicateButton")
        self.move_up_button = self._tool_button(self.actions["moveUp"], "moveUpButton")
        self.move_down_button = self._tool_button(self.actions["moveDown"], "moveDownButton")
        for number, button in enumerate((self.remove_button, self.duplicate_button, self.move_up_button,
                                         self.move_down_button)):
            edit_grid.addWidget(button, number // 2, number % 2)
        list_layout.addLayout(edit_grid)

        # --- right: the table, and under it the selected layer's properties ---
        table_panel = QWidget()
        table_layout = QVBoxLayout(table_panel)
        table_layout.setContentsMargins(0, 0, 0, 0)
        table_layout.setSpacing(4)
        table_layout.addWidget(self._heading("Layer table"))
        self.error_banner = QLabel()
        self.error_banner.setObjectName("errorBanner")
        self.error_banner.setWordWrap(True)
        self.error_banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_banner.setStyleSheet("QLabel { color: #8c1d18; background: #fde7e7; border: 1px solid #f0b4b4;"
                                        " border-radius: 4px; padding: 6px 8px; }")
        self.error_banner.hide()
        table_layout.addWidget(self.error_banner)
        self.table_view = ShapeTableView()
        self.table_view.setModel(self.shape_model)
        self.table_view.addAction(self.actions["remove"])  # Delete works on a selected table row too
        self.check_mode = CheckYourselfMode(self)
        table_layout.addWidget(self.check_mode.score_label)
        table_layout.addWidget(self.table_view, 1)
        self.output_hint = OutputHint(self.document)
        table_layout.addWidget(self.output_hint)
        legend = QLabel("Shapes as in the course: (n_H,n_W,n_C) for a volume, (units,1) for a vector. "
                        "Click a row to edit that layer. A red row cannot work: the reason is in its "
                        "Formula cell and tooltip; the rows after it wait for it (—).")
        legend.setObjectName("tableLegend")
        legend.setWordWrap(True)
        legend.setStyleSheet("color: palette(placeholder-text);")
        table_layout.addWidget(legend)

        self.editor = PropertyEditor(self.document)
        editor_scroll = QScrollArea()
        editor_scroll.setObjectName("editorScroll")
        editor_scroll.setWidget(self.editor)
        editor_scroll.setWidgetResizable(True)
        editor_scroll.setFrameShape(QFrame.Shape.StyledPanel)

        # The volume diagram shares the table's place (a splitter between them; View › Volume diagram).
        self.diagram_pane = DiagramPane(self.document)
        self.diagram_pane.diagram.layerClicked.connect(self._select_layer)
        self.table_splitter = QSplitter(Qt.Orientation.Vertical)
        self.table_splitter.setObjectName("tableDiagramSplitter")
        self.table_splitter.addWidget(table_panel)
        self.table_splitter.addWidget(self.diagram_pane)
        self.table_splitter.setChildrenCollapsible(False)
        self.table_splitter.setSizes([310, 250])

        self.right_splitter = QSplitter(Qt.Orientation.Vertical)
        self.right_splitter.setObjectName("rightSplitter")
        self.right_splitter.addWidget(self.table_splitter)
        self.right_splitter.addWidget(editor_scroll)
        self.right_splitter.setChildrenCollapsible(False)
        self.right_splitter.setStretchFactor(0, 1)
        self.right_splitter.setStretchFactor(1, 0)

        self.design_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.design_splitter.setObjectName("designSplitter")
        self.design_splitter.addWidget(list_panel)
        self.design_splitter.addWidget(self.right_splitter)
        self.design_splitter.setChildrenCollapsible(False)
        self.design_splitter.setStretchFactor(0, 0)
        self.design_splitter.setStretchFactor(1, 1)
        self.design_splitter.setSizes([244, 1036])
        self.right_splitter.setSizes([590, 210])
        design_layout.addWidget(self.design_splitter)
        self.tabs.addTab(design, "Design")

        self._set_tab_order()
        self._undo_filter = _UndoPassThrough(self)
        for widget in self.editor.findChildren(QWidget):
            if widget.objectName() in ("layerName",) or widget.inherits("QAbstractSpinBox"):
                widget.installEventFilter(self._undo_filter)

    def _set_tab_order(self) -> None:
        """Tab walks the Design tab as it reads: add buttons → layer list → its buttons → layer table →
        the property editor (name, then the fields) → the diagram's buttons. The table doesn't keep Tab
        for its cells (arrow keys move between them), so Tab never stays in it."""
        chain = [*self.add_buttons.values(), self.layer_view, self.remove_button, self.duplicate_button,
                 self.move_up_button, self.move_down_button, self.table_view, self.editor.name_edit]
        for first, second in zip(chain, chain[1:]):
            QWidget.setTabOrder(first, second)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = self.file_menu = bar.addMenu("&File")
        file_menu.addAction(self.actions["new"])
        file_menu.addAction(self.actions["open"])
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recent_menu.setObjectName("recentMenu")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file_menu.addSeparator()
        file_menu.addAction(self.actions["save"])
        file_menu.addAction(self.actions["saveAs"])
        file_menu.addSeparator()
        file_menu.addAction(self.actions["quit"])

        edit_menu = self.edit_menu = bar.addMenu("&Edit")
        edit_menu.addAction(self.actions["undo"])
        edit_menu.addAction(self.actions["redo"])

        layer_menu = bar.addMenu("&Layer")
        for kind in kind_types():
            action = self.actions[f"add_{kind}"]
            layer_menu.addAction(action)
        layer_menu.addSeparator()
        for key in ("duplicate", "remove", "moveUp", "moveDown"):
            layer_menu.addAction(self.actions[key])

        presets_menu = bar.addMenu("&Presets")
        presets_menu.setObjectName("presetsMenu")
        presets_menu.setToolTipsVisible(True)
        for preset in PRESETS:
            if preset.file is None:
                presets_menu.addSeparator()
            presets_menu.addAction(self.preset_actions[preset.key])
        self.presets_menu = presets_menu

        self.view_menu = bar.addMenu("&View")
        diagram = QAction("Volume &diagram", self)
        diagram.setObjectName("diagramAction")
        diagram.setCheckable(True)
        diagram.setChecked(True)
        diagram.setToolTip("Show the design as the course draws it: a box per activation volume")
        diagram.toggled.connect(self.diagram_pane.setVisible)
        self.actions["diagram"] = diagram
        self.view_menu.addAction(diagram)
        why = QAction("&Why convolutions (vs. FC column)", self)
        why.setObjectName("whyColumnAction")
        why.setCheckable(True)
        why.setToolTip("A column saying how many times fewer parameters each conv layer has than a fully "
                       "connected layer between the same volumes")
        why.toggled.connect(self._show_why_column)
        self.actions["whyColumn"] = why
        self.view_menu.addAction(why)
        check = QAction("&Check yourself", self)
        check.setObjectName("checkYourselfAction")
        check.setCheckable(True)
        check.setShortcut(QKeySequence("Ctrl+K"))
        check.setToolTip("Hide the shapes, sizes and parameter counts of the layers you tick and type your "
                         "own answers; each is marked right or wrong")
        check.toggled.connect(self.check_mode.set_active)
        self.actions["checkYourself"] = check
        self.view_menu.addAction(check)
        self._show_why_column(False)
        help_menu = self.help_menu = bar.addMenu("&Help")
        add_course_examples_menu(self, help_menu)
        self.actions.update({f"help_{key}": action for key, action in add_help_actions(self, help_menu).items()})
        about = QAction("&About CNN Designer", self)
        about.triggered.connect(self._about)
        help_menu.addAction(about)
        self._fill_recent_menu()

    def _build_toolbar(self) -> None:
        toolbar = self.addToolBar("Main")
        toolbar.setObjectName("mainToolBar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        for key in ("new", "open", "save"):
            toolbar.addAction(self.actions[key])
        toolbar.addSeparator()
        toolbar.addAction(self.actions["undo"])
        toolbar.addAction(self.actions["redo"])
        toolbar.addSeparator()
        presets_button = QToolButton()
        presets_button.setObjectName("presetsButton")
        presets_button.setText("Presets")
        presets_button.setToolTip("Start from one of the course's networks, or a blank design")
        presets_button.setMenu(self.presets_menu)
        presets_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        presets_button.setIcon(self._icon(QStyle.StandardPixmap.SP_FileDialogContentsView))
        presets_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        toolbar.addWidget(presets_button)
        self.toolbar = toolbar

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

    def _build_history_dock(self) -> None:
        dock = QDockWidget("History", self)
        dock.setObjectName("historyDock")
        view = QUndoView(self.document.undo_stack)
        view.setObjectName("historyView")
        view.setEmptyLabel("Start of the design")
        dock.setWidget(view)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        dock.hide()
        toggle = dock.toggleViewAction()
        toggle.setText("&History")
        toggle.setToolTip("Show every edit; click one to go back to it")
        toggle.setShortcut(QKeySequence("Ctrl+H"))
        self.view_menu.addAction(toggle)
        self.history_dock = dock

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

    # --- files ---
    def new_design(self) -> bool:
        return self.load_preset("blank")

    def load_preset(self, key: str) -> bool:
        """Start over from a preset (after offering to save changes). False if cancelled or broken."""
        if not self.maybe_save():
            return False
        try:
            spec = load_preset(key)
        except SpecError as exc:
            self.show_error("Could not load the preset", str(exc))
            return False
        if not spec.name:   # File › New: a name, so the saved file and `summary` have a title
            spec.name = UNTITLED
        self.document.load(spec, None)
        self.statusBar().showMessage(f"Loaded {spec.name}" if spec.name != UNTITLED else "New design", 4000)
        self._last_stack_index = 0
        return True

    def open_dialog(self) -> bool:
        if not self.maybe_save():
            return False
        path = self.ask_open_path()
        return bool(path) and self.open_file(path)

    def open_file(self, path) -> bool:
        """Read an architecture JSON file into the window. On any problem the current design stays
        as it was and the error is shown. No unsaved-changes prompt here (the menu asks first)."""
        try:
            spec = load_spec(path)
        except SpecError as exc:
            self.show_error("Could not open the file", str(exc))
            return False
        self.document.load(spec, Path(path))
        self._remember_recent(path)
        self.statusBar().showMessage(f"Opened {Path(path).name}", 4000)
        return True

    def save(self) -> bool:
        if self.document.file_path is None:
            return self.save_as()
        return self.save_file(self.document.file_path)

    def save_as(self) -> bool:
        path = self.ask_save_path()
        return bool(path) and self.save_file(path)

    def save_file(self, path) -> bool:
        """Write the design as "cnn-designer/1" JSON (atomically: a failed save leaves any old file
        as it was). Shows the error and returns False on failure."""
        path = Path(path)
        try:
            save_spec(self.document.spec, path)
        except (OSError, ValueError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            self.show_error("Could not save the file", f"{path}: {reason}")
            return False
        self.document.mark_saved(path)
        self._remember_recent(path)
        self.statusBar().showMessage(f"Saved {path.name}", 4000)
        return True

    def maybe_save(self) -> bool:
        """Offer to save a modified design. True if it is fine to go on (saved or discarded)."""
        if not self.document.is_modified:
            return True
        answer = self.ask_save_changes()
        if answer == SAVE:
            return self.save()
        return answer == DISCARD

    def recent_files(self) -> list[str]:
        return cfg.read_list(cfg.app_settings(), cfg.KEY_RECENT)

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
        path, _ = QFileDialog.getOpenFileName(self, "Open architecture", self._last_dir(), FILE_FILTER)
        return path or None

    def suggested_save_path(self) -> Path:
        """Where Save first proposes to write: the design's name in the folder last opened from or saved to."""
        current = self.document.file_path
        return current if current else Path(self._last_dir()) / f"{self._suggested_name()}.json"

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

    def _show_why_column(self, shown: bool) -> None:
        self.table_view.setColumnHidden(COL_WHY, not shown)
        self.table_view.fit_columns()

    # ===== keeping the window in step =================================================================
    def _update_actions(self) -> None:
        index = self.selected_layer()
        is_layer = index is not None and index >= 0
        self.actions["remove"].setEnabled(is_layer)
        self.actions["duplicate"].setEnabled(is_layer)
        self.actions["moveUp"].setEnabled(is_layer and index > 0)
        self.actions["moveDown"].setEnabled(is_layer and index < self.document.layer_count - 1)

    def _update_undo_tips(self, *args) -> None:
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
        upto = f" (rows above {broken.name})" if broken is not None else ""
        self.params_label.setText(f"Parameters: <b>{summary.total_params:,}</b>{upto}")
        values = summary.total_activation_size
        self.memory_label.setText(f"Activation memory: <b>{values:,}</b> values "
                                  f"({_human_bytes(values * 4)} float32) per example")
        error = summary.error
        self.error_banner.setVisible(bool(error))
        self.error_banner.setText(f"⚠ {error}" if error else "")
        self.error_banner.setToolTip(error or "")

    # ===== recent files =============================================================================
    def _remember_recent(self, path) -> None:
        path = str(Path(path).resolve())
        settings = cfg.app_settings()
        recent = [p for p in cfg.read_list(settings, cfg.KEY_RECENT) if p != path]
        recent.insert(0, path)
        settings.setValue(cfg.KEY_RECENT, recent[:cfg.MAX_RECENT])
        settings.setValue(cfg.KEY_LAST_DIR, str(Path(path).parent))
        self._fill_recent_menu()

    def _fill_recent_menu(self) -> None:
        menu = self.recent_menu
        menu.clear()
        recent = self.recent_files()
        for number, path in enumerate(recent, start=1):
            action = menu.addAction(f"&{number} {Path(path).name}")
            action.setToolTip(path)
            action.setStatusTip(path)
            action.triggered.connect(lambda checked=False, p=path: self._open_recent(p))
        if recent:
            menu.addSeparator()
            menu.addAction("Clear the list", self._clear_recent)
        else:
            empty = menu.addAction("No recent files")
            empty.setEnabled(False)
        menu.setToolTipsVisible(True)

    def _open_recent(self, path: str) -> bool:
        if not self.maybe_save():
            return False
        if self.open_file(path):
            return True
        settings = cfg.app_settings()
        settings.setValue(cfg.KEY_RECENT, [p for p in cfg.read_list(settings, cfg.KEY_RECENT) if p != path])
        self._fill_recent_menu()
        return False

    def _clear_recent(self) -> None:
        cfg.app_settings().remove(cfg.KEY_RECENT)
        self._fill_recent_menu()

    def _last_dir(self) -> str:
        value = cfg.app_settings().value(cfg.KEY_LAST_DIR)
        return str(value) if value and Path(str(value)).is_dir() else str(Path.home())

    def _suggested_name(self) -> str:
        name = self.document.spec.name or "design"
        keep = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in name.split(" (")[0])
        return keep.strip("_") or "design"

    # ===== window state ==============================================================================
    def _restore_settings(self) -> None:
        settings = cfg.app_settings()
        geometry = settings.value(cfg.KEY_GEOMETRY)
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(*DEFAULT_SIZE)
        state = settings.value(cfg.KEY_STATE)
        if state is not None:
            self.restoreState(state)
        for splitter in (self.design_splitter, self.right_splitter, self.table_splitter):
            saved = settings.value(cfg.KEY_SPLITTERS + splitter.objectName())
            if saved is not None and splitter.restoreState(saved):
                self.design_layout.keep_user_sizes()

    def save_window_settings(self) -> None:
        settings = cfg.app_settings()
        settings.setValue(cfg.KEY_GEOMETRY, self.saveGeometry())
        settings.setValue(cfg.KEY_STATE, self.saveState())
        for splitter in (self.design_splitter, self.right_splitter, self.table_splitter):
            settings.setValue(cfg.KEY_SPLITTERS + splitter.objectName(), splitter.saveState())
        settings.sync()

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

    def _about(self) -> None:
        QMessageBox.about(self, "About CNN Designer",
                          "<b>CNN Designer</b><br>Stack conv, pool and FC layers and see the course's "
                          "layer table live: activation shapes, sizes and parameter counts.")
