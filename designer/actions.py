"""Making a QAction the designer's way: objectName f"{key}Action", a tooltip that names its keys, a
status tip, an icon. The window's actions (window_menus.py) and the Design tab's (design/tab.py) use it."""
from __future__ import annotations

from typing import Callable

from PySide6.QtGui import QAction, QIcon, QKeySequence
from PySide6.QtWidgets import QWidget


def key_sequences(keys) -> list[QKeySequence]:
    """QKeySequences for a list of StandardKeys and key strings: every binding the platform gives a
    StandardKey, without empties or repeats (Quit has no binding on some platforms)."""
    sequences: list[QKeySequence] = []
    for key in keys:
        found = QKeySequence.keyBindings(key) if isinstance(key, QKeySequence.StandardKey) else [QKeySequence(key)]
        sequences.extend(s for s in found if not s.isEmpty() and s not in sequences)
    return sequences


def make_action(owner: QWidget, key: str, text: str, tip: str, slot: Callable | None = None, shortcut=None,
                icon: QIcon | None = None, checkable: bool = False) -> QAction:
    """An action of `owner` named f"{key}Action"; its tooltip names its keys. `shortcut`: a key string, a
    StandardKey, or a list of them. Added to `owner`, so its keys work wherever `owner` is shown."""
    action = QAction(text, owner)
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
    if checkable:
        action.setCheckable(True)
    if slot is not None:
        action.triggered.connect(slot)
    owner.addAction(action)
    return action
