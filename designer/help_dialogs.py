"""Help › Quick tour and Help › Keyboard shortcuts: help that lives in the app, not on the web.

The tour is a short illustrated page (a QTextBrowser in a dialog): one section per tab — design, train,
inside, runs — each with a picture of that tab rendered from the running window itself, so the pictures always
show the app as it is. The shortcuts list is built from the window's own QActions and QShortcuts, so it
cannot drift from what the keys really do.
"""
from __future__ import annotations

from html import escape

from PySide6.QtCore import QObject, QUrl, Qt
from PySide6.QtGui import QAction, QImage, QKeySequence, QShortcut, QTextDocument
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QMainWindow, QTabWidget, QTextBrowser, QVBoxLayout, QWidget

TOUR_PICTURE_WIDTH = 560

# (tab title, heading, what to do there) — the tab title finds the page whose picture is shown.
TOUR_SECTIONS = (
    ("Design", "1 · Design: stack the layers",
     "Click <b>Conv</b>, <b>Pool</b> or <b>FC</b> (or press Ctrl+1…5) to add a layer after the selected "
     "row; edit it in the form under the table. The layer table shows what the course computes for every "
     "layer — activation shape, activation size, parameters and the formula behind them — and updates as "
     "you type. A red row cannot work: its Formula cell says why. End with an FC layer with softmax and as "
     "many units as your dataset has classes; <i>Presets</i> holds the course's LeNet-5 to start from."),
    ("Train", "2 · Train: watch the loss fall",
     "Pick a dataset (digits, shapes or your own), the epochs, batch size and learning rate, then "
     "<b>Train</b>. The loss J falls live, accuracy is plotted per epoch, and the test accuracy is shown "
     "at the end. Pause, resume or stop at any time; save the weights to use them again."),
    ("Inside", "3 · Inside: look at what the network does",
     "The <b>Filter playground</b> slides a filter over the course's 6×6 example (or an image of yours) "
     "with the stride and padding you choose; <b>Learned filters</b> and <b>Feature maps</b> show what "
     "each conv layer picked up; <b>Predictions</b> lists the test images with a confusion matrix, and "
     "<b>Why</b> shows which pixels and positions made the network say what it said (saliency, Grad-CAM). "
     "Double-click a conv or pool row of the layer table to jump to its feature maps."),
    ("Runs", "4 · Runs: compare what you tried",
     "Every training run is kept — from the Train tab and from <code>main.py train</code> — with its "
     "design, settings, curves, test accuracy and weights. Select runs to overlay their curves; sort, "
     "filter, rename and add notes; <b>Open design</b> or <b>Load weights</b> brings a run back; export "
     "the comparison as Markdown or CSV. Help › Course examples › Over-fitting trains a small lesson to "
     "compare the training aids (schedules, weight decay, early stopping, augmentation) of the Train tab."),
)


def tab_picture(tabs: QTabWidget, title: str, width: int = TOUR_PICTURE_WIDTH) -> QImage:
    """A picture of the tab called `title`, `width` px wide (null if there is no such tab)."""
    for index in range(tabs.count()):
        if tabs.tabText(index).replace("&", "") == title:
            page = tabs.widget(index)
            if page.size().isEmpty():
                page.resize(tabs.currentWidget().size())
            image = page.grab().toImage()
            if image.isNull():
                return image
            return image.scaledToWidth(min(width, image.width()), Qt.TransformationMode.SmoothTransformation)
    return QImage()


def tour_html(pictures: dict[str, str]) -> str:
    """The tour page; `pictures` maps a tab title to the image URL shown in its section."""
    parts = ["<h2>Quick tour of CNN Designer</h2>",
             "<p>Four tabs, in the order you use them. Press F1 at any time to see this again.</p>"]
    for title, heading, text in TOUR_SECTIONS:
        parts.append(f"<h3>{escape(heading)}</h3><p>{text}</p>")
        if title in pictures:
            parts.append(f"<p align='center'><img src='{pictures[title]}'></p>")
    parts.append("<p>Help › Keyboard shortcuts lists every key; every button and field has a tooltip: "
                 "point at it to read what it does.</p>")
    return "".join(parts)


class QuickTourDialog(QDialog):
    """Help › Quick tour (objectName ``quickTourDialog``; its browser is ``quickTourText``), with a
    picture of each of `window`'s `tabs`."""

    def __init__(self, window: QMainWindow, tabs: QTabWidget):
        super().__init__(window)
        self.setObjectName("quickTourDialog")
        self.setWindowTitle("Quick tour — CNN Designer")
        self.browser = QTextBrowser()
        self.browser.setObjectName("quickTourText")
        self.browser.setOpenExternalLinks(False)
        pictures: dict[str, str] = {}
        for title, _, _ in TOUR_SECTIONS:
            image = tab_picture(tabs, title)
            if not image.isNull():
                url = f"tour://{title.lower()}.png"
                self.browser.document().addResource(QTextDocument.ResourceType.ImageResource, QUrl(url), image)
                pictures[title] = url
        self.browser.setHtml(tour_html(pictures))
        self.picture_count = len(pictures)
        _add_close_button(self, self.browser)
        self.resize(min(TOUR_PICTURE_WIDTH + 80, window.width()), min(620, max(window.height(), 400)))


def _is_application_key(sequence: QKeySequence) -> bool:
    """A keyboard's dedicated New / Open / Undo key (Qt's multimedia and application key range), which
    Qt adds to some standard shortcuts: few keyboards have one, and listed as a word ("Ctrl+N or New")
    it reads like the command's name, not a key."""
    key = sequence[0].key().value
    return sequence.count() == 1 and Qt.Key.Key_Back.value <= key < Qt.Key.Key_unknown.value


def _keys_text(sequences) -> str:
    return " or ".join(s.toString(QKeySequence.SequenceFormat.NativeText) for s in sequences
                       if not s.isEmpty() and not _is_application_key(s))


def shortcut_rows(window: QWidget) -> list[tuple[str, str, str]]:
    """(keys, command, what it does) for every QAction and QShortcut of `window` that has keys, sorted by
    command. Read from the objects themselves, so the list is always what the keys do."""
    rows = {}
    for action in window.findChildren(QAction):
        keys = _keys_text(action.shortcuts())
        if not keys:
            continue
        name = action.text().replace("&", "").rstrip("…").strip() or action.iconText()
        tip = action.statusTip() or action.toolTip()
        rows[(keys, name)] = (keys, name, tip.split(" (")[0] if tip.endswith(")") else tip)
    for shortcut in window.findChildren(QShortcut):
        keys = _keys_text([shortcut.key()])
        if keys:
            what = shortcut.whatsThis() or shortcut.objectName()
            rows[(keys, what)] = (keys, what, shortcut.whatsThis())
    return sorted(rows.values(), key=lambda row: row[1].lower())


# Keys the widgets handle themselves (no QAction to read them from).
WIDGET_KEYS = (
    ("Tab / Shift+Tab", "Next / previous control", "Layer list → its buttons → layer table → layer form → …"),
    ("↑ ↓ ← →", "Move in a list or table", "In the layer table the arrows move between cells"),
)


def shortcuts_html(window: QWidget) -> str:
    lines = ["<h2>Keyboard shortcuts</h2><table cellspacing='0' cellpadding='4'>",
             "<tr><th align='left'>Keys</th><th align='left'>Command</th><th align='left'>What it does</th></tr>"]
    for keys, name, tip in [*shortcut_rows(window), *WIDGET_KEYS]:
        lines.append(f"<tr><td><b>{escape(keys)}</b></td><td>{escape(name)}</td><td>{escape(tip)}</td></tr>")
    lines.append("</table>")
    return "".join(lines)


class ShortcutsDialog(QDialog):
    """Help › Keyboard shortcuts (objectName ``shortcutsDialog``; its browser is ``shortcutsText``)."""

    def __init__(self, window: QMainWindow):
        super().__init__(window)
        self.setObjectName("shortcutsDialog")
        self.setWindowTitle("Keyboard shortcuts — CNN Designer")
        self.browser = QTextBrowser()
        self.browser.setObjectName("shortcutsText")
        self.browser.setHtml(shortcuts_html(window))
        _add_close_button(self, self.browser)
        self.resize(640, min(560, max(window.height(), 400)))


def _add_close_button(dialog: QDialog, browser: QTextBrowser) -> None:
    layout = QVBoxLayout(dialog)
    layout.addWidget(browser, 1)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    buttons.button(QDialogButtonBox.StandardButton.Close).setToolTip("Close this window (Esc)")
    buttons.rejected.connect(dialog.reject)
    layout.addWidget(buttons)


class HelpDialogs(QObject):
    """Help › Quick tour (F1) and Help › Keyboard shortcuts for `window` (whose `tabs` the tour pictures):
    `tour_action` and `shortcuts_action` for the Help menu; the dialogs are modeless and kept as
    `tour_dialog` / `shortcuts_dialog` once opened (None before)."""

    def __init__(self, window: QMainWindow, tabs: QTabWidget):
        super().__init__(window)
        self._window, self._tabs = window, tabs
        self.tour_dialog: QuickTourDialog | None = None
        self.shortcuts_dialog: ShortcutsDialog | None = None
        tour = self.tour_action = QAction("Quick &tour", window)
        tour.setObjectName("quickTourAction")
        keys = [QKeySequence("F1")] + [k for k in QKeySequence.keyBindings(QKeySequence.StandardKey.HelpContents)
                                       if k != QKeySequence("F1") and not k.isEmpty()]
        tour.setShortcuts(keys)
        tour.setStatusTip("A short illustrated tour of the Design, Train and Inside tabs")
        tour.setToolTip(f"A short illustrated tour of the Design, Train and Inside tabs ({_keys_text(keys)})")
        tour.triggered.connect(self.show_tour)
        window.addAction(tour)   # F1 works wherever the focus is
        shortcuts = self.shortcuts_action = QAction("&Keyboard shortcuts", window)
        shortcuts.setObjectName("shortcutsAction")
        shortcuts.setStatusTip("Every keyboard shortcut of the window")
        shortcuts.setToolTip("Every keyboard shortcut of the window")
        shortcuts.triggered.connect(self.show_shortcuts)

    def show_tour(self) -> None:
        self.tour_dialog = QuickTourDialog(self._window, self._tabs)
        self.tour_dialog.show()
        self.tour_dialog.raise_()

    def show_shortcuts(self) -> None:
        self.shortcuts_dialog = ShortcutsDialog(self._window)
        self.shortcuts_dialog.show()
        self.shortcuts_dialog.raise_()
