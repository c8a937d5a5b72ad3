"""Why convolutions in the window: the toggleable 'vs. FC' column of the shape table (pytest-qt)."""
from PySide6.QtCore import Qt

from engine import NetworkSpec
from designer.design.table_model import COL_WHY


def test_column_hidden_until_toggled_and_shows_the_ratio(window):
    spec = NetworkSpec.from_dict({"format": "cnn-designer/1", "input": {"shape": [32, 32, 3]},
                                  "layers": [{"type": "conv", "filters": 6, "size": 5},
                                             {"type": "pool"}, {"type": "dense", "units": 10,
                                                                "activation": "softmax"}]})
    window.document.load(spec)
    assert window.design_tab.table_view.isColumnHidden(COL_WHY)
    window.findChild(object, "whyColumnAction").setChecked(True)
    assert not window.design_tab.table_view.isColumnHidden(COL_WHY)
    model = window.design_tab.shape_model
    assert model.data(model.index(1, COL_WHY)) == "31,700× fewer"      # 14,455,392 / 456
    tip = model.data(model.index(1, COL_WHY), Qt.ItemDataRole.ToolTipRole)
    assert "14,455,392" in tip and "456" in tip
    assert "Parameter sharing" in tip and "Sparsity of connections" in tip
    assert model.data(model.index(2, COL_WHY)) == "" and model.data(model.index(3, COL_WHY)) == ""
    window.findChild(object, "whyColumnAction").setChecked(False)
    assert window.design_tab.table_view.isColumnHidden(COL_WHY)
