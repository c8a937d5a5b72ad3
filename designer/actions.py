"""Making a QAction the designer's way: objectName f"{key}Action", a tooltip that names its keys, a
status tip, an icon. The window's actions (window_menus.py) and the Design tab's (design/tab.py) use it."""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Qt
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


COMMAND_NAME = "commandName"   # an action property: the command's name where its text says more ("Undo")


def key_text(sequence: QKeySequence) -> str:
    """How a key reads in a tooltip or the shortcuts list: "Ctrl+Shift+Tab" (Qt spells Shift+Tab
    "Shift+Backtab", the name of the key code it sends)."""
    return sequence.toString(QKeySequence.SequenceFormat.NativeText).replace("Backtab", "Tab")


def is_application_key(sequence: QKeySequence) -> bool:
    """A keyboard's dedicated New / Open / Undo / Back key (Qt's multimedia and application key range),
    which Qt adds to some standard shortcuts: few keyboards have one, and listed as a word ("Ctrl+N or
    New") it reads like the command's name, not a key."""
    key = sequence[0].key().value
    return sequence.count() == 1 and Qt.Key.Key_Back.value <= key < Qt.Key.Key_unknown.value


def keys_text(sequences) -> str:
    """"Ctrl+Shift+Tab or Ctrl+PgUp": the keys of a list of sequences as a user types them."""
    return " or ".join(key_text(s) for s in sequences if not s.isEmpty() and not is_application_key(s))


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
        keys = keys_text(sequences)
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
