"""The whole journey through the real window: design → train → look inside → export."""
import json

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton, QSpinBox
from pyqtgraph import PlotWidget

from engine import load_spec, summarize


def _child(window, cls, name):
    widget = window.findChild(cls, name)
    assert widget is not None, name
    return widget


def test_design_train_inside_export(qtbot, tmp_path):
    from designer.main_window import MainWindow
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    assert [window.tabs.tabText(i) for i in range(window.tabs.count())] == ["Design", "Train", "Inside", "Runs"]

    # Design: the digits preset, then one edit by clicking in the editor.
    window.files.load_preset("digits_net")
    window.design_tab.select_layer(2)  # CONV2
    _child(window, QSpinBox, "convFilters").setValue(24)
    assert window.document.spec.layers[2].filters == 24

    # Train: through the buttons on the Train tab.
    panel = window.train_tab
    panel.datasets.set_dataset("digits")
    _child(window, QSpinBox, "epochsSpin").setValue(3)
    updates = []
    panel.network_updated.connect(updates.append)
    with qtbot.waitSignal(panel.training_finished, timeout=60_000) as finished:
        qtbot.mouseClick(_child(window, QPushButton, "trainButton"), Qt.MouseButton.LeftButton)
    result = finished.args[0]
    assert result.status == "completed"
    assert result.test_accuracy > 0.8
    assert "Test accuracy" in _child(window, QLabel, "testAccuracyLabel").text()
    x_points, _ = _child(window, PlotWidget, "lossPlot").getPlotItem().listDataItems()[0].getData()
    assert x_points is not None and len(x_points) > 0
    assert updates, "the inside views never received a network"

    # Inside: the views got the trained network and the dataset; their shapes follow the table.
    inside = window.inside_tab
    table_shapes = {row.name: row.output_shape for row in summarize(window.document.spec).rows[1:]
                    if row.kind in ("conv", "pool")}
    assert inside.feature_maps.feature_map_shapes() == table_shapes
    assert inside.predictions.confusion_matrix().sum() == 360
    # Double-clicking the CONV2 row of the shape table opens its feature maps.
    model = window.design_tab.shape_model
    conv2_row = next(r for r in range(model.rowCount()) if model.layer_for_row(r) == 2)
    index = model.index(conv2_row, 0)
    window.design_tab.table_view.doubleClicked.emit(index)
    assert window.tabs.currentIndex() == 2 and inside.currentWidget() is inside.feature_maps
    assert inside.feature_maps.current_layer() == "CONV2"

    # Export: the design as JSON and a view as PNG.
    path = tmp_path / "my_digits.json"
    assert window.files.save_file(path)
    assert load_spec(path) == window.document.spec
    assert json.loads(path.read_text())["layers"][2]["filters"] == 24
    png = tmp_path / "maps.png"
    width, height = inside.feature_maps.export_png(png)
    assert png.stat().st_size > 0 and width > 0 and height > 0
    assert window.close()
