"""The Design tab: the layer tree with its add and edit buttons, the course's layer table (with its error
banner, check-yourself score, output hint and legend), the selected layer's property editor and the volume
diagram, arranged by three splitters. The layer edits are `LayerActions` (layer_actions.py); the
selection, kept in step between the tree, the table, the diagram and the editor, is `DesignSelection`
(selection.py).

Everything here reads and edits the DesignDocument it is given; it reports to the window only through
its signals.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (QFrame, QGridLayout, QHBoxLayout, QLabel, QScrollArea, QSizePolicy, QSplitter,
                               QToolButton, QVBoxLayout, QWidget)

from engine.export.table import to_tsv

from ..actions import make_action
from ..document import DesignDocument
from .check_yourself import CheckYourselfMode
from .diagram_view import DiagramPane
from .kind_visuals import add_button_name, kind_types
from .layer_actions import LayerActions
from .layer_model import LayerTreeModel
from .layout import DesignLayout
from .output_hint import OutputHint
from .property_editor import PropertyEditor
from .selection import INPUT, DesignSelection, as_path
from .table_model import COL_WHY, ShapeTableModel
from .views import LayerTreeView, ShapeTableView

STATUS_MS = 4000   # how long the tab's status bar lines stay


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


class DesignTab(QWidget):
    """The Design tab for `document` (objectName ``designTab``).

    Parts, made here:
        layer_model, shape_model    the Qt models over the document's Summary (a tree, a table)
        layer_view, table_view      the layer tree and the course table
        selection                   the DesignSelection (the selected tree item, in step everywhere)
        layer_actions               the LayerActions (add, remove, duplicate, move, branches)
        editor                      the selected layer's PropertyEditor
        diagram_pane                the volume diagram with its export buttons
        output_hint                 "the last layer should be softmax" with its one-click fix
        check_mode                  View › Check yourself
        error_banner                the first layer that cannot work, above the table
        add_buttons                 {kind: its add button}; remove_button, duplicate_button, move_up_button,
                                    move_down_button, add_branch_button, remove_branch_button
        design_splitter, right_splitter, table_splitter   kept by the window's settings; fitted by `fitter`
        actions                     {key: QAction} placed by the window's menus: add_<kind>, remove,
                                    duplicate, moveUp, moveDown, addBranch, removeBranch, diagram, editor,
                                    whyColumn, checkYourself, copyTable
    Signals:
        statusMessage(str, int)       a line for the window's status bar, and for how many ms
        layerFollowed(str)            a table row was clicked: that layer's name (the Inside views follow)
        featureMapsRequested(str)     a table row was double-clicked: show that layer's feature maps
        checkModeChanged(bool)        View › Check yourself went on or off
    """

    statusMessage = Signal(str, int)
    layerFollowed = Signal(str)
    featureMapsRequested = Signal(str)
    checkModeChanged = Signal(bool)

    def __init__(self, document: DesignDocument, parent=None):
        super().__init__(parent)
        self.setObjectName("designTab")
        self.document = document
        self.layer_model = LayerTreeModel(document, self)
        self.shape_model = ShapeTableModel(document, self)
        self.actions: dict[str, QAction] = {}
        self._create_actions()
        self._build()
        self.selection = DesignSelection(document, self.layer_view, self.layer_model, self.table_view,
                                         self.shape_model, self.diagram_pane.diagram, self.editor, self)
        self.layer_actions = LayerActions(self, document, self.selection)
        self.actions.update(self.layer_actions.actions)
        self._add_buttons()
        self.check_mode = CheckYourselfMode(document, self.shape_model, self.table_view,
                                            [self.diagram_pane, self.editor_scroll], self)
        self.table_layout.insertWidget(self.table_layout.indexOf(self.table_view), self.check_mode.score_label)
        self.check_mode.activeChanged.connect(self.checkModeChanged)
        self.actions["checkYourself"].toggled.connect(self.check_mode.set_active)
        self.fitter = DesignLayout(self, document, self.splitters, self.table_view, self.actions["diagram"],
                                   self.actions["editor"])
        self._set_tab_order()
        self._connect()
        self.set_why_column_shown(False)
        self.select_layer(INPUT)

    # ===== construction ===========================================================================
    def _create_actions(self) -> None:
        """The tab's View and Edit actions (the layer edits are LayerActions')."""
        self.actions["editor"] = make_action(
            self, "editor", "Layer &properties", "Show or hide the form under the table that edits the "
            "selected layer", shortcut="Ctrl+E", checkable=True)
        self.actions["diagram"] = make_action(
            self, "diagram", "Volume &diagram", "Show the design as the course draws it: a box per activation "
            "volume", checkable=True)
        self.actions["whyColumn"] = make_action(
            self, "whyColumn", "&Why convolutions (vs. FC column)", "A column saying how many times fewer "
            "parameters each conv layer has than a fully connected layer between the same volumes",
            checkable=True)
        self.actions["whyColumn"].toggled.connect(self.set_why_column_shown)
        self.actions["checkYourself"] = make_action(
            self, "checkYourself", "&Check yourself", "Hide the shapes, sizes and parameter counts of the "
            "layers you tick and type your own answers; each is marked right or wrong", shortcut="Ctrl+K",
            checkable=True)
        for key in ("editor", "diagram"):
            self.actions[key].setChecked(True)

        copy = self.actions["copyTable"] = make_action(
            self, "copyTable", "&Copy", "Copy the selected table rows (all rows if none is selected) as "
            "tab-separated text", self.copy_table, QKeySequence.StandardKey.Copy)
        # Ctrl+C copies the table only while the table has focus; in text fields it copies text.
        copy.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.removeAction(copy)

    def _build(self) -> None:
        outer = QHBoxLayout(self)
        outer.setContentsMargins(4, 4, 4, 4)

        # --- left: the layer list with its add and edit buttons ---
        list_panel = QWidget()
        list_layout = QVBoxLayout(list_panel)
        list_layout.setContentsMargins(0, 0, 0, 0)
        list_layout.setSpacing(4)
        list_layout.addWidget(heading("Layers"))
        # Buttons in rows of three (add) and two (edit), filled in by _add_buttons: the list panel stays
        # narrow enough for the table's every column to fit beside it on a 1024-px-wide window.
        self._add_grid = QGridLayout()
        self._add_grid.setSpacing(4)
        list_layout.addLayout(self._add_grid)

        self.layer_view = LayerTreeView()
        self.layer_view.setModel(self.layer_model)
        self.layer_view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        list_layout.addWidget(self.layer_view, 1)

        self._edit_grid = QGridLayout()
        self._edit_grid.setSpacing(4)
        list_layout.addLayout(self._edit_grid)

        # --- right: the table, and under it the selected layer's properties ---
        table_panel = QWidget()
        self.table_layout = table_layout = QVBoxLayout(table_panel)
        table_layout.setContentsMargins(0, 0, 0, 0)
        table_layout.setSpacing(4)
        table_layout.addWidget(heading("Layer table"))
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
        self.table_view.addAction(self.actions["copyTable"])
        self.table_view.setToolTip("Click a row to edit that layer; double-click a conv or pool row to see its "
                                   "feature maps")
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
        self.editor_scroll = QScrollArea()
        self.editor_scroll.setObjectName("editorScroll")
        self.editor_scroll.setWidget(self.editor)
        self.editor_scroll.setWidgetResizable(True)
        self.editor_scroll.setFrameShape(QFrame.Shape.StyledPanel)

        # The volume diagram shares the table's place (a splitter between them; View › Volume diagram).
        self.diagram_pane = DiagramPane(self.document)
        self.table_splitter = QSplitter(Qt.Orientation.Vertical)
        self.table_splitter.setObjectName("tableDiagramSplitter")
        self.table_splitter.addWidget(table_panel)
        self.table_splitter.addWidget(self.diagram_pane)
        self.table_splitter.setChildrenCollapsible(False)
        self.table_splitter.setSizes([310, 250])

        self.right_splitter = QSplitter(Qt.Orientation.Vertical)
        self.right_splitter.setObjectName("rightSplitter")
        self.right_splitter.addWidget(self.table_splitter)
        self.right_splitter.addWidget(self.editor_scroll)
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
        outer.addWidget(self.design_splitter)

    def _add_buttons(self) -> None:
        """The add buttons (a row of three per line), the edit buttons under the tree (two per line) and
        the tree's context menu, from the layer actions."""
        self.add_buttons: dict[str, QToolButton] = {}
        for number, kind in enumerate(kind_types()):
            button = tool_button(self.actions[f"add_{kind}"], add_button_name(kind))
            self.add_buttons[kind] = button
            self._add_grid.addWidget(button, number // 3, number % 3)
        for key in ("remove", "duplicate", "moveUp", "moveDown", "addBranch", "removeBranch"):
            self.layer_view.addAction(self.actions[key])
        self.table_view.addAction(self.actions["remove"])  # Delete works on a selected table row too
        self.remove_button = tool_button(self.actions["remove"], "removeLayerButton")
        self.duplicate_button = tool_button(self.actions["duplicate"], "duplicateButton")
        self.move_up_button = tool_button(self.actions["moveUp"], "moveUpButton")
        self.move_down_button = tool_button(self.actions["moveDown"], "moveDownButton")
        self.add_branch_button = tool_button(self.actions["addBranch"], "addBranchButton")
        self.remove_branch_button = tool_button(self.actions["removeBranch"], "removeBranchButton")
        for number, button in enumerate((self.remove_button, self.duplicate_button, self.move_up_button,
                                         self.move_down_button, self.add_branch_button, self.remove_branch_button)):
            self._edit_grid.addWidget(button, number // 2, number % 2)

    @property
    def splitters(self) -> tuple[QSplitter, QSplitter, QSplitter]:
        """The splitters whose positions the window keeps between runs (design, right, table)."""
        return self.design_splitter, self.right_splitter, self.table_splitter

    def _set_tab_order(self) -> None:
        """Tab walks the Design tab as it reads: add buttons → layer list → its buttons → layer table →
        the property editor (name, then the fields) → the diagram's buttons. The table doesn't keep Tab
        for its cells (arrow keys move between them), so Tab never stays in it."""
        chain = [*self.add_buttons.values(), self.layer_view, self.remove_button, self.duplicate_button,
                 self.move_up_button, self.move_down_button, self.add_branch_button, self.remove_branch_button,
                 self.table_view, self.editor.name_edit]
        for first, second in zip(chain, chain[1:]):
            QWidget.setTabOrder(first, second)

    def _connect(self) -> None:
        doc = self.document
        doc.changed.connect(self._show_error)
        self.layer_view.deleteRequested.connect(self.layer_actions.remove_selected)
        self.editor.problem.connect(lambda message: self.statusMessage.emit(message, 6000))
        self.actions["diagram"].toggled.connect(self.diagram_pane.setVisible)
        self.table_view.clicked.connect(self._follow_row)
        self.table_view.doubleClicked.connect(self._jump_to_row)
        self._show_error()

    # ===== the selection (DesignSelection keeps the views in step) ==================================
    def selected_path(self) -> tuple | None:
        """The selected layer's path (() for the input); None when nothing or a block's list is selected."""
        return self.selection.layer_path()

    def selected_layer(self):
        """The selected layer: its index in spec.layers at the top level (INPUT, −1, for the input), its
        path inside a block; None when nothing or a block's list is selected."""
        path = self.selection.layer_path()
        if path is None:
            return None
        return INPUT if path == () else path[0] if len(path) == 1 else path

    def select_layer(self, layer) -> None:
        """Select a layer (an index in spec.layers, INPUT for the input, or a path; None to clear) in the
        tree, the table, the diagram and the editor."""
        self.selection.select(None if layer is None else as_path(layer))

    def _layer_name_at(self, index) -> str | None:
        """The name of the layer on the table's row of `index`; None for the totals row."""
        path = self.shape_model.path_for_row(index.row())
        if path is None:
            return None
        return "Input" if path == () else self.document.name_at(path)

    def _follow_row(self, index) -> None:
        name = self._layer_name_at(index)
        if name:
            self.layerFollowed.emit(name)

    def _jump_to_row(self, index) -> None:
        name = self._layer_name_at(index)
        if name:
            self.featureMapsRequested.emit(name)

    # ===== editing the layers =======================================================================
    def add_layer(self, kind: str):
        """Insert a `kind` layer after the selected item at its level (at the end if nothing is selected);
        returns its index in spec.layers at the top level, its path inside a block."""
        path = self.layer_actions.add_layer(kind)
        return path[0] if len(path) == 1 else path

    # ===== what the tab shows ======================================================================
    def _show_error(self) -> None:
        error = self.document.summary.error
        self.error_banner.setVisible(bool(error))
        self.error_banner.setText(f"⚠ {error}" if error else "")
        self.error_banner.setToolTip(error or "")

    def set_why_column_shown(self, shown: bool) -> None:
        """View › Why convolutions: the table's "vs. FC" column."""
        if self.actions["whyColumn"].isChecked() != shown:
            self.actions["whyColumn"].setChecked(shown)
            return   # toggled comes back here
        self.table_view.setColumnHidden(COL_WHY, not shown)
        self.table_view.fit_columns()

    def set_dataset(self, dataset) -> None:
        """The dataset picked on the Train tab (a Dataset or None): the output hint's fix gives the design
        one output unit per class of it."""
        self.output_hint.set_class_count(dataset.num_classes if dataset is not None else None)

    # ===== Edit › Copy ==============================================================================
    def table_text(self) -> str:
        """The selected rows of the shape table (all if none is selected) as tab-separated text with a
        header; the model's rows are the summary's rows (blocks' inner rows included, with their branch,
        depth and parent), the last one the totals."""
        selection = self.table_view.selectionModel()
        rows = sorted({index.row() for index in selection.selectedIndexes()}) if selection else []
        return to_tsv(self.document.summary, rows or None)

    def copy_table(self) -> None:
        QGuiApplication.clipboard().setText(self.table_text())
        self.statusMessage.emit("Copied the table (tab-separated: paste it into a spreadsheet)", STATUS_MS)
