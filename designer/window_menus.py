"""The main window's own actions and the bars that offer them with the parts' actions: File, Edit, Layer,
Presets, View and Help menus, the toolbar and the History dock.

Every action has a short key ("new", "open", "undo", "nextTab", ...) and the objectName f"{key}Action".
The window's own are in `WindowMenus.actions`, the preset actions in `preset_actions`; the Design tab's
(add_<kind>, remove, duplicate, moveUp, moveDown, diagram, editor, whyColumn, checkYourself, copyTable)
stay in `DesignTab.actions`, the exports in `DesignExporter.actions`: they are only placed here.
"""
from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMainWindow, QMessageBox, QStyle, QTabWidget, QToolButton, QUndoView

from .actions import make_action
from .course_examples import add_course_examples_menu
from .design.export import DesignExporter
from .design.kind_visuals import kind_types
from .design.tab import DesignTab
from .design_files import DesignFiles
from .document import DesignDocument
from .help_dialogs import HelpDialogs
from .presets import PRESETS


class WindowMenus(QObject):
    """Builds `window`'s menu bar, toolbar (`toolbar`) and History dock (`history_dock`) for its parts.

    actions          {key: QAction}: new, open, save, saveAs, quit, undo, redo, nextTab, previousTab
    preset_actions   {preset key: QAction}, in the Presets menu (`presets_menu`) and the toolbar's button
    """

    def __init__(self, window: QMainWindow, tabs: QTabWidget, document: DesignDocument, files: DesignFiles,
                 design_tab: DesignTab, exporter: DesignExporter, help_dialogs: HelpDialogs):
        super().__init__(window)
        self._window, self._tabs, self._document = window, tabs, document
        self.actions: dict[str, QAction] = {}
        self.preset_actions: dict[str, QAction] = {}
        self._create_actions(files)
        self._build_menus(files, design_tab, exporter, help_dialogs)
        self._build_toolbar()
        self._build_history_dock()
        stack = document.undo_stack
        stack.undoTextChanged.connect(self._show_undo_tip)
        stack.redoTextChanged.connect(self._show_redo_tip)
        self._show_undo_tip(stack.undoText())
        self._show_redo_tip(stack.redoText())

    # ----- the actions ---------------------------------------------------------------------------
    def _create_actions(self, files: DesignFiles) -> None:
        window, sp = self._window, QStyle.StandardPixmap
        icon = window.style().standardIcon
        for key, text, tip, slot, keys, standard in (
                ("new", "&New", "Start a blank design (input 32×32×3, no layers)", files.new_design,
                 QKeySequence.StandardKey.New, sp.SP_FileIcon),
                ("open", "&Open…", "Open an architecture JSON file", files.open_dialog,
                 QKeySequence.StandardKey.Open, sp.SP_DialogOpenButton),
                ("save", "&Save", "Save the design as architecture JSON", files.save,
                 QKeySequence.StandardKey.Save, sp.SP_DialogSaveButton)):
            self.actions[key] = make_action(window, key, text, tip, slot, keys, icon(standard))
        self.actions["saveAs"] = make_action(window, "saveAs", "Save &As…", "Save the design to a new JSON file",
                                             files.save_as, "Ctrl+Shift+S")
        # The platform's Quit keys, and Ctrl+Q where the platform has none (Windows, bare X sessions).
        self.actions["quit"] = make_action(window, "quit", "&Quit", "Close CNN Designer", window.close,
                                           [QKeySequence.StandardKey.Quit, "Ctrl+Q"])

        stack = self._document.undo_stack
        undo = stack.createUndoAction(window, "&Undo")
        undo.setObjectName("undoAction")
        undo.setShortcuts([QKeySequence(QKeySequence.StandardKey.Undo)])
        undo.setIcon(icon(sp.SP_ArrowBack))
        redo = stack.createRedoAction(window, "&Redo")
        redo.setObjectName("redoAction")
        redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        redo.setIcon(icon(sp.SP_ArrowForward))
        for key, action in (("undo", undo), ("redo", redo)):
            # The toolbar keeps a short label; the tooltip names the edit ("Undo Change CONV1 size").
            action.setIconText(key.capitalize())
            self.actions[key] = action
            window.addAction(action)

        # Ctrl+Tab / Ctrl+Shift+Tab (and Ctrl+PgDown / Ctrl+PgUp) switch tabs from anywhere in the window:
        # QTabWidget itself reacts to them only while the focus is inside it.
        self.actions["nextTab"] = make_action(
            window, "nextTab", "&Next tab", "Show the next tab (Design → Train → Inside → Runs)", lambda: self._step_tab(1),
            [QKeySequence.StandardKey.NextChild, "Ctrl+PgDown"])
        self.actions["previousTab"] = make_action(
            window, "previousTab", "&Previous tab", "Show the previous tab", lambda: self._step_tab(-1),
            [QKeySequence.StandardKey.PreviousChild, "Ctrl+PgUp"])

        for preset in PRESETS:
            action = QAction(preset.title, window)
            action.setObjectName(f"preset_{preset.key}")
            action.setToolTip(preset.tip)
            action.setStatusTip(preset.tip)
            action.triggered.connect(lambda checked=False, key=preset.key: files.load_preset(key))
            self.preset_actions[preset.key] = action

    # ----- the bars ------------------------------------------------------------------------------
    def _build_menus(self, files: DesignFiles, design_tab: DesignTab, exporter: DesignExporter,
                     help_dialogs: HelpDialogs) -> None:
        window, own, tab = self._window, self.actions, design_tab.actions
        bar = window.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addAction(own["new"])
        file_menu.addAction(own["open"])
        file_menu.addMenu(files.recent_menu)
        file_menu.addSeparator()
        file_menu.addAction(own["save"])
        file_menu.addAction(own["saveAs"])
        file_menu.addSeparator()
        file_menu.addMenu(exporter.menu)
        file_menu.addSeparator()
        file_menu.addAction(own["quit"])

        edit_menu = bar.addMenu("&Edit")
        edit_menu.addAction(own["undo"])
        edit_menu.addAction(own["redo"])
        edit_menu.addSeparator()
        edit_menu.addAction(tab["copyTable"])

        layer_menu = bar.addMenu("&Layer")
        for kind in kind_types():
            layer_menu.addAction(tab[f"add_{kind}"])
        layer_menu.addSeparator()
        for key in ("duplicate", "remove", "moveUp", "moveDown", "addBranch", "removeBranch"):
            layer_menu.addAction(tab[key])

        self.presets_menu = bar.addMenu("&Presets")
        self.presets_menu.setObjectName("presetsMenu")
        self.presets_menu.setToolTipsVisible(True)
        for preset in PRESETS:
            if preset.file is None:
                self.presets_menu.addSeparator()
            self.presets_menu.addAction(self.preset_actions[preset.key])

        self.view_menu = bar.addMenu("&View")
        for key in ("editor", "diagram", "whyColumn", "checkYourself"):
            self.view_menu.addAction(tab[key])
        self.view_menu.addSeparator()
        self.view_menu.addAction(own["nextTab"])
        self.view_menu.addAction(own["previousTab"])

        help_menu = bar.addMenu("&Help")
        help_menu.addAction(help_dialogs.tour_action)
        help_menu.addAction(help_dialogs.shortcuts_action)
        help_menu.addSeparator()
        add_course_examples_menu(window, help_menu)
        about = QAction("&About CNN Designer", window)
        about.triggered.connect(self._about)
        help_menu.addAction(about)

    def _build_toolbar(self) -> None:
        """The toolbar: New, Open, Save, Undo, Redo and the Presets button."""
        window = self._window
        toolbar = self.toolbar = window.addToolBar("Main")
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
        presets_button.setIcon(window.style().standardIcon(QStyle.StandardPixmap.SP_FileDialogContentsView))
        presets_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        toolbar.addWidget(presets_button)

    def _build_history_dock(self) -> None:
        """View › History: a dock listing every edit of the undo stack (hidden at first)."""
        window = self._window
        dock = self.history_dock = QDockWidget("History", window)
        dock.setObjectName("historyDock")
        view = QUndoView(self._document.undo_stack)
        view.setObjectName("historyView")
        view.setEmptyLabel("Start of the design")
        dock.setWidget(view)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        dock.hide()
        toggle = dock.toggleViewAction()
        toggle.setText("&History")
        toggle.setToolTip("Show every edit; click one to go back to it")
        toggle.setShortcut(QKeySequence("Ctrl+H"))
        self.view_menu.addAction(toggle)

    # ----- keeping them in step ------------------------------------------------------------------
    # The Undo and Redo tooltips name the edit they would undo or redo.
    def _show_undo_tip(self, text: str) -> None:
        self.actions["undo"].setToolTip(f"Undo {text} (Ctrl+Z)" if text else "Nothing to undo")

    def _show_redo_tip(self, text: str) -> None:
        self.actions["redo"].setToolTip(f"Redo {text} (Ctrl+Shift+Z or Ctrl+Y)" if text else "Nothing to redo")

    def _step_tab(self, step: int) -> None:
        """Show the tab `step` places on from the current one, wrapping around."""
        tabs = self._tabs
        if tabs.count():
            tabs.setCurrentIndex((tabs.currentIndex() + step) % tabs.count())

    def _about(self) -> None:
        QMessageBox.about(self._window, "About CNN Designer",
                          "<b>CNN Designer</b><br>Stack conv, pool and FC layers and see the course's "
                          "layer table live: activation shapes, sizes and parameter counts.")
