"""The two views of the Design tab, configured once: the layer tree and the shape table."""
from __future__ import annotations

from PySide6.QtCore import QRect, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import (QAbstractItemView, QHeaderView, QStyle, QStyledItemDelegate, QStyleOptionHeader,
                               QStyleOptionViewItem, QTableView, QTreeView)

from . import layer_model
from .roles import StateRole
from .table_model import COL_BRANCH, COL_FORMULA, COL_LAYER, COL_MACS, COL_PARAMS, COL_SHAPE, COL_SIZE, COL_WHY

SELECTION = QColor("#cfe2fa")
EMPTY_DESIGN_HINT = ("No layers yet. Click Conv, Pool or FC above (or press Ctrl+1, Ctrl+2, Ctrl+3) to add one "
                     "after the selected row, or pick a design from the Presets menu. Help › Quick tour (F1) "
                     "shows the way.")
ERROR_SELECTION = QColor("#f5c2c2")


class StateColorDelegate(QStyledItemDelegate):
    """Selection as a light tint that keeps each row's own text colour, so a selected layer
    that cannot work still reads red (the default highlight paints every row white on blue).

    Only `paint` is overridden, and only selected cells do extra work: views paint every
    visible cell on each update, and a Python hook per cell would cost more than the edit."""

    def __init__(self, state_role: int, parent=None):
        super().__init__(parent)
        self._state_role = state_role

    def paint(self, painter, option, index):
        if option.state & QStyle.StateFlag.State_Selected:
            option = QStyleOptionViewItem(option)
            palette = option.palette
            error = index.data(self._state_role) == "error"
            palette.setColor(QPalette.ColorRole.Highlight, ERROR_SELECTION if error else SELECTION)
            foreground = index.data(Qt.ItemDataRole.ForegroundRole)
            text = foreground.color() if foreground is not None else palette.color(QPalette.ColorRole.Text)
            palette.setColor(QPalette.ColorRole.HighlightedText, text)
            option.palette = palette
        super().paint(painter, option, index)


class LayerTreeView(QTreeView):
    """The layer list, a tree (objectName ``layerList``): single selection, blocks expanded to show their
    lists, drag-and-drop moves (within a list and between lists), Delete removes a layer.

    After the model rebuilds its tree (a block added, moved or removed) every block is expanded again
    except those the user had collapsed."""

    deleteRequested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("layerList")
        self.setHeaderHidden(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setDragEnabled(True)
        self.setAcceptDrops(True)
        self.setDropIndicatorShown(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setDragDropOverwriteMode(False)
        self.setUniformRowHeights(True)
        self.setIndentation(14)
        self.setExpandsOnDoubleClick(False)
        self.setToolTip("The network, input first; a block holds its lists (main / shortcut, branches). Click a "
                        "layer to edit it; drag to move it, also into or out of a block; Delete removes it.")
        self.setItemDelegate(StateColorDelegate(StateRole, self))
        self._collapsed: set = set()

    def setModel(self, model):
        old = self.model()
        if old is not None:
            old.modelAboutToBeReset.disconnect(self._remember_collapsed)
            old.modelReset.disconnect(self._restore_expanded)
        super().setModel(model)
        if model is not None:
            model.modelAboutToBeReset.connect(self._remember_collapsed)
            model.modelReset.connect(self._restore_expanded)
            self._restore_expanded()

    def _remember_collapsed(self) -> None:
        model = self.model()
        self._collapsed = {node.key for node in model.nodes()
                           if node.children and not self.isExpanded(model.index_of(node))}

    def _restore_expanded(self) -> None:
        model = self.model()
        self.expandAll()
        for node in model.nodes():
            if node.children and node.key in self._collapsed:
                self.collapse(model.index_of(node))

    def dropEvent(self, event):
        """A layer dropped above or below an item, or onto a list or its placeholder (into that list): one
        document move, i.e. one undo step (QTreeView's own move would be an insert and a remove)."""
        model = self.model()
        mime = event.mimeData()
        source = layer_model.decode_path(mime) if model is not None and mime is not None \
            and mime.hasFormat(layer_model.MIME_TYPE) else None
        if source is None:
            event.ignore()
            return
        point = event.position().toPoint()
        index = self.indexAt(point)
        below = index.isValid() and point.y() > self.visualRect(index).center().y()
        model.document.move_before(source, model.drop_slot(index, below))
        event.setDropAction(Qt.DropAction.MoveAction)
        event.accept()
        self.setState(QAbstractItemView.State.NoState)
        self.viewport().update()

    def hint_text(self) -> str:
        """What the list says under the input row while the design has no layers ("" otherwise)."""
        model = self.model()
        return EMPTY_DESIGN_HINT if model is not None and model.rowCount() <= 1 else ""

    def keyPressEvent(self, event):
        # Alt+Up / Alt+Down are "move the layer" (a window action). When the action can't act (the
        # first layer, or the input) the key must not fall through as a plain Up that selects the
        # input row — a Delete right after would then silently do nothing.
        if event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down) and event.modifiers() & Qt.KeyboardModifier.AltModifier:
            event.accept()
            return
        # The Remove action's shortcut normally catches Delete first; this covers the case where
        # the window isn't active (shortcuts are window-bound) so the key still does what it says.
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and event.modifiers() in (
                Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier):
            self.deleteRequested.emit()
            event.accept()
            return
        super().keyPressEvent(event)

    def paintEvent(self, event):
        super().paintEvent(event)
        model = self.model()
        if model is None or model.rowCount() > 1:
            return
        # Only the input so far: say what to do next.
        top = self.visualRect(model.index(0, 0)).bottom() + 16 if model.rowCount() else 16
        painter = QPainter(self.viewport())
        painter.setPen(self.palette().placeholderText().color())
        rect = QRect(12, top, self.viewport().width() - 24, 160)
        painter.drawText(rect, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap,
                         self.hint_text())
        painter.end()


class WrappingHeader(QHeaderView):
    """A horizontal header whose titles wrap onto two lines ("Activation" / "shape"), so a column is
    as wide as its numbers rather than its title. (Qt's own header paints one line only.)"""

    def __init__(self, parent=None):
        super().__init__(Qt.Orientation.Horizontal, parent)

    def paintSection(self, painter, rect, logical_index):  # noqa: N802 - Qt API
        option = QStyleOptionHeader()
        self.initStyleOption(option)
        option.rect = rect
        option.section = logical_index
        option.text = ""
        self.style().drawControl(QStyle.ControlElement.CE_Header, option, painter, self)
        model = self.model()
        if model is None:
            return
        text = str(model.headerData(logical_index, Qt.Orientation.Horizontal) or "")
        painter.save()
        painter.setPen(self.palette().color(QPalette.ColorRole.ButtonText))
        painter.drawText(rect.adjusted(4, 1, -4, -1),
                         int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter | Qt.TextFlag.TextWordWrap),
                         text)
        painter.restore()


class ShapeTableView(QTableView):
    """The course table: whole-row selection, numbers sized to fit, the formula gets the rest.

    Columns are fitted from the model's display texts once per edit (batched to the next turn of
    the event loop) rather than with QHeaderView.ResizeToContents, which asks the model for every
    role of every cell on each layout pass."""

    CELL_PADDING = 6 + 10 + 6 + 3  # the item padding in the style sheet, the style's text margins, and air
    MIN_FORMULA_WIDTH = 360
    CHECKBOX_WIDTH = 26

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("shapeTable")
        self.setHorizontalHeader(WrappingHeader(self))
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        # Tab leaves the table (to the property editor); the arrow keys move between cells.
        self.setTabKeyNavigation(False)
        self.setWordWrap(False)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setShowGrid(False)
        self.setAlternatingRowColors(True)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 12)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setItemDelegate(StateColorDelegate(StateRole, self))
        # Room between a right-aligned number and the left-aligned text of the next column.
        self.setStyleSheet("QTableView::item { padding-left: 6px; padding-right: 10px; }")
        self._fit_timer = QTimer(self)
        self._fit_timer.setSingleShot(True)
        self._fit_timer.setInterval(0)
        self._fit_timer.timeout.connect(self.fit_columns)

    def setModel(self, model):
        old = self.model()
        if old is not None:
            for signal in (old.dataChanged, old.rowsInserted, old.rowsRemoved, old.modelReset):
                signal.disconnect(self._schedule_fit)
        super().setModel(model)
        header = self.horizontalHeader()
        header.setHighlightSections(False)
        # Titles wrap (WrappingHeader): the columns are as wide as their numbers, not their titles,
        # which leaves the formula its room on a 1024-px-wide window.
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setMinimumSectionSize(48)
        # Room for a two-line title (the header doesn't grow for wrapped text by itself).
        header.setMinimumHeight(2 * QFontMetrics(header.font()).lineSpacing() + 8)
        for column in range(model.columnCount()):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        # The Branch column (the model's last) reads right after the layer's name, as in the command line.
        if model.columnCount() > COL_BRANCH and header.visualIndex(COL_BRANCH) != COL_LAYER + 1:
            header.moveSection(header.visualIndex(COL_BRANCH), COL_LAYER + 1)
        for signal in (model.dataChanged, model.rowsInserted, model.rowsRemoved, model.modelReset):
            signal.connect(self._schedule_fit)
        self.fit_columns()

    def _schedule_fit(self, *args):
        self._fit_timer.start()

    def fit_columns(self):
        """Size every column but the formula to its widest text (header included)."""
        model = self.model()
        if model is None:
            return
        header = self.horizontalHeader()
        plain = QFontMetrics(self.font())
        bold_font = QFont(self.font())
        bold_font.setBold(True)
        bold = QFontMetrics(bold_font)
        rows = model.display_rows()
        states = [model.row_state(r) for r in range(len(rows))]
        header_metrics = QFontMetrics(header.font())
        # Only a design with blocks has inner rows to say the branch of.
        nested = model.nested()
        if header.isSectionHidden(COL_BRANCH) == nested:
            self.setColumnHidden(COL_BRANCH, not nested)
        for column in (COL_LAYER, COL_BRANCH, COL_SHAPE, COL_SIZE, COL_PARAMS, COL_MACS, COL_WHY):
            title = str(model.headerData(column, Qt.Orientation.Horizontal))
            width = max(header_metrics.horizontalAdvance(word) for word in title.split())
            for texts, state in zip(rows, states):
                metrics = bold if state in ("error", "total") or (column == COL_LAYER and texts is rows[0]) \
                    else plain
                width = max(width, metrics.horizontalAdvance(texts[column]))
            width += self.CELL_PADDING
            if column == COL_LAYER and model.rowCount() > 1 and \
                    model.flags(model.index(1, COL_LAYER)) & Qt.ItemFlag.ItemIsUserCheckable:
                width += self.CHECKBOX_WIDTH  # check-yourself mode puts a box before the name
            if header.sectionSize(column) != width:
                header.resizeSection(column, width)
        # The formula takes the rest of the width, but never less than enough to read a typical
        # formula: below that the table scrolls sideways instead of squeezing it to a stub.
        widest = max((plain.horizontalAdvance(texts[COL_FORMULA]) for texts in rows), default=0)
        readable = min(widest + self.CELL_PADDING, self.MIN_FORMULA_WIDTH)
        others = sum(header.sectionSize(column) for column in range(header.count())
                     if column != COL_FORMULA and not header.isSectionHidden(column))
        self._fit_formula(max(self.viewport().width() - others, readable))

    def _fit_formula(self, width: int) -> None:
        header = self.horizontalHeader()
        if header.count() > COL_FORMULA and header.sectionSize(COL_FORMULA) != width:
            header.resizeSection(COL_FORMULA, width)

    def resizeEvent(self, event):
        super().resizeEvent(event)
        self._schedule_fit()
