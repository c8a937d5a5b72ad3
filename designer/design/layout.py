"""How the Design tab shares its height: the whole layer table first, then the property editor, then the
volume diagram if there is room — so a 1024×640 laptop window shows every row of LeNet-5 (Total included).

Until the user drags a splitter (or a saved layout is restored), the splitters follow the window's size
and the number of rows: the table gets the height its rows need, the editor at least EDITOR_MIN, and the
diagram what is left if that is at least DIAGRAM_MIN; otherwise the diagram is hidden (View › Volume
diagram brings it back). The property editor can be collapsed (View › Layer properties, or drag the
splitter down) to give the table the whole height.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QSplitter, QTableView, QWidget

EDITOR_MIN = 160     # a layer's name and three fields, the rest scrolls
DIAGRAM_MIN = 150    # below this the boxes are too small to read
DIAGRAM_MAX = 300


class DesignLayout(QObject):
    """Fits the Design tab's splitters to `tab`'s size: `right_splitter` holds the table and diagram's
    `table_splitter` above the property editor; `table_view` is the table in `table_splitter`'s first
    panel. `diagram_action` and `editor_action` are View › Volume diagram and View › Layer properties."""

    def __init__(self, tab: QWidget, document, splitters: tuple[QSplitter, QSplitter, QSplitter],
                 table_view: QTableView, diagram_action: QAction, editor_action: QAction):
        super().__init__(tab)
        self._tab = tab
        self._design_splitter, self._right_splitter, self._table_splitter = splitters
        self._table_view = table_view
        self._diagram_action, self._editor_action = diagram_action, editor_action
        self._user_sized = False
        self._fitting = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.fit)
        for splitter in splitters:
            splitter.splitterMoved.connect(self.keep_user_sizes)
        self._right_splitter.setCollapsible(1, True)   # the editor may be dragged away entirely
        diagram_action.triggered.connect(self.keep_user_sizes)
        editor_action.toggled.connect(self.set_editor_shown)
        document.changed.connect(self.schedule_fit)
        tab.installEventFilter(self)

    # ----- public ---------------------------------------------------------------------------------
    def keep_user_sizes(self, *args) -> None:
        """The user arranged the splitters (or a saved arrangement was restored): stop fitting."""
        self._user_sized = True

    def set_editor_shown(self, shown: bool) -> None:
        """Collapse the property editor (the table takes its height) or bring it back."""
        editor = self._right_splitter.widget(1)
        editor.setVisible(shown)
        if self._editor_action.isChecked() != shown:
            self._editor_action.setChecked(shown)
        self.schedule_fit()

    def schedule_fit(self, *args) -> None:
        if not self._user_sized:
            self._timer.start()

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

    def fit(self) -> None:
        if self._user_sized or self._fitting:
            return
        right, split = self._right_splitter, self._table_splitter
        height = right.height()
        if height <= 0:
            return
        self._fitting = True
        try:
            need = self.table_height_needed()
            handle = right.handleWidth()
            editor_shown = self._editor_action.isChecked()
            editor = EDITOR_MIN if editor_shown else 0
            room = height - need - editor - 2 * handle
            diagram_fits = room >= DIAGRAM_MIN
            diagram_action = self._diagram_action
            if diagram_action.isChecked() != diagram_fits:
                diagram_action.setChecked(diagram_fits)   # toggled → the pane shows or hides
            diagram = min(room, DIAGRAM_MAX) if diagram_fits else 0
            top = need + (diagram + handle if diagram_fits else 0)
            if editor_shown:
                right.setSizes([top, max(height - top - handle, editor)])
            else:
                right.setSizes([height, 0])
            if diagram_fits:
                split.setSizes([need, max(top - need - handle, DIAGRAM_MIN)])
        finally:
            self._fitting = False

    # ----- events -------------------------------------------------------------------------------
    def eventFilter(self, watched, event):
        if watched is self._tab and event.type() in (QEvent.Type.Resize, QEvent.Type.Show):
            self.schedule_fit()
        return False
