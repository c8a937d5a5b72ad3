"""The Design tab's widgets: the layer list with its add and edit buttons, the course's layer table
(with its error banner, check-yourself score, output hint and legend), the selected layer's property
editor and the volume diagram, arranged by three splitters.

`build_design_tab(window)` builds them on `window` (a MainWindow, whose actions, models and document
exist already) and returns the tab's page. The widgets other rooms use stay attributes of the window:
layer_view, table_view, editor, diagram_pane, output_hint, check_mode, error_banner, add_buttons,
remove_button, duplicate_button, move_up_button, move_down_button, and the splitters design_splitter,
right_splitter, table_splitter (their sizes are fitted by design_layout.py and kept by settings.py).
What the widgets do when clicked stays in main_window.py.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QFrame, QGridLayout, QHBoxLayout, QLabel, QScrollArea, QSizePolicy, QSplitter,
                               QToolButton, QVBoxLayout, QWidget)

from .check_yourself import CheckYourselfMode
from .diagram_view import DiagramPane
from .layers import add_button_name, kind_types
from .output_hint import OutputHint
from .property_editor import PropertyEditor
from .views import LayerListView, ShapeTableView


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


def tool_button(action: QAction, name: str) -> QToolButton:
    button = QToolButton()
    button.setObjectName(name)
    button.setDefaultAction(action)
    button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    button.setAutoRaise(False)
    return button


def heading(text: str) -> QLabel:
    label = QLabel(text)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    return label


def build_design_tab(window) -> QWidget:
    """The Design tab's page (objectName designTab), its widgets kept on `window` as listed above."""
    design = QWidget()
    design.setObjectName("designTab")
    design_layout = QHBoxLayout(design)
    design_layout.setContentsMargins(4, 4, 4, 4)

    # --- left: the layer list with its add and edit buttons ---
    list_panel = QWidget()
    list_layout = QVBoxLayout(list_panel)
    list_layout.setContentsMargins(0, 0, 0, 0)
    list_layout.setSpacing(4)
    list_layout.addWidget(heading("Layers"))
    # Buttons in rows of three (add) and two (edit): the list panel stays narrow enough for the
    # table's every column to fit beside it on a 1024-px-wide window.
    add_grid = QGridLayout()
    add_grid.setSpacing(4)
    window.add_buttons: dict[str, QToolButton] = {}
    for number, kind in enumerate(kind_types()):
        button = tool_button(window.actions[f"add_{kind}"], add_button_name(kind))
        window.add_buttons[kind] = button
        add_grid.addWidget(button, number // 3, number % 3)
    list_layout.addLayout(add_grid)

    window.layer_view = LayerListView()
    window.layer_view.setModel(window.layer_model)
    window.layer_view.addAction(window.actions["remove"])
    window.layer_view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
    for key in ("duplicate", "moveUp", "moveDown"):
        window.layer_view.addAction(window.actions[key])
    list_layout.addWidget(window.layer_view, 1)

    edit_grid = QGridLayout()
    edit_grid.setSpacing(4)
    window.remove_button = tool_button(window.actions["remove"], "removeLayerButton")
    window.duplicate_button = tool_button(window.actions["duplicate"], "duplicateButton")
    window.move_up_button = tool_button(window.actions["moveUp"], "moveUpButton")
    window.move_down_button = tool_button(window.actions["moveDown"], "moveDownButton")
    for number, button in enumerate((window.remove_button, window.duplicate_button, window.move_up_button,
                                     window.move_down_button)):
        edit_grid.addWidget(button, number // 2, number % 2)
    list_layout.addLayout(edit_grid)

    # --- right: the table, and under it the selected layer's properties ---
    table_panel = QWidget()
    table_layout = QVBoxLayout(table_panel)
    table_layout.setContentsMargins(0, 0, 0, 0)
    table_layout.setSpacing(4)
    table_layout.addWidget(heading("Layer table"))
    window.error_banner = QLabel()
    window.error_banner.setObjectName("errorBanner")
    window.error_banner.setWordWrap(True)
    window.error_banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    window.error_banner.setStyleSheet("QLabel { color: #8c1d18; background: #fde7e7; border: 1px solid #f0b4b4;"
                                      " border-radius: 4px; padding: 6px 8px; }")
    window.error_banner.hide()
    table_layout.addWidget(window.error_banner)
    window.table_view = ShapeTableView()
    window.table_view.setModel(window.shape_model)
    window.table_view.addAction(window.actions["remove"])  # Delete works on a selected table row too
    window.check_mode = CheckYourselfMode(window)
    table_layout.addWidget(window.check_mode.score_label)
    table_layout.addWidget(window.table_view, 1)
    window.output_hint = OutputHint(window.document)
    table_layout.addWidget(window.output_hint)
    legend = QLabel("Shapes as in the course: (n_H,n_W,n_C) for a volume, (units,1) for a vector. "
                    "Click a row to edit that layer. A red row cannot work: the reason is in its "
                    "Formula cell and tooltip; the rows after it wait for it (—).")
    legend.setObjectName("tableLegend")
    legend.setWordWrap(True)
    legend.setStyleSheet("color: palette(placeholder-text);")
    table_layout.addWidget(legend)

    window.editor = PropertyEditor(window.document)
    editor_scroll = QScrollArea()
    editor_scroll.setObjectName("editorScroll")
    editor_scroll.setWidget(window.editor)
    editor_scroll.setWidgetResizable(True)
    editor_scroll.setFrameShape(QFrame.Shape.StyledPanel)

    # The volume diagram shares the table's place (a splitter between them; View › Volume diagram).
    window.diagram_pane = DiagramPane(window.document)
    window.diagram_pane.diagram.layerClicked.connect(window.select_layer)
    window.table_splitter = QSplitter(Qt.Orientation.Vertical)
    window.table_splitter.setObjectName("tableDiagramSplitter")
    window.table_splitter.addWidget(table_panel)
    window.table_splitter.addWidget(window.diagram_pane)
    window.table_splitter.setChildrenCollapsible(False)
    window.table_splitter.setSizes([310, 250])

    window.right_splitter = QSplitter(Qt.Orientation.Vertical)
    window.right_splitter.setObjectName("rightSplitter")
    window.right_splitter.addWidget(window.table_splitter)
    window.right_splitter.addWidget(editor_scroll)
    window.right_splitter.setChildrenCollapsible(False)
    window.right_splitter.setStretchFactor(0, 1)
    window.right_splitter.setStretchFactor(1, 0)

    window.design_splitter = QSplitter(Qt.Orientation.Horizontal)
    window.design_splitter.setObjectName("designSplitter")
    window.design_splitter.addWidget(list_panel)
    window.design_splitter.addWidget(window.right_splitter)
    window.design_splitter.setChildrenCollapsible(False)
    window.design_splitter.setStretchFactor(0, 0)
    window.design_splitter.setStretchFactor(1, 1)
    window.design_splitter.setSizes([244, 1036])
    window.right_splitter.setSizes([590, 210])
    design_layout.addWidget(window.design_splitter)

    _set_tab_order(window)
    undo_filter = _UndoPassThrough(window)
    for widget in window.editor.findChildren(QWidget):
        if widget.objectName() in ("layerName",) or widget.inherits("QAbstractSpinBox"):
            widget.installEventFilter(undo_filter)
    return design


def _set_tab_order(window) -> None:
    """Tab walks the Design tab as it reads: add buttons → layer list → its buttons → layer table →
    the property editor (name, then the fields) → the diagram's buttons. The table doesn't keep Tab
    for its cells (arrow keys move between them), so Tab never stays in it."""
    chain = [*window.add_buttons.values(), window.layer_view, window.remove_button, window.duplicate_button,
             window.move_up_button, window.move_down_button, window.table_view, window.editor.name_edit]
    for first, second in zip(chain, chain[1:]):
        QWidget.setTabOrder(first, second)
