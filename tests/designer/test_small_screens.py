"""Issue 21, point 7: at 1024×640 the Train tab shows its hyperparameters and the filter playground its stride
and padding without scrolling."""
from __future__ import annotations

from PySide6.QtCore import QRect
from PySide6.QtWidgets import QApplication

SMALL = (1024, 640)


def small(window, qtbot):
    window.files.load_preset("lenet5")
    window.resize(*SMALL)
    qtbot.waitUntil(lambda: (window.width(), window.height()) == SMALL)
    QApplication.processEvents()
    qtbot.wait(30)
    QApplication.processEvents()


def wholly_in_sight(widget, area) -> bool:
    """`widget` is shown whole inside `area` (a scroll area's viewport, or any ancestor)."""
    top_left = widget.mapTo(area, widget.rect().topLeft())
    return widget.isVisible() and area.rect().contains(QRect(top_left, widget.size()))


def test_the_train_tab_shows_every_hyperparameter(window, qtbot):
    small(window, qtbot)
    window.show_tab(window.train_tab)
    QApplication.processEvents()
    hyper = window.train_tab.hyper_box
    scroll = window.train_tab.findChild(object, "trainingSideScroll")
    fields = (hyper.epochs_spin, hyper.batch_spin, hyper.optimizer_combo, hyper.lr_spin, hyper.validation_spin,
              hyper.seed_spin)
    assert all(wholly_in_sight(field, scroll.viewport()) for field in fields), \
        [f.objectName() for f in fields if not wholly_in_sight(f, scroll.viewport())]
    assert scroll.verticalScrollBar().value() == 0
    assert wholly_in_sight(window.train_tab.run_controls.train_button, window)


def test_the_playground_shows_stride_padding_and_export(window, qtbot):
    small(window, qtbot)
    window.show_tab(window.inside_tab)
    playground = window.inside_tab.playground
    window.inside_tab.setCurrentWidget(playground)
    QApplication.processEvents()
    scroll = playground.findChild(object, "playgroundSettings")
    for field in (playground.stride_spin, playground.padding_combo, playground.padding_spin,
                  playground.filter_table, playground.size_spin):
        assert wholly_in_sight(field, scroll.viewport()), field.objectName()
    assert not scroll.verticalScrollBar().isVisible()
    assert wholly_in_sight(playground.export_button, window)
