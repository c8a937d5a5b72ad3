"""Issue 21, point 7: View › Zoom in / out / reset (Ctrl++ / Ctrl+− / Ctrl+0) for the table, the list, the
diagram and the playgrounds, kept between runs."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from designer.main_window import MainWindow
from designer.zoom import STEPS, nearest_step


def sizes(window):
    design, inside = window.design_tab, window.inside_tab
    return {"table": design.table_view.font().pointSizeF(),
            "row": design.table_view.verticalHeader().defaultSectionSize(),
            "list": design.layer_view.font().pointSizeF(),
            "icons": design.layer_view.iconSize().width(),
            "diagram": design.diagram_pane.diagram._max_scale,
            "filter grid": inside.playground.filter_table.font().pointSizeF(),
            "pooling cells": inside.pooling.input_view.horizontalHeader().defaultSectionSize(),
            "pooling numbers": inside.pooling.input_view.font().pointSizeF()}


def test_zoom_in_out_and_reset_with_the_keys(window, qtbot):
    window.files.load_preset("lenet5")
    window.activateWindow()
    qtbot.waitActive(window)
    before = sizes(window)
    qtbot.keyClick(window.design_tab.layer_view, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(window.design_tab.layer_view, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    assert window.zoom.factor == 1.25
    bigger = sizes(window)
    assert all(bigger[key] > before[key] for key in before), (before, bigger)
    assert bigger["table"] == 1.25 * before["table"]
    qtbot.keyClick(window.design_tab.layer_view, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert window.zoom.factor == 1.1
    qtbot.keyClick(window.design_tab.layer_view, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert window.zoom.factor == 1.0 and sizes(window) == before
    assert [a.objectName() for a in window.menus.view_menu.actions() if a.objectName().startswith("zoom")] == \
        ["zoomInAction", "zoomOutAction", "zoomResetAction"]


def test_the_zoom_is_kept_and_the_table_refits(window, qtbot):
    window.files.load_preset("lenet5")
    window.resize(1280, 800)
    window.zoom.set_factor(1.5)
    QApplication.processEvents()
    qtbot.wait(30)
    QApplication.processEvents()
    view = window.design_tab.table_view
    model = view.model()
    assert all(view.viewport().rect().contains(view.visualRect(model.index(r, 0))) for r in range(model.rowCount()))
    window.document.undo_stack.setClean()
    assert window.close()
    again = MainWindow()
    qtbot.addWidget(again)
    assert again.zoom.factor == 1.5
    assert again.design_tab.table_view.font().pointSizeF() == 1.5 * window.design_tab.table_view._base_points
    again.zoom.reset()
    again.document.undo_stack.setClean()


def test_zoom_stays_within_its_steps():
    assert nearest_step("3.7") == STEPS[-1] and nearest_step("nonsense") == 1.0 and nearest_step(0.95) in (0.9, 1.0)
