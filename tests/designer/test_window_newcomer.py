"""What a newcomer saw in the window and we fixed: the status bar cut off at 1024×640, one byte unit for
the status bar's two memory figures, and keyboard-shortcut help that named a "New" key (pytest-qt)."""
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QSpinBox

from designer.help_dialogs import shortcut_rows
from engine.sysmem import format_bytes


def test_the_status_bar_shows_every_figure_whole_at_1024_by_640(window, qtbot):
    # The longest case: a broken LeNet-5 (the parameter count says which rows it covers).
    window.files.load_preset("lenet5")
    window.design_tab.select_layer(2)
    window.findChild(QSpinBox, "convSize").setValue(20)
    assert window.document.summary.error_row is not None
    window.resize(1024, 640)
    qtbot.waitUntil(lambda: (window.width(), window.height()) == (1024, 640))
    QApplication.processEvents()
    bar = window.statusBar()
    for label in (window.totals.params_label, window.totals.memory_label, window.memory_status.label):
        assert label.isVisible()
        assert label.width() >= label.sizeHint().width(), label.text()       # not squeezed
        assert label.mapTo(bar, label.rect().topRight()).x() <= bar.width(), label.text()   # not off the edge


def test_the_activation_memory_uses_the_estimates_units(window):
    window.files.load_preset("lenet5")
    text = window.totals.memory_label.text()
    assert "13,126" in text and format_bytes(13_126 * 4) in text     # "52.5 kB", as the estimate writes kB


def test_shortcut_help_lists_keys_not_application_key_names(window):
    by_name = {name: keys for keys, name, _ in shortcut_rows(window)}
    assert by_name["New"] == QKeySequence(QKeySequence.StandardKey.New).toString(QKeySequence.SequenceFormat.NativeText)
    for keys in by_name.values():
        for key in keys.split(" or "):
            assert key not in ("New", "Open", "Save", "Undo", "Redo", "Copy", "Paste", "Cut", "Close"), keys
