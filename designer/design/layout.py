"""How the Design tab shares its room: the whole layer table first, then the property editor, then the volume
diagram if there is room — so a 1024×640 laptop window shows every row of LeNet-5 (Total included), on the
first start and on every start after it.

The splitters are fitted whenever the tab's size or the number of rows changes. Sizes the user chose (by
dragging a splitter, or restored from the last session) are preferences, not orders: the table keeps
priority — its whole height up to the Total row when the window allows — and the diagram, then the editor,
give way first. The diagram shows only when it gets at least DIAGRAM_MIN (its labels are unreadable below
that) unless the user asked for it with View › Volume diagram in this session; View › Layer properties
(or dragging the splitter down) collapses the editor to give the table the whole height. Sideways, the
layer list gives way (down to its usual width) before the table has to scroll.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QAbstractItemView, QSplitter, QTableView, QWidget

EDITOR_MIN = 160     # a layer's name and three fields, the rest scrolls
DIAGRAM_MIN = 150    # below this the boxes are too small to read
DIAGRAM_MAX = 300    # what the diagram gets before the editor takes the rest (unless the user chose more)
LIST_WIDTH = 244     # the layer list's usual width: the table's every column fits beside it at 1024 px


class DesignLayout(QObject):
    """Fits the Design tab's splitters to `tab`'s size: `design_splitter` holds the layer list beside
    `right_splitter`, which holds the table and diagram's `table_splitter` above the property editor;
    `table_view` is the table in `table_splitter`'s first panel. `diagram_action` and `editor_action` are
    View › Volume diagram and View › Layer properties."""

    def __init__(self, tab: QWidget, document, splitters: tuple[QSplitter, QSplitter, QSplitter],
                 table_view: QTableView, diagram_action: QAction, editor_action: QAction,
                 list_view: QAbstractItemView | None = None):
        super().__init__(tab)
        self._tab = tab
        self._design_splitter, self._right_splitter, self._table_splitter = splitters
        self._table_view, self._list_view = table_view, list_view
        self._diagram_action, self._editor_action = diagram_action, editor_action
        self._editor_wanted: int | None = None     # heights the user chose (None: the defaults)
        self._diagram_height: int | None = None
        self._list_width: int | None = None
        self._diagram_asked = False                # View › Volume diagram turned on by the user this session
        self._diagram_refused = False              # ... or turned off
        self._fitting = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.fit)
        self._design_splitter.splitterMoved.connect(self._list_dragged)
        self._right_splitter.splitterMoved.connect(self._editor_dragged)
        self._table_splitter.splitterMoved.connect(self._diagram_dragged)
        self._right_splitter.setCollapsible(1, True)   # the editor may be dragged away entirely
        diagram_action.triggered.connect(self._diagram_chosen)
        editor_action.toggled.connect(self.set_editor_shown)
        document.changed.connect(self.schedule_fit)
        tab.installEventFilter(self)
        # The table panel's width decides how its labels wrap, so how much height it needs.
        self._table_splitter.widget(0).installEventFilter(self)

    # ----- what the user chose -------------------------------------------------------------------
    def keep_restored_sizes(self) -> None:
        """The splitters were just restored from the last session: their sizes become the preferences
        the next fit starts from (re-fitted to this window: the table still comes first)."""
        editor = self._right_splitter.sizes()[1]
        diagram = self._table_splitter.sizes()[1]
        self._editor_wanted = editor if editor > 0 else None
        self._diagram_height = diagram if diagram >= DIAGRAM_MIN else None
        # A list restored narrower than its entries (fitted to a smaller window last time) widens again.
        listed = self._design_splitter.sizes()[0]
        self._list_width = listed if listed > self.list_width_wanted() else None
        self.schedule_fit()

    def preferences(self) -> dict:
        """The sizes the fit starts from: {"editor", "diagram", "list"} in pixels (None: the default)."""
        return {"editor": self._editor_wanted, "diagram": self._diagram_height, "list": self._list_width}

    def _editor_dragged(self, *args) -> None:
        if not self._fitting:
            self._editor_wanted = self._right_splitter.sizes()[1]

    def _diagram_dragged(self, *args) -> None:
        if not self._fitting:
            self._diagram_height = self._table_splitter.sizes()[1] or None

    def _list_dragged(self, *args) -> None:
        if not self._fitting:
            self._list_width = self._design_splitter.sizes()[0]

    def _diagram_chosen(self, checked: bool) -> None:
        self._diagram_asked, self._diagram_refused = checked, not checked
        self.schedule_fit()

    def set_editor_shown(self, shown: bool) -> None:
        """Collapse the property editor (the table takes its height) or bring it back."""
        editor = self._right_splitter.widget(1)
        editor.setVisible(shown)
        if self._editor_action.isChecked() != shown:
            self._editor_action.setChecked(shown)
        if shown and self._editor_wanted == 0:
            self._editor_wanted = None
        self.schedule_fit()

    def schedule_fit(self, *args) -> None:
        self._timer.start()

    # ----- the fit -------------------------------------------------------------------------------
    def table_height_needed(self) -> int:
        """The table panel's height with every row of the table in view (heading, banners and legend
        included)."""
        view = self._table_view
        panel = self._table_splitter.widget(0)
        rows = view.model().rowCount()
        header = view.horizontalHeader()
        header_height = max(header.height(), header.sizeHint().height())
        table = header_height + rows * view.verticalHeader().defaultSectionSize() + 2 * view.frameWidth()
        if view.horizontalScrollBar().isVisible():
            table += view.horizontalScrollBar().height()
        # Everything else in the panel (heading, error banner, output hint, legend), wrapped labels at
        # the panel's width.
        layout = panel.layout()
        margins = layout.contentsMargins()
        others, shown = margins.top() + margins.bottom(), 1
        width = max(panel.width(), 200)
        for i in range(layout.count()):
            widget = layout.itemAt(i).widget()
            if widget is None or widget is view or widget.isHidden():
                continue
            shown += 1
            others += widget.heightForWidth(width) if widget.hasHeightForWidth() else widget.sizeHint().height()
        return table + others + layout.spacing() * (shown - 1) + 6   # a little air under Total

    def table_width_needed(self) -> int:
        """The table's width with every column whole (the formula at its readable minimum)."""
        view = self._table_view
        header = view.horizontalHeader()
        columns = sum(header.sectionSize(c) for c in range(header.count() - 1) if not header.isSectionHidden(c))
        # Room for a vertical scroll bar too, so a bar showing for a moment doesn't push the table sideways.
        return (columns + view.readable_formula_width() + 2 * view.frameWidth()
                + view.verticalScrollBar().sizeHint().width())

    def fit(self) -> None:
        if self._fitting or self._right_splitter.height() <= 0:
            return
        self._fitting = True
        try:
            self._fit_width()
            self._fit_height()
        finally:
            self._fitting = False

    def list_width_wanted(self) -> int:
        """The layer list's width with its longest entry whole (at least LIST_WIDTH)."""
        view = self._list_view
        if view is None or view.model() is None:
            return LIST_WIDTH
        entries = view.sizeHintForColumn(0) + 2 * view.frameWidth() + view.verticalScrollBar().sizeHint().width()
        return max(LIST_WIDTH, entries + 12)

    def _fit_width(self) -> None:
        """The layer list at the width the user chose (else wide enough for its entries), narrowed (not
        below LIST_WIDTH) when the table would otherwise scroll sideways."""
        split = self._design_splitter
        total = sum(split.sizes())
        if total <= 0:
            return
        wanted = self._list_width if self._list_width is not None else self.list_width_wanted()
        room_for_list = total - split.handleWidth() - self.table_width_needed()
        width = max(min(wanted, room_for_list), min(LIST_WIDTH, wanted))
        if split.sizes()[0] != width:
            split.setSizes([width, total - width])

    def _fit_height(self) -> None:
        """The table whole; then the editor up to EDITOR_MIN (or the smaller height the user left it
        at; a table too long to be whole in any case scrolls beside it); then the diagram at the height wanted (DIAGRAM_MAX, or the user's), shown only when it gets
        DIAGRAM_MIN; what is left goes to the editor (with the editor away: to the diagram, else the
        table). A short window takes from the diagram first, then the editor."""
        right, split = self._right_splitter, self._table_splitter
        height = right.height()
        handle = right.handleWidth()
        need = self.table_height_needed()
        editor_shown = self._editor_action.isChecked()
        editor_wanted = (EDITOR_MIN if self._editor_wanted is None else self._editor_wanted) if editor_shown else 0
        room = height - need - (handle if editor_shown else 0)
        editor = max(0, min(editor_wanted, EDITOR_MIN, room))
        if need > height - handle and editor_shown:
            editor = min(editor_wanted, EDITOR_MIN)   # a long design's table scrolls anyway: the form stays
        left = room - editor - handle
        diagram_fits = left >= DIAGRAM_MIN and not self._diagram_refused
        if self._diagram_asked and not diagram_fits:
            # Asked for in this session: its least readable height, from the editor first, then the table.
            diagram_fits = True
            least = right.widget(1).minimumSizeHint().height() if editor_shown else 0   # the form's frame
            editor = max(least, min(editor, room - handle - DIAGRAM_MIN))
            left = max(room - editor - handle, DIAGRAM_MIN)
        diagram = min(left, self._diagram_height or DIAGRAM_MAX) if diagram_fits else 0
        if self._diagram_action.isChecked() != diagram_fits:
            self._diagram_action.setChecked(diagram_fits)   # toggled → the pane shows or hides
        top = height - (editor + handle if editor_shown else 0)
        spare = top - need - (diagram + handle if diagram_fits else 0)
        if spare > 0 and editor_shown and editor_wanted > 0:
            editor += spare
            top -= spare
        elif spare > 0 and diagram_fits:
            diagram += spare
        right.setSizes([top, editor] if editor_shown else [height, 0])
        if diagram_fits:
            split.setSizes([max(top - diagram - handle, 0), diagram])

    # ----- events -------------------------------------------------------------------------------
    def eventFilter(self, watched, event):
        kind = event.type()
        if watched is self._tab and kind in (QEvent.Type.Resize, QEvent.Type.Show):
            self.schedule_fit()
        elif kind == QEvent.Type.Resize and event.oldSize().width() != event.size().width():
            self.schedule_fit()      # the table panel got narrower or wider: its labels wrap anew
        return False
