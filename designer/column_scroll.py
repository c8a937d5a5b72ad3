"""A column of settings that scrolls up and down on its own, never sideways: how the Train tab's dataset and
hyperparameter boxes and the playground's settings stay usable in a 640-px-high window without the tab
needing an outer scrollbar."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QScrollArea, QWidget

MIN_HEIGHT = 120     # below this the column shows too little to scroll through


def vertical_scroll(column: QWidget, name: str) -> QScrollArea:
    """A frameless scroll area named `name` holding `column`, resized to its width, vertical scrolling only."""
    scroll = QScrollArea()
    scroll.setObjectName(name)
    scroll.setWidget(column)
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    scroll.setMinimumHeight(MIN_HEIGHT)
    scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)   # Tab goes to the controls in it, not to the area itself
    return scroll
