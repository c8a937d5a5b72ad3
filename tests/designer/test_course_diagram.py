"""The volume diagram pane on the Design tab (pytest-qt)."""
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from designer.design.diagram_view import VolumeDiagram


def diagram(window) -> VolumeDiagram:
    return window.design_tab.diagram_pane.diagram


def test_one_box_per_layer_and_it_follows_edits(window, qtbot):
    window.files.load_preset("lenet5")
    view = diagram(window)
    assert view.box_count() == 8
    assert [b.label for b in view.layout_data().boxes][:3] == ["32×32×3", "28×28×8", "14×14×8"]
    window.design_tab.select_layer(1)
    window.design_tab.add_layer("conv")                               # after POOL1
    assert view.box_count() == 9
    window.document.set_field(0, "filters", 6)
    assert view.layout_data().boxes[1].label == "28×28×6"
    window.document.set_field(0, "size", 40)               # a filter larger than the input: red
    assert view.layout_data().boxes[1].kind == "broken"
    window.document.undo_stack.undo()
    assert view.layout_data().boxes[1].kind == "volume"


def test_selection_both_ways(window, qtbot):
    window.files.load_preset("lenet5")
    view = diagram(window)
    window.design_tab.select_layer(3)
    assert view.selected() == (3,)
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=view.box_center(1).toPoint())
    assert window.design_tab.selected_layer() == 1
    assert window.design_tab.editor.findChild(object, "layerName").text() == "POOL1"


def test_exports_svg_and_png(window, tmp_path):
    window.files.load_preset("example_convnet")
    view = diagram(window)
    svg, png = tmp_path / "net.svg", tmp_path / "net.png"
    assert view.export_svg(svg) > 0 and "7×7×40" in svg.read_text(encoding="utf-8")
    assert view.export_png(png) > 0
    image = QImage(str(png))
    assert not image.isNull() and image.width() > 400


def test_view_menu_hides_the_pane(window):
    action = window.findChild(object, "diagramAction")
    action.setChecked(False)
    assert not window.design_tab.diagram_pane.isVisible()
    action.setChecked(True)
    assert window.design_tab.diagram_pane.isVisible()


def test_a_click_on_an_inner_box_selects_that_layer_in_the_tree(window, qtbot):
    window.files.load_preset("resnet_small")
    view = diagram(window)
    inner = (4, 1, 0)                                        # RES2's shortcut conv, in the lane under the main path
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=view.box_center(inner).toPoint())
    assert window.design_tab.selected_path() == inner
    assert window.design_tab.editor.current_path() == inner
    window.design_tab.select_layer((2, 0, 1))
    assert view.selected() == (2, 0, 1)
    joins = view.layout_data().joins
    assert [join.kind for join in joins] == ["add", "add", "add"]
