"""Issue 21: the first start can train — LeNet-5 opens with the built-in dataset it trains on (Shapes), a
dataset that doesn't fit gets a "Use Shapes" offer beside the preset, and a double-clicked table row says
why it can't show feature maps."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication


def first_start(window):
    """What designer.app does on a first start: the course's LeNet-5."""
    assert window.files.load_preset("lenet5")
    QApplication.processEvents()


def test_the_first_start_can_train(window):
    first_start(window)
    train = window.train_tab
    assert train.datasets.dataset.name == "shapes"
    assert train.can_train and train.run_controls.train_button.isEnabled()
    assert window.document.summary.total_params == 62_958     # the course's table, untouched
    assert train.dataset_box.fit_label.text().startswith("✓ The design fits: 32×32×3 images, 4 classes.")


def test_a_dataset_that_does_not_fit_offers_the_builtin_that_does(window, qtbot):
    first_start(window)
    train = window.train_tab
    window.show_tab(train)
    assert train.datasets.set_dataset("digits")
    box = train.dataset_box
    assert not train.can_train
    assert box.use_builtin_button.isVisible() and box.use_builtin_button.text() == "Use Shapes"
    assert box.open_preset_button.isVisible() and box.open_preset_button.text() == "Open the Digits net preset"
    before = window.document.spec.to_dict()
    qtbot.mouseClick(box.use_builtin_button, Qt.MouseButton.LeftButton)
    assert train.datasets.dataset.name == "shapes" and train.can_train
    assert window.document.spec.to_dict() == before             # the design is not changed
    assert not box.use_builtin_button.isVisible()


def test_no_builtin_offer_when_none_fits(window):
    window.files.load_preset("example_convnet")                 # 39×39×3: neither built-in
    window.show_tab(window.train_tab)
    assert not window.train_tab.can_train
    assert not window.train_tab.dataset_box.use_builtin_button.isVisible()


def test_double_clicking_a_row_without_feature_maps_says_why(window, qtbot):
    first_start(window)
    design = window.design_tab
    view = design.table_view
    fc3 = design.shape_model.index(design.shape_model.row_for_layer(4), 0)
    assert window.document.layer_names()[4] == "FC3"
    design._jump_to_row(fc3)
    assert window.tabs.currentWidget() is design                # stays
    message = window.statusBar().currentMessage()
    assert message.startswith("No feature maps to show: FC3 has no feature maps")
    window.untrained_feed.update_now()                         # the design's initial weights in the views
    conv = design.shape_model.index(design.shape_model.row_for_layer(0), 0)
    design._jump_to_row(conv)                                  # CONV1 has maps: the Inside tab shows them
    assert window.tabs.currentWidget().isAncestorOf(window.inside_tab.feature_maps)
    assert view is design.table_view


def test_double_clicking_a_conv_row_says_why_when_the_dataset_does_not_fit(window):
    first_start(window)
    window.train_tab.datasets.set_dataset("digits")            # 8×8×1 images for LeNet-5's 32×32×3 input
    window.untrained_feed.update_now()
    design = window.design_tab
    design._jump_to_row(design.shape_model.index(design.shape_model.row_for_layer(0), 0))
    assert window.tabs.currentWidget() is design
    message = window.statusBar().currentMessage()
    assert message.startswith("No feature maps to show: The dataset doesn't fit this network.")
    assert "8×8×1 images but the design's input is 32×32×3" in message and "Use Shapes" in message
