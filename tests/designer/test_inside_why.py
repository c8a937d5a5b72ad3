"""Inside › Why (designer/inside/why_view.py): one test image's prediction with its probabilities, its saliency
and Grad-CAM maps over the image (the engine's numbers, the engine's colours), for the predicted class or any
class, a Grad-CAM layer picked from the layers with a volume output, the blend slider, the untrained network
marked, a confusion-matrix cell's images one after another, Export PNG (pytest-qt, offscreen)."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton, QSpinBox

from engine import Adam, Network, NetworkSpec, Trainer, load_dataset, load_spec
from engine.export.explanation_png import explanation_picture
from engine.heatmaps import heat_colours, heat_overlay, resize_nearest, display_image, scale_map
from engine.inspection import confusion_matrix, grad_cam, grad_cam_layers, misclassified_first, saliency
from designer.inside.why_view import PANEL_PX, WhyView

PRESETS = Path(__file__).resolve().parents[2] / "resources" / "presets"


@pytest.fixture(scope="module")
def digits():
    return load_dataset("digits")


@pytest.fixture(scope="module")
def trained(digits):
    net = Network.from_spec(load_spec(PRESETS / "digits_net.json"), seed=0)
    Trainer(net, Adam(lr=3e-3), batch_size=32, seed=0).fit(digits, epochs=3)
    return net


@pytest.fixture
def view(qtbot):
    widget = WhyView()
    qtbot.addWidget(widget)
    widget.resize(1100, 560)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_the_view_shows_the_engines_prediction_and_maps(view, trained, digits):
    view.set_network(trained)
    view.set_dataset(digits)
    view.set_image_index(5)
    x = digits.x_test[5:6]
    assert view.predicted_class() == view.explained_class() == int(trained.predict(x)[0])
    np.testing.assert_allclose(view.probabilities(), trained.predict_proba(x)[0], rtol=1e-6)
    assert view.layer_names() == grad_cam_layers(trained) == ["CONV1", "POOL1", "CONV2", "POOL2"]
    assert view.current_layer() == "POOL2"                        # the last volume
    np.testing.assert_allclose(view.saliency_map(), saliency(trained, x)[0], rtol=1e-6)
    np.testing.assert_allclose(view.grad_cam_map(), grad_cam(trained, x, "POOL2")[0], rtol=1e-6)
    text = view.prediction.text()
    assert f"<b>{view.predicted_class()}</b>" in text and f"true {int(digits.y_test[5])}" in text
    assert not view.untrained_banner.isVisible()
    # what is drawn: the image enlarged in blocks, the maps over it at the slider's blend (50%)
    scale = math.ceil(PANEL_PX / 8)
    pictures = view.pictures()
    np.testing.assert_allclose(pictures["image"], resize_nearest(display_image(x[0]), (8 * scale, 8 * scale)))
    np.testing.assert_allclose(pictures["grad_cam"], heat_overlay(x[0], view.grad_cam_map(), 0.5, scale, smooth=True))
    assert view.pictures_widget.items["grad_cam"].image.shape == (8 * scale, 8 * scale, 3)


def test_any_class_and_any_volume_layer(view, trained, digits):
    view.set_network(trained)
    view.set_dataset(digits)
    view.set_image_index(9)
    x = digits.x_test[9:10]
    view.class_combo.setCurrentIndex(view.class_combo.findData(4))          # the user picks class 4
    assert view.explained_class() == 4
    np.testing.assert_allclose(view.saliency_map(), saliency(trained, x, 4)[0], rtol=1e-6)
    view.layer_combo.setCurrentIndex(view.layer_combo.findData("CONV2"))
    assert view.current_layer() == "CONV2"
    np.testing.assert_allclose(view.grad_cam_map(), grad_cam(trained, x, "CONV2", 4)[0], rtol=1e-6, atol=1e-9)
    assert view.grad_cam_map().shape == (4, 4)
    assert "Grad-CAM of CONV2 for 4" in view.pictures_widget.titles["grad_cam"].text
    assert not view.select_layer("FC3") and view.current_layer() == "CONV2"      # a vector: not offered
    view.bars._on_pick(7)                                                     # a click on the bar of 7
    assert view.explained_class() == 7
    view.set_class(None)
    assert view.explained_class() == view.predicted_class()
    with pytest.raises(ValueError, match="class 10 is not one of this network's classes"):
        view.set_class(10)
    view.set_image_index(10)                                                 # choices stay for the next image
    assert view.current_layer() == "CONV2"


def test_the_blend_slider(view, trained, digits):
    view.set_network(trained)
    view.set_dataset(digits)
    view.set_image_index(2)
    image, scale = digits.x_test[2], math.ceil(PANEL_PX / 8)
    view.set_blend(0)
    np.testing.assert_allclose(view.pictures()["saliency"], view.pictures()["image"])
    view.set_blend(1)
    colours = heat_colours(resize_nearest(scale_map(view.saliency_map()), (8 * scale, 8 * scale)))
    np.testing.assert_allclose(view.pictures()["saliency"], colours)
    view.blend_slider.setValue(30)
    assert view.blend() == 0.3 and view.blend_label.text() == "30%"
    np.testing.assert_allclose(view.pictures()["grad_cam"], heat_overlay(image, view.grad_cam_map(), 0.3, scale))


def test_the_untrained_network_is_marked(view, digits):
    net = Network.from_spec(load_spec(PRESETS / "digits_net.json"), seed=0)
    view.set_network(net, untrained=True)
    view.set_dataset(digits)
    assert view.untrained_banner.isVisible() and "untrained" in view.untrained_banner.text()
    assert "(untrained weights)" in view.prediction.text()
    np.testing.assert_allclose(view.saliency_map(), saliency(net, digits.x_test[:1])[0], rtol=1e-6)


def test_a_confusion_matrix_cell_steps_through_its_images(view, trained, digits):
    view.set_network(trained)
    view.set_dataset(digits)
    proba = trained.predict_proba(digits.x_test)
    predicted = proba.argmax(axis=1)
    cm = confusion_matrix(digits.y_test, predicted, 10)
    np.fill_diagonal(cm, 0)
    t, p = np.unravel_index(int(np.argmax(cm)), cm.shape)      # the most common mistake
    assert cm[t, p] >= 2
    order = misclassified_first(digits.y_test, predicted, proba[np.arange(len(predicted)), predicted])
    expected = order[(digits.y_test[order] == t) & (predicted[order] == p)]
    view.set_cell((t, p))
    np.testing.assert_array_equal(view.shown_indices(), expected)
    assert view.image_index() == expected[0] and view.predicted_class() == p
    assert view.cell_label.text() == f"Confusion-matrix cell: true {t}, predicted {p} — {len(expected)} images"
    assert view.all_button.isVisible()
    view.next_button.click()
    assert view.image_index() == expected[1]
    view.previous_button.click()
    view.previous_button.click()
    assert view.image_index() == expected[-1]                 # wraps round
    view.all_button.click()
    assert view.cell() is None and len(view.shown_indices()) == len(digits.y_test)
    assert not view.all_button.isVisible()


def test_placeholders(view, trained, digits):
    assert "No network yet" in view.placeholder_text()
    view.set_network(trained)
    assert "No dataset" in view.placeholder_text()
    view.set_dataset(load_dataset("shapes"))
    assert "doesn't fit this network" in view.placeholder_text()
    dense = NetworkSpec.from_dict({"format": "cnn-designer/1", "input": {"shape": [8, 8, 1]},
                                   "layers": [{"type": "dense", "units": 10, "activation": "softmax"}]})
    view.set_network(Network.from_spec(dense))
    view.set_dataset(digits)
    assert view.placeholder_text() == ""
    assert view.grad_cam_map() is None and view.layer_names() == [] and not view.layer_combo.isEnabled()
    assert "no layer with an n_H × n_W × n_C output" in view.pictures_widget.titles["grad_cam"].text
    assert view.saliency_map().shape == (8, 8)


def test_export_png_is_the_command_lines_picture(view, trained, digits, tmp_path):
    view.set_network(trained)
    view.set_dataset(digits)
    view.set_image_index(4)
    view.set_blend(0.7)
    path = tmp_path / "why.png"
    width, height = view.export_png(path)
    with Image.open(path) as image:
        written = np.asarray(image.convert("RGB"))
    p = view.probabilities()
    k = view.predicted_class()
    title = [f"digits test image 4: label {int(digits.y_test[4])}, predicted {k} ({100 * p[k]:.1f}%)",
             f"explaining class {k} ({100 * p[k]:.1f}%)"]
    expected = explanation_picture(digits.x_test[4], view.saliency_map(), view.grad_cam_map(), title,
                                   cam_label="Grad-CAM of POOL2", blend=0.7)
    assert written.shape == (height, width, 3)
    np.testing.assert_array_equal(written, expected)


def test_the_view_leaves_the_network_alone(view, trained, digits):
    before = {key: value.copy() for key, value in trained.params.items()}
    view.set_network(trained)
    view.set_dataset(digits)
    for i in range(3):
        view.set_image_index(i)
    for key, value in trained.params.items():
        np.testing.assert_array_equal(value, before[key])


# ----- in the Inside tab and the window ---------------------------------------------------------------------

def test_the_inside_tab_links_the_predictions_to_why(qtbot, trained, digits):
    from designer.inside import InsideTab
    inside = InsideTab()
    qtbot.addWidget(inside)
    inside.resize(1100, 600)
    inside.show()
    assert [inside.tabText(i) for i in range(inside.count())][-2:] == ["Predictions", "Why"]
    inside.set_network(trained)
    inside.set_dataset(digits)
    inside.setCurrentWidget(inside.predictions)
    # "Why?" without a cell: the first image the predictions show (the most confident mistake)
    qtbot.mouseClick(inside.predictions.why_button, Qt.MouseButton.LeftButton)
    assert inside.currentWidget() is inside.why and inside.why.cell() is None
    assert inside.why.image_index() == inside.predictions.shown_indices()[0]
    # a cell of the confusion matrix, then "Why?": its images one after another
    cm = inside.predictions.confusion_matrix()
    np.fill_diagonal(cm, 0)
    t, p = (int(v) for v in np.unravel_index(int(np.argmax(cm)), cm.shape))
    inside.setCurrentWidget(inside.predictions)
    inside.predictions.select_cell((t, p))
    qtbot.mouseClick(inside.predictions.why_button, Qt.MouseButton.LeftButton)
    assert inside.currentWidget() is inside.why and inside.why.cell() == (t, p)
    np.testing.assert_array_equal(inside.why.shown_indices(), inside.predictions.shown_indices())
    assert inside.why.image_index() == inside.predictions.shown_indices()[0]
    assert inside.why.predicted_class() == p and int(digits.y_test[inside.why.image_index()]) == t
    # a layer followed from the Design table is the Grad-CAM layer too
    inside.select_layer("CONV1")
    assert inside.why.current_layer() == "CONV1"


def test_the_window_explains_before_and_after_training(qtbot, window):
    window.files.load_preset("digits_net")
    window.train_tab.datasets.set_dataset("digits")
    window.untrained_feed.update_now()
    why = window.inside_tab.why
    window.show_tab(window.inside_tab)
    window.inside_tab.setCurrentWidget(why)
    assert why.untrained and why.placeholder_text() == "" and why.saliency_map().shape == (8, 8)
    assert "(untrained weights)" in why.prediction.text()
    window.findChild(QSpinBox, "epochsSpin").setValue(3)
    updates = []
    window.train_tab.network_updated.connect(updates.append)
    with qtbot.waitSignal(window.train_tab.training_finished, timeout=60_000):
        qtbot.mouseClick(window.findChild(QPushButton, "trainButton"), Qt.MouseButton.LeftButton)
    why.refresh()
    assert not why.untrained and not why.untrained_banner.isVisible()
    x = window.train_tab.datasets.dataset.x_test[why.image_index():why.image_index() + 1]
    np.testing.assert_allclose(why.probabilities(), updates[-1].predict_proba(x)[0], rtol=1e-5)
    np.testing.assert_allclose(why.grad_cam_map(), grad_cam(updates[-1], x)[0], rtol=1e-5, atol=1e-8)
