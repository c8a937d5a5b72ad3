"""The layer list as a Qt tree model: the input first, then one item per layer; a block (residual,
concat) is an item holding its lists — "main" and "shortcut", "branch 1", "branch 2", … — each a labelled
child holding its layers, and an empty list shows a selectable "(identity)" placeholder to insert into.

Items show "CONV1 — 8 × 5×5, s1, valid, relu". The model reads the document's spec and Summary and never
changes them: an edit is a document call (a drop is one `DesignDocument.move_before`, one undo step).
It follows the document's signals: an edit that keeps the tree's shape updates the items in place (a
view keeps its selection and expanded items); one that changes it rebuilds the tree (a model reset), and
the view (views.LayerTreeView) restores which blocks were collapsed.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from PySide6.QtCore import QAbstractItemModel, QByteArray, QMimeData, QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from engine.kinds import kind_of
from engine.shapes import format_shape, row_status

from ..document import DesignDocument
from .kind_visuals import describe, describe_input, kind_icon, title as kind_title
from .roles import ItemRole, KindRole, LayerIndexRole, PathRole, StateRole

MIME_TYPE = "application/x-cnn-designer-layer-path"

ERROR_FOREGROUND = QColor("#b3261e")
BLOCKED_FOREGROUND = QColor("#8a8a8a")
LIST_FOREGROUND = QColor("#5f6b7a")

# What an item is (ItemRole): the input, a layer, one of a block's lists, or an empty list's placeholder.
INPUT_ITEM, LAYER_ITEM, LIST_ITEM, EMPTY_ITEM = "input", "layer", "list", "empty"

_ids = itertools.count(1)


@dataclass(eq=False)
class Node:
    """One item. path: () for the input; a layer's path; a list's path for a list and its placeholder.
    key: what identifies a block's item across rebuilds (its spec object), for the collapsed state."""

    item: str
    path: tuple
    kind: str
    text: str
    state: str = "ok"
    tooltip: str = ""
    key: object = None
    parent: "Node | None" = None
    children: list = field(default_factory=list)
    row: int = 0
    id: int = field(default_factory=lambda: next(_ids))

    def look(self) -> tuple:
        return self.text, self.state, self.tooltip, self.kind

    def add(self, child: "Node") -> "Node":
        child.parent, child.row = self, len(self.children)
        self.children.append(child)
        return child


def _layer_node(layer, row, path: tuple) -> Node:
    title = kind_title(layer.type)
    if row is None or row_status(row):
        state = "blocked" if row is None or not row.error else "error"
        tip = row_status(row, long=True) if row is not None else ""
    else:
        state = "ok"
        tip = (f"{row.name} ({title.lower()}): output {format_shape(row.output_shape)}, "
               f"{row.activation_size:,} values, {row.params:,} parameters")
    name = row.name if row is not None else ""
    return Node(LAYER_ITEM, path, layer.type, f"{name} — {describe(layer)}", state, tip,
                key=id(layer) if kind_of(layer).is_block else None)


def build_tree(document: DesignDocument) -> Node:
    """The whole tree for the document as it is now (the root is invisible)."""
    summary, spec = document.summary, document.spec
    rows = {row.path: row for row in summary.rows[1:]}
    root = Node("root", (), "root", "")
    input_row = summary.rows[0]
    root.add(Node(INPUT_ITEM, (), "input", f"Input — {describe_input(spec.input.shape)}", "ok",
                  f"The input volume n_H×n_W×n_C = {format_shape(input_row.output_shape)}: "
                  f"{input_row.activation_size:,} values. Select it to change its size."))
    # Iterative: a design nested as deep as the format allows is built without deep recursion.
    stack = [(root, layer, (i,)) for i, layer in reversed(list(enumerate(spec.layers)))]
    while stack:
        parent, layer, path = stack.pop()
        row = rows.get(path)
        node = parent.add(_layer_node(layer, row, path))
        name = row.name if row is not None else layer.type
        kind = kind_of(layer)
        pending = []
        for position, (label, layers) in enumerate(kind.child_lists(layer)):
            list_path = path + (position,)
            empty = kind.empty_path_label(layer, position)
            holder = node.add(Node(LIST_ITEM, list_path, "list", label, "ok",
                                   f"{name} › {label}: "
                                   + (f"{len(layers)} layer{'s' if len(layers) != 1 else ''}" if layers
                                      else f"empty: {empty}. Select it and add a layer to put one in."),
                                   key=(id(layer), position)))
            if not layers:
                holder.add(Node(EMPTY_ITEM, list_path, "empty", f"({empty})", "ok",
                                f"{label} is empty: {empty}. Select this and click an add button to put a "
                                "layer here."))
            pending += [(holder, child, list_path + (i,)) for i, child in enumerate(layers)]
        stack.extend(reversed(pending))
    return root


def _walk(node: Node):
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.children))


def _shape_of(root: Node) -> list:
    return [(node.item, node.path, len(node.children)) for node in _walk(root)]


class LayerTreeModel(QAbstractItemModel):
    """The layer tree over a DesignDocument (one column)."""

    def __init__(self, document: DesignDocument, parent=None):
        super().__init__(parent)
        self._document = document
        self._root = build_tree(document)
        self._index_nodes()
        self._bold = QFont()
        self._bold.setBold(True)
        self._italic = QFont()
        self._italic.setItalic(True)
        for signal in (document.itemInserted, document.itemRemoved, document.itemChanged, document.specReset,
                       document.inputChanged):
            signal.connect(self.sync)
        document.itemMoved.connect(self.sync)

    @property
    def document(self) -> DesignDocument:
        return self._document

    # ----- nodes ----------------------------------------------------------------------------------
    def _index_nodes(self) -> None:
        self._nodes = {node.id: node for node in _walk(self._root)}

    def node(self, index: QModelIndex) -> Node | None:
        if not index.isValid():
            return None
        return self._nodes.get(index.internalId())

    def index_of(self, node: Node) -> QModelIndex:
        if node is None or node is self._root:
            return QModelIndex()
        return self.createIndex(node.row, 0, node.id)

    def find(self, path: tuple, item: str | None = None) -> QModelIndex:
        """The index of the layer at `path` (() or INPUT_ITEM: the input; `item` LIST_ITEM or EMPTY_ITEM for
        a list's item or its placeholder); invalid if there is none."""
        path = tuple(path)
        if item is None:
            item = INPUT_ITEM if path == () else LAYER_ITEM
        for node in _walk(self._root):
            if node.path == path and node.item == item:
                return self.index_of(node)
        return QModelIndex()

    def nodes(self) -> list[Node]:
        """Every item in tree order (the root left out)."""
        return list(_walk(self._root))[1:]

    def sync(self, *args) -> None:
        """Take the document as it is now: items updated in place when the tree keeps its shape, else a
        rebuild (a reset)."""
        new = build_tree(self._document)
        if _shape_of(new) != _shape_of(self._root):
            self.beginResetModel()
            self._root = new
            self._index_nodes()
            self.endResetModel()
            return
        for old, fresh in zip(_walk(self._root), _walk(new)):
            if old.look() != fresh.look() or old.key != fresh.key:
                old.text, old.state, old.tooltip, old.kind, old.key = (fresh.text, fresh.state, fresh.tooltip,
                                                                       fresh.kind, fresh.key)
                if old is not self._root:
                    index = self.index_of(old)
                    self.dataChanged.emit(index, index)

    # ----- QAbstractItemModel -------------------------------------------------------------------
    def index(self, row, column=0, parent=QModelIndex()):
        holder = self.node(parent) if parent.isValid() else self._root
        if holder is None or column != 0 or not 0 <= row < len(holder.children):
            return QModelIndex()
        return self.createIndex(row, 0, holder.children[row].id)

    def parent(self, index=None):  # noqa: D102 - Qt API (QObject.parent() without an argument)
        if index is None:
            return super().parent()
        node = self.node(index)
        if node is None or node.parent is None or node.parent is self._root:
            return QModelIndex()
        return self.index_of(node.parent)

    def rowCount(self, parent=QModelIndex()) -> int:
        if parent.isValid():
            if parent.column() != 0:
                return 0
            node = self.node(parent)
            return len(node.children) if node is not None else 0
        return len(self._root.children)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 1

    def hasChildren(self, parent=QModelIndex()) -> bool:
        return self.rowCount(parent) > 0

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        node = self.node(index)
        if node is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return node.text
        if role == Qt.ItemDataRole.ToolTipRole:
            return node.tooltip
        if role == Qt.ItemDataRole.DecorationRole:
            return kind_icon(node.kind) if node.item in (INPUT_ITEM, LAYER_ITEM) else None
        if role == Qt.ItemDataRole.ForegroundRole:
            if node.state == "error":
                return QBrush(ERROR_FOREGROUND)
            if node.state == "blocked":
                return QBrush(BLOCKED_FOREGROUND)
            if node.item in (LIST_ITEM, EMPTY_ITEM):
                return QBrush(LIST_FOREGROUND)
            return None
        if role == Qt.ItemDataRole.FontRole:
            if node.item == INPUT_ITEM or node.state == "error":
                return self._bold
            return self._italic if node.item in (LIST_ITEM, EMPTY_ITEM) else None
        if role == LayerIndexRole:
            return -1 if node.item == INPUT_ITEM else node.path[0]
        if role == PathRole:
            return node.path
        if role == ItemRole:
            return node.item
        if role == KindRole:
            return node.kind
        if role == StateRole:
            return node.state
        return None

    def flags(self, index):
        node = self.node(index)
        if node is None:
            # Drops land between top-level items, or on a list / placeholder (into that list).
            return Qt.ItemFlag.ItemIsDropEnabled
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if node.item == LAYER_ITEM:
            flags |= Qt.ItemFlag.ItemIsDragEnabled
        if node.item in (LIST_ITEM, EMPTY_ITEM):
            flags |= Qt.ItemFlag.ItemIsDropEnabled
        if not node.children:
            flags |= Qt.ItemFlag.ItemNeverHasChildren
        return flags

    # ----- drag and drop ----------------------------------------------------------------------
    def supportedDropActions(self):
        return Qt.DropAction.MoveAction

    def supportedDragActions(self):
        return Qt.DropAction.MoveAction

    def mimeTypes(self):
        return [MIME_TYPE]

    def mimeData(self, indexes):
        nodes = [self.node(index) for index in indexes]
        layers = [node for node in nodes if node is not None and node.item == LAYER_ITEM]
        if not layers:
            return None
        mime = QMimeData()
        mime.setData(MIME_TYPE, QByteArray(encode_path(layers[0].path)))
        return mime

    def canDropMimeData(self, data, action, row, column, parent):
        return data is not None and data.hasFormat(MIME_TYPE) and decode_path(data) is not None

    def drop_slot(self, target: QModelIndex, below: bool) -> tuple:
        """The slot (counted before any move) a drop on `target` means: before a layer (after it when
        `below`), at the start of a list or placeholder, right after the input, or at the end."""
        node = self.node(target)
        if node is None:
            return (len(self._document.spec.layers),)
        if node.item == INPUT_ITEM:
            return (0,)
        if node.item in (LIST_ITEM, EMPTY_ITEM):
            return node.path + (0,)
        return node.path[:-1] + (node.path[-1] + (1 if below else 0),)

    def dropMimeData(self, data, action, row, column, parent):
        """For views that drop through the model: one document move, and False so that the view doesn't
        also remove the source item (the model has no removeRows)."""
        source = decode_path(data) if self.canDropMimeData(data, action, row, column, parent) else None
        if source is None:
            return False
        holder = self.node(parent)
        if holder is None:          # between top-level items: row 0 is the input
            slot = (max(row - 1, 0) if row >= 0 else len(self._document.spec.layers),)
        elif holder.item == LAYER_ITEM and row < 0:
            slot = self.drop_slot(parent, False)
        else:
            list_path = holder.path if holder.item in (LIST_ITEM, EMPTY_ITEM) else None
            if list_path is None:
                return False
            slot = list_path + (max(row, 0) if holder.item == LIST_ITEM else 0,)
        self._document.move_before(source, slot)
        return False


def encode_path(path: tuple) -> bytes:
    return ",".join(str(i) for i in path).encode("ascii")


def decode_path(data: QMimeData) -> tuple | None:
    try:
        text = bytes(data.data(MIME_TYPE)).decode("ascii")
        path = tuple(int(part) for part in text.split(",")) if text else ()
    except ValueError:
        return None
    return path if path and len(path) % 2 == 1 and all(i >= 0 for i in path) else None
