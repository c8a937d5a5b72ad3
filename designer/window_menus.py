"""The main window's actions and the bars that offer them: File, Edit, Layer, Presets, View and Help
menus, the toolbar and the History dock.

Every action is kept in `window.actions` under a short key ("new", "open", "add_conv", "undo",
"diagram", ...) with the objectName f"{key}Action"; the preset actions in `window.preset_actions`.
`create_actions(window)` needs the window's document (for undo/redo) and connects the actions to the
window's slots (new_design, open_dialog, add_layer, ...); `build_menus`, `build_toolbar` and
`build_history_dock` then place them. Other rooms add their own entries afterwards (design_export.py:
Edit › Copy and File › Export; design_layout.py: View › Layer properties).
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMessageBox, QStyle, QToolButton, QUndoView

from .course_examples import add_course_examples_menu
from .help_dialogs import add_help_actions
from .icons import kind_icon
from .layers import add_shortcut, add_tooltip, button_label, kind_types
from .presets import PRESETS
from .table_model import COL_WHY


def key_sequences(keys) -> list[QKeySequence]:
    """QKeySequences for a list of StandardKeys and key strings: every binding the platform gives a
    StandardKey, without empties or repeats (Quit has no binding on some platforms)."""
    sequences: list[QKeySequence] = []
    for key in keys:
        found = QKeySequence.keyBindings(key) if isinstance(key, QKeySequence.StandardKey) else [QKeySequence(key)]
        sequences.extend(s for s in found if not s.isEmpty() and s not in sequences)
    return sequences


def _icon(window, standard: QStyle.StandardPixmap):
    return window.style().standardIcon(standard)


def add_action(window, key: str, text: str, tip: str, slot, shortcut=None, icon=None) -> QAction:
    """An action of `window`, kept as window.actions[key]; its tooltip names its keys."""
    action = QAction(text, window)
    action.setObjectName(f"{key}Action")
    tip_with_keys = tip
    if shortcut is not None:
        sequences = key_sequences(shortcut if isinstance(shortcut, list) else [shortcut])
        action.setShortcuts(sequences)
        keys = " or ".join(s.toString(QKeySequence.SequenceFormat.NativeText) for s in sequences)
        tip_with_keys = f"{tip} ({keys})" if keys else tip
    action.setToolTip(tip_with_keys)
    action.setStatusTip(tip)
    if icon is not None:
        action.setIcon(icon)
    action.triggered.connect(slot)
    window.actions[key] = action
    window.addAction(action)  # shortcuts work even when no menu shows the action
    return action


def create_actions(window) -> None:
    """Every action of the window, in window.actions and window.preset_actions (nothing placed yet)."""
    sp = QStyle.StandardPixmap
    add_action(window, "new", "&New", "Start a blank design (input 32×32×3, no layers)", window.new_design,
               QKeySequence.StandardKey.New, _icon(window, sp.SP_FileIcon))
    add_action(window, "open", "&Open…", "Open an architecture JSON file", window.open_dialog,
               QKeySequence.StandardKey.Open, _icon(window, sp.SP_DialogOpenButton))
    add_action(window, "save", "&Save", "Save the design as architecture JSON", window.save,
               QKeySequence.StandardKey.Save, _icon(window, sp.SP_DialogSaveButton))
    add_action(window, "saveAs", "Save &As…", "Save the design to a new JSON file", window.save_as,
               "Ctrl+Shift+S")
    # The platform's Quit keys, and Ctrl+Q where the platform has none (Windows, bare X sessions).
    add_action(window, "quit", "&Quit", "Close CNN Designer", window.close, [QKeySequence.StandardKey.Quit, "Ctrl+Q"])

    stack = window.document.undo_stack
    undo = stack.createUndoAction(window, "&Undo")
    undo.setObjectName("undoAction")
    undo.setShortcuts([QKeySequence(QKeySequence.StandardKey.Undo)])
    undo.setIcon(_icon(window, sp.SP_ArrowBack))
    redo = stack.createRedoAction(window, "&Redo")
    redo.setObjectName("redoAction")
    redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
    redo.setIcon(_icon(window, sp.SP_ArrowForward))
    for key, action in (("undo", undo), ("redo", redo)):
        # The toolbar keeps a short label; the tooltip names the edit ("Undo Change CONV1 size").
        action.setIconText(key.capitalize())
        window.actions[key] = action
        window.addAction(action)
    # The window keeps their tooltips naming the edit (MainWindow._update_undo_tips).

    for kind in kind_types():
        add_action(window, f"add_{kind}", button_label(kind), add_tooltip(kind),
                   lambda checked=False, k=kind: window.add_layer(k), add_shortcut(kind), kind_icon(kind))
    remove = add_action(window, "remove", "Remove", "Remove the selected layer", window.remove_selected,
                        QKeySequence.StandardKey.Delete, _icon(window, sp.SP_TrashIcon))
    # Delete means "remove layer" only while the list has focus; in text fields it deletes text.
    remove.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    window.removeAction(remove)
    add_action(window, "duplicate", "Duplicate", "Insert a copy of the selected layer right after it",
               window.duplicate_selected, "Ctrl+D", _icon(window, sp.SP_FileLinkIcon))
    add_action(window, "moveUp", "Up", "Move the selected layer one place up", window.move_selected_up,
               "Alt+Up", _icon(window, sp.SP_ArrowUp))
    add_action(window, "moveDown", "Down", "Move the selected layer one place down", window.move_selected_down,
               "Alt+Down", _icon(window, sp.SP_ArrowDown))

    # Ctrl+Tab / Ctrl+Shift+Tab (and Ctrl+PgDown / Ctrl+PgUp) switch tabs from anywhere in the window:
    # QTabWidget itself reacts to them only while the focus is inside it.
    add_action(window, "nextTab", "&Next tab", "Show the next tab (Design → Train → Inside)",
               lambda: _step_tab(window, 1), [QKeySequence.StandardKey.NextChild, "Ctrl+PgDown"])
    add_action(window, "previousTab", "&Previous tab", "Show the previous tab",
               lambda: _step_tab(window, -1), [QKeySequence.StandardKey.PreviousChild, "Ctrl+PgUp"])

    for preset in PRESETS:
        action = QAction(preset.title, window)
        action.setObjectName(f"preset_{preset.key}")
        action.setToolTip(preset.tip)
        action.setStatusTip(preset.tip)
        action.triggered.connect(lambda checked=False, key=preset.key: window.load_preset(key))
        window.preset_actions[preset.key] = action


def build_menus(window) -> None:
    """The menu bar (window.file_menu, edit_menu, view_menu, help_menu, presets_menu, recent_menu)."""
    bar = window.menuBar()
    file_menu = window.file_menu = bar.addMenu("&File")
    file_menu.addAction(window.actions["new"])
    file_menu.addAction(window.actions["open"])
    window.recent_menu = file_menu.addMenu("Open &Recent")
    window.recent_menu.setObjectName("recentMenu")
    window.recent_menu.aboutToShow.connect(window.files.fill_recent_menu)
    file_menu.addSeparator()
    file_menu.addAction(window.actions["save"])
    file_menu.addAction(window.actions["saveAs"])
    file_menu.addSeparator()
    file_menu.addAction(window.actions["quit"])

    edit_menu = window.edit_menu = bar.addMenu("&Edit")
    edit_menu.addAction(window.actions["undo"])
    edit_menu.addAction(window.actions["redo"])

    layer_menu = bar.addMenu("&Layer")
    for kind in kind_types():
        action = window.actions[f"add_{kind}"]
        layer_menu.addAction(action)
    layer_menu.addSeparator()
    for key in ("duplicate", "remove", "moveUp", "moveDown"):
        layer_menu.addAction(window.actions[key])

    presets_menu = bar.addMenu("&Presets")
    presets_menu.setObjectName("presetsMenu")
    presets_menu.setToolTipsVisible(True)
    for preset in PRESETS:
        if preset.file is None:
            presets_menu.addSeparator()
        presets_menu.addAction(window.preset_actions[preset.key])
    window.presets_menu = presets_menu

    window.view_menu = bar.addMenu("&View")
    diagram = QAction("Volume &diagram", window)
    diagram.setObjectName("diagramAction")
    diagram.setCheckable(True)
    diagram.setChecked(True)
    diagram.setToolTip("Show the design as the course draws it: a box per activation volume")
    diagram.toggled.connect(window.diagram_pane.setVisible)
    window.actions["diagram"] = diagram
    window.view_menu.addAction(diagram)
    why = QAction("&Why convolutions (vs. FC column)", window)
    why.setObjectName("whyColumnAction")
    why.setCheckable(True)
    why.setToolTip("A column saying how many times fewer parameters each conv layer has than a fully "
                   "connected layer between the same volumes")
    why.toggled.connect(lambda shown: _show_why_column(window, shown))
    window.actions["whyColumn"] = why
    window.view_menu.addAction(why)
    check = QAction("&Check yourself", window)
    check.setObjectName("checkYourselfAction")
    check.setCheckable(True)
    check.setShortcut(QKeySequence("Ctrl+K"))
    check.setToolTip("Hide the shapes, sizes and parameter counts of the layers you tick and type your "
                     "own answers; each is marked right or wrong")
    check.toggled.connect(window.check_mode.set_active)
    window.actions["checkYourself"] = check
    window.view_menu.addAction(check)
    _show_why_column(window, False)
    window.view_menu.addSeparator()
    window.view_menu.addAction(window.actions["nextTab"])
    window.view_menu.addAction(window.actions["previousTab"])
    help_menu = window.help_menu = bar.addMenu("&Help")
    add_course_examples_menu(window, help_menu)
    window.actions.update({f"help_{key}": action for key, action in add_help_actions(window, help_menu).items()})
    about = QAction("&About CNN Designer", window)
    about.triggered.connect(lambda: _about(window))
    help_menu.addAction(about)
    window.files.fill_recent_menu()


def build_toolbar(window) -> None:
    """The toolbar: New, Open, Save, Undo, Redo and the Presets button (window.toolbar)."""
    toolbar = window.addToolBar("Main")
    toolbar.setObjectName("mainToolBar")
    toolbar.setMovable(False)
    toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    for key in ("new", "open", "save"):
        toolbar.addAction(window.actions[key])
    toolbar.addSeparator()
    toolbar.addAction(window.actions["undo"])
    toolbar.addAction(window.actions["redo"])
    toolbar.addSeparator()
    presets_button = QToolButton()
    presets_button.setObjectName("presetsButton")
    presets_button.setText("Presets")
    presets_button.setToolTip("Start from one of the course's networks, or a blank design")
    presets_button.setMenu(window.presets_menu)
    presets_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
    presets_button.setIcon(_icon(window, QStyle.StandardPixmap.SP_FileDialogContentsView))
    presets_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    toolbar.addWidget(presets_button)
    window.toolbar = toolbar


def build_history_dock(window) -> None:
    """View › History: a dock listing every edit of the undo stack (hidden at first)."""
    dock = QDockWidget("History", window)
    dock.setObjectName("historyDock")
    view = QUndoView(window.document.undo_stack)
    view.setObjectName("historyView")
    view.setEmptyLabel("Start of the design")
    dock.setWidget(view)
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    dock.hide()
    toggle = dock.toggleViewAction()
    toggle.setText("&History")
    toggle.setToolTip("Show every edit; click one to go back to it")
    toggle.setShortcut(QKeySequence("Ctrl+H"))
    window.view_menu.addAction(toggle)
    window.history_dock = dock


def _step_tab(window, step: int) -> None:
    """Show the tab `step` places on from the current one, wrapping around."""
    tabs = window.tabs
    if tabs.count():
        tabs.setCurrentIndex((tabs.currentIndex() + step) % tabs.count())


def _show_why_column(window, shown: bool) -> None:
    window.table_view.setColumnHidden(COL_WHY, not shown)
    window.table_view.fit_columns()


def _about(window) -> None:
    QMessageBox.about(window, "About CNN Designer",
                      "<b>CNN Designer</b><br>Stack conv, pool and FC layers and see the course's "
                      "layer table live: activation shapes, sizes and parameter counts.")
