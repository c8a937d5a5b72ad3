"""The inside views: filter playground, learned filters, feature maps, predictions (pytest-qt, offscreen)."""
from __future__ import annotations

import html
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QColor, QImage

from engine import Adam, Network, NetworkSpec, Trainer, load_dataset, load_spec, summarize
from engine.functional import conv2d
from engine.inspection import to_grey
from engine.train import dataset_fit_problem, dataset_shape_problem
from designer.inside import (FeatureMapsView, FilterPlayground, InsideTab, LearnedFiltersView,
                             PredictionsView)
from designer.inside import common
from designer.inside.playground import COURSE_6X6

PRESETS = Path(__file__).resolve().parents[2] / "resources" / "presets"

COURSE_OUTPUT = np.array([[-5, -4, 0, 8],
                          [-10, -2, 2, 3],
                          [0, -2, -4, -7],
                          [-3, -2, -3, -16]])


# ----- fixtures -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def digits():
    return load_dataset("digits")


@pytest.fixture(scope="module")
def shapes():
    return load_dataset("shapes")


@pytest.fixture(scope="module")
def trained_digits_net(digits):
    net = Network.from_spec(load_spec(PRESETS / "digits_net.json"), seed=0)
    Trainer(net, Adam(lr=3e-3), batch_size=32, seed=0).fit(digits, epochs=2)
    return net


@pytest.fixture(scope="module")
def lenet():
    return Network.from_spec(load_spec(PRESETS / "lenet5.json"), seed=0)


def dense_only_net():
    spec = NetworkSpec.from_dict({"format": "cnn-designer/1", "input": {"shape": [8, 8, 1]},
                                  "layers": [{"type": "dense", "units": 10, "activation": "softmax"}]})
    return Network.from_spec(spec, seed=0)


@pytest.fixture
def playground(qtbot):
    w = FilterPlayground()
    qtbot.addWidget(w)
    return w


def shown(qtbot, widget):
    widget.resize(1100, 700)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


# ----- playground: the course's worked examples ------------------------------------------------------

def test_course_6x6_with_the_vertical_filter_gives_the_course_matrix(playground):
    playground.set_image_preset("course_6x6")
    playground.set_filter_preset("vertical")
    playground.set_stride(1)
    playground.set_padding("valid")
    out = playground.output()
    assert out.shape == (4, 4)
    np.testing.assert_array_equal(out, COURSE_OUTPUT)
    assert playground.formula_text() == "⌊(6 + 2·0 − 3)/1⌋ + 1 = 4"
    assert "⌊(6 + 2·0 − 3)/1⌋ + 1 = 4" in playground.picture.formula_item.text


def test_course_example_cells_show_the_numbers(playground):
    playground.set_image_preset("course_6x6")
    playground.set_filter_preset("vertical")
    assert playground.cell_texts("input") == [[str(int(v)) for v in row] for row in COURSE_6X6]
    assert playground.cell_texts("filter") == [["1", "0", "−1"]] * 3
    assert playground.cell_texts("output") == [[str(v).replace("-", "−") for v in row] for row in COURSE_OUTPUT]
    # What is drawn is what cell_texts reports: one text item per cell, in row order.
    drawn = [item.text() for item in playground.picture.text_items["input"]]
    assert drawn == [t for row in playground.cell_texts("input") for t in row]
    assert len(playground.picture.text_items["output"]) == 16


def test_vertical_edge_gives_30_in_the_middle_and_mirrored_gives_minus_30(playground):
    playground.set_filter_preset("vertical")
    playground.set_image_preset("vertical_edge")
    out = playground.output()
    np.testing.assert_array_equal(out, [[0, 30, 30, 0]] * 4)
    playground.set_image_preset("vertical_edge_mirrored")
    np.testing.assert_array_equal(playground.output(), [[0, -30, -30, 0]] * 4)
    assert playground.cell_texts("output")[0] == ["0", "−30", "−30", "0"]


def test_horizontal_filter_finds_the_horizontal_edge(playground):
    playground.set_image_preset("horizontal_edge")
    playground.set_filter_preset("horizontal")
    np.testing.assert_array_equal(playground.output(), [[0] * 4, [30] * 4, [30] * 4, [0] * 4])
    playground.set_filter_preset("vertical")                 # the vertical filter sees nothing there
    np.testing.assert_array_equal(playground.output(), np.zeros((4, 4)))


def test_sobel_and_scharr_are_the_course_values(playground):
    playground.set_filter_preset("sobel")
    np.testing.assert_array_equal(playground.filter_array(), [[1, 0, -1], [2, 0, -2], [1, 0, -1]])
    playground.set_filter_preset("scharr")
    np.testing.assert_array_equal(playground.filter_array(), [[3, 0, -3], [10, 0, -10], [3, 0, -3]])


def test_padding_and_stride_follow_the_formula_and_the_engine(playground):
    playground.set_image_preset("course_6x6")
    playground.set_filter_preset("sobel")
    playground.set_padding("same")
    assert playground.formula_text() == "⌊(6 + 2·1 − 3)/1⌋ + 1 = 6"
    assert playground.output().shape == (6, 6)
    # The padded input is shown with its zeros: 8×8 cells.
    assert len(playground.cell_texts("input")) == 8 and playground.cell_texts("input")[0] == ["0"] * 8
    playground.set_padding(2)
    playground.set_stride(2)
    assert playground.formula_text() == "⌊(6 + 2·2 − 3)/2⌋ + 1 = 4"
    W = np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]], float)[:, :, None, None]
    expected = conv2d(COURSE_6X6[None, :, :, None], W, np.zeros(1), stride=2, pad=2)[0, :, :, 0]
    np.testing.assert_array_equal(playground.output(), expected)


def test_impossible_settings_are_messages_not_crashes(playground):
    playground.set_custom_filter(np.ones((4, 4)))
    playground.set_padding("same")
    assert playground.output() is None
    assert "odd" in playground.error_text()
    playground.set_padding("valid")
    playground.set_custom_filter(np.ones((7, 7)))
    assert playground.output() is None
    assert "larger" in playground.error_text()
    assert playground.formula_text() == "⌊(6 + 2·0 − 7)/1⌋ + 1 = 0"
    playground.set_padding(1)
    assert playground.output().shape == (2, 2) and playground.error_text() == ""


def test_custom_filter_and_the_editable_table(playground, model_tester):
    model_tester(playground.filter_model)
    playground.set_image_preset("course_6x6")
    playground.set_custom_filter([[1.0]])
    np.testing.assert_array_equal(playground.output(), COURSE_6X6)
    assert playground.filter_combo.currentData() == "custom"
    # Choosing a preset fills the table; editing a number switches to Custom and recomputes.
    playground.set_filter_preset("vertical")
    model = playground.filter_model
    assert model.setData(model.index(0, 0), "−2")
    assert playground.filter_combo.currentData() == "custom"
    assert playground.output()[0, 0] == -5 - 3 * 3       # the top-left 3 is now weighed −2 instead of 1
    assert not model.setData(model.index(0, 0), "abc")
    with pytest.raises(ValueError):
        playground.set_custom_filter(np.ones((8, 8)))
    # Changing f keeps the overlapping numbers and pads with zeros.
    playground.size_spin.setValue(4)
    assert playground.filter_array().shape == (4, 4)
    assert playground.filter_array()[0, 0] == -2 and playground.filter_array()[3, 3] == 0


def test_the_window_behind_an_output_cell(playground):
    playground.set_image_preset("course_6x6")
    playground.set_filter_preset("vertical")
    text = playground.explain_output_cell(0, 0)
    assert text.startswith("output[0,0] = 3·1 + 0·0 + 1·(−1)") and text.endswith("= −5")
    assert playground.explain_output_cell(3, 3).endswith("= −16")
    assert playground.explain_output_cell(9, 9) == ""


def test_dataset_images_grey_and_colour(playground, digits, shapes):
    playground.set_dataset_image("digits", 5)
    x = digits.x_test[5, :, :, 0].astype(float)
    np.testing.assert_array_equal(playground.input_image(), x)
    assert len(playground.cell_texts("input")) == 8                  # 8×8: numbers shown
    playground.set_filter_preset("vertical")
    W = np.array([[1, 0, -1]] * 3, float)[:, :, None, None]
    np.testing.assert_allclose(playground.output(), conv2d(x[None, :, :, None], W, np.zeros(1))[0, :, :, 0])

    playground.set_dataset_image("shapes", 2)
    playground.set_keep_color(True)
    rgb = shapes.x_test[2].astype(float)
    assert playground.input_image().shape == (32, 32, 3)
    assert playground.cell_texts("input") == []                     # too big (and colour) for numbers
    W3 = np.repeat(W, 3, axis=2)                                     # the filter repeated over the channels
    expected = conv2d(rgb[None], W3, np.zeros(1))[0, :, :, 0]
    np.testing.assert_allclose(playground.output(), expected, rtol=1e-6, atol=1e-9)
    per_channel = sum(conv2d(rgb[None, :, :, c:c + 1], W, np.zeros(1))[0, :, :, 0] for c in range(3))
    np.testing.assert_allclose(playground.output(), per_channel, rtol=1e-6, atol=1e-9)
    assert "repeated" in playground.picture.formula_item.text or "each channel" in playground.picture.formula_item.text
    playground.set_keep_color(False)
    np.testing.assert_allclose(playground.input_image(), to_grey(rgb))


def test_open_an_image_file_scaled_down(playground, tmp_path):
    image = QImage(300, 200, QImage.Format.Format_RGB888)
    image.fill(QColor(255, 0, 0))
    path = tmp_path / "red.png"
    assert image.save(str(path))
    playground.load_image_file(path)
    playground.set_keep_color(True)
    x = playground.input_image()
    assert x.shape == (85, 128, 3)
    np.testing.assert_allclose(x[..., 0], 1.0)
    np.testing.assert_allclose(x[..., 1:], 0.0)
    playground.set_keep_color(False)
    np.testing.assert_allclose(playground.input_image(), 0.299)
    assert "scaled down to 128×85" in playground.image_info.text()
    assert "n_H: ⌊(85 + 2·0 − 3)/1⌋ + 1 = 83" in playground.formula_text()
    bad = tmp_path / "not-an-image.png"
    bad.write_text("hello")
    with pytest.raises(ValueError, match="not a picture"):
        playground.load_image_file(bad)


def test_playground_says_it_computes_cross_correlation(playground):
    assert "cross-correlation" in playground.note_label.toolTip()
    assert "no filter flip" in playground.note_label.toolTip()


# ----- learned filters ------------------------------------------------------------------------------

def test_learned_filters_placeholders(qtbot):
    w = LearnedFiltersView()
    qtbot.addWidget(w)
    assert "No network" in w.placeholder_text()
    w.set_network(dense_only_net())
    assert "no convolution layer" in w.placeholder_text()
    assert w.tile_count() == 0


def test_learned_filters_of_the_digits_net(qtbot, trained_digits_net):
    w = LearnedFiltersView()
    qtbot.addWidget(w)
    w.set_network(trained_digits_net)
    assert w.layer_names() == ["CONV1", "CONV2"]
    assert w.current_layer() == "CONV1" and w.tile_count() == 16           # 16 filters of 3×3×1
    with qtbot.waitSignal(w.layerChanged):
        assert w.select_layer("CONV2")
    assert w.channel() == 0 and w.tile_count() == 32                        # 16×32 slices: one channel
    w.set_channel(None)
    assert w.tile_count() == 16 * 32
    assert w.grid.grid_shape() == (16, 32)                                  # rows = inputs, columns = filters
    assert not w.select_layer("FC3")


def test_learned_filters_rgb_first_layer(qtbot, lenet):
    w = LearnedFiltersView()
    qtbot.addWidget(w)
    w.set_network(lenet)
    assert w.current_layer() == "CONV1" and w.channel() is None             # RGB colour
    assert w.tile_count() == 8
    assert "colour" in w.info.text()
    w.select_layer("CONV2")
    assert w.tile_count() == 8 * 16                                         # the whole in × out grid


def test_learned_filters_redraw_at_most_once_a_second(qtbot, trained_digits_net, monkeypatch):
    monkeypatch.setattr(LearnedFiltersView, "MIN_INTERVAL_MS", 300)
    w = shown(qtbot, LearnedFiltersView())
    calls = []
    original = w._refresh
    monkeypatch.setattr(w, "_refresh", lambda: (calls.append(1), original()))
    w.set_network(trained_digits_net)          # a new design: at once
    assert len(calls) == 1
    for _ in range(5):                         # epochs of the same design: coalesced
        w.set_network(trained_digits_net.copy())
    assert len(calls) == 1
    qtbot.waitUntil(lambda: len(calls) == 2, timeout=2000)
    qtbot.wait(400)
    assert len(calls) == 2


def test_hidden_views_catch_up_when_asked(qtbot, trained_digits_net, digits):
    w = FeatureMapsView()
    qtbot.addWidget(w)                         # never shown: nothing computed until a query
    calls = []
    original = w._refresh
    w._refresh = lambda: (calls.append(1), original())
    w.set_dataset(digits)
    w.set_network(trained_digits_net)
    assert calls == []
    assert w.feature_map_shapes()["CONV1"] == (8, 8, 16)
    assert len(calls) == 1


# ----- feature maps ---------------------------------------------------------------------------------

def test_feature_map_shapes_equal_the_course_table_for_lenet5(qtbot, lenet, shapes):
    w = FeatureMapsView()
    qtbot.addWidget(w)
    w.set_network(lenet)
    w.set_dataset(shapes)
    got = w.feature_map_shapes()
    table = {row.name: tuple(row.output_shape) for row in summarize(lenet.spec).rows if row.kind in ("conv", "pool")}
    assert got == table
    assert got == {"CONV1": (28, 28, 8), "POOL1": (14, 14, 8), "CONV2": (10, 10, 16), "POOL2": (5, 5, 16)}


def test_feature_maps_select_layer_and_image(qtbot, trained_digits_net, digits):
    w = shown(qtbot, FeatureMapsView())
    w.set_dataset(digits)
    w.set_network(trained_digits_net)
    assert w.layer_names() == ["Input", "CONV1", "POOL1", "CONV2", "POOL2"]
    assert w.current_layer() == "CONV1" and w.tile_count() == 16
    with qtbot.waitSignal(w.layerChanged) as blocker:
        assert w.select_layer("POOL2")
    assert blocker.args == ["POOL2"]
    assert w.tile_count() == 32
    assert not w.select_layer("FC3") and w.current_layer() == "POOL2"
    w.set_image_index(7)
    assert w.image_index() == 7
    assert f"true: <b>{digits.class_names[int(digits.y_test[7])]}</b>" in w.image_caption.text
    assert w.current_layer() == "POOL2"                   # a new image keeps the layer


def test_feature_maps_placeholders(qtbot, lenet, digits):
    w = FeatureMapsView()
    qtbot.addWidget(w)
    assert "No network" in w.placeholder_text()
    w.set_network(lenet)
    assert "No dataset" in w.placeholder_text()
    w.set_dataset(digits)
    assert "8×8×1" in w.placeholder_text() and "32×32×3" in w.placeholder_text()
    assert w.feature_map_shapes() == {}
    w.set_network(dense_only_net())
    assert "no convolution or pooling" in w.placeholder_text()


# ----- predictions ----------------------------------------------------------------------------------

def test_confusion_matrix_adds_up_and_matches_evaluate(qtbot, trained_digits_net, digits):
    w = PredictionsView()
    qtbot.addWidget(w)
    w.set_dataset(digits)
    w.set_network(trained_digits_net)
    cm = w.confusion_matrix()
    assert cm.shape == (10, 10) and np.issubdtype(cm.dtype, np.integer)
    assert cm.sum() == len(digits.y_test)
    _, accuracy = trained_digits_net.evaluate(digits.x_test, digits.y_test)
    assert np.trace(cm) / cm.sum() == pytest.approx(accuracy)
    assert w.accuracy() == pytest.approx(accuracy)
    assert f"{accuracy:.1%}" in w.summary.text()
    assert w.matrix.cell_texts()[3][3] == str(cm[3, 3])


def test_predictions_grid_shows_mistakes_first_and_filters_by_cell(qtbot, trained_digits_net, digits):
    w = shown(qtbot, PredictionsView())
    w.set_dataset(digits)
    w.set_network(trained_digits_net)
    pred = trained_digits_net.predict(digits.x_test)
    wrong = int(np.sum(pred != digits.y_test))
    assert 0 < wrong < 48
    shown_idx = w.shown_indices()
    assert len(shown_idx) == 48 and w.grid.tile_count() == 48
    assert np.all(pred[shown_idx[:wrong]] != digits.y_test[shown_idx[:wrong]])
    assert np.all(pred[shown_idx[wrong:]] == digits.y_test[shown_idx[wrong:]])
    first = int(shown_idx[0])
    assert w.grid.captions()[0].endswith(f"true: {digits.class_names[int(digits.y_test[first])]}")
    # A confusion-matrix cell: exactly its examples.
    cm = w.confusion_matrix()
    t, p = np.unravel_index(np.argmax(cm - np.diag(np.diag(cm))), cm.shape)
    w.select_cell((t, p))
    idx = w.shown_indices()
    assert len(idx) == cm[t, p]
    assert np.all(digits.y_test[idx] == t) and np.all(pred[idx] == p)
    w.select_cell(None)
    assert len(w.shown_indices()) == 48
    with qtbot.waitSignal(w.testImageClicked) as blocker:
        w._tile_clicked(0)
    assert blocker.args == [first]


def test_predictions_placeholder_when_classes_do_not_fit(qtbot, lenet, shapes, digits):
    w = PredictionsView()
    qtbot.addWidget(w)
    assert "No network" in w.placeholder_text()
    w.set_network(lenet)
    w.set_dataset(shapes)                        # 4 classes, LeNet-5 predicts 10
    assert "4 classes" in w.placeholder_text() and "10" in w.placeholder_text()
    assert w.confusion_matrix().size == 0 and np.isnan(w.accuracy())


# ----- rendering and export -------------------------------------------------------------------------

def make_views(qtbot, trained_digits_net, digits):
    playground = FilterPlayground()
    filters = LearnedFiltersView()
    maps = FeatureMapsView()
    preds = PredictionsView()
    for view in (filters, maps, preds):
        view.set_dataset(digits)
        view.set_network(trained_digits_net)
    for view in (playground, filters, maps, preds):
        qtbot.addWidget(view)
        shown(qtbot, view)
    return {"filterPlayground": playground, "learnedFilters": filters, "featureMaps": maps, "predictions": preds}


def test_every_view_renders_and_exports_png(qtbot, trained_digits_net, digits, tmp_path):
    views = make_views(qtbot, trained_digits_net, digits)
    folder = tmp_path / "png"
    folder.mkdir()
    for name, view in views.items():
        assert view.objectName() == name
        picture = view.grab()
        assert not picture.isNull() and picture.width() > 0 and picture.height() > 0
        path = folder / f"{name}.png"
        size = view.export_png(path)
        loaded = QImage(str(path))
        assert not loaded.isNull(), name
        assert (loaded.width(), loaded.height()) == size and loaded.width() > 0 and loaded.height() > 0
        assert path.stat().st_size > 1000
    # Atomic writes leave no temporary files behind.
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{n}.png" for n in views)


def test_export_overwrites_and_keeps_the_old_file_on_failure(qtbot, trained_digits_net, tmp_path, monkeypatch):
    w = shown(qtbot, LearnedFiltersView())
    w.set_network(trained_digits_net)
    path = tmp_path / "filters.png"
    path.write_bytes(b"old")
    leftovers = set(tmp_path.iterdir())
    w.export_png(path)
    assert QImage(str(path)).width() > 0
    before = path.read_bytes()

    def broken_encode(image):
        raise OSError("disk full")

    monkeypatch.setattr("designer.image_export.png_bytes", broken_encode)
    with pytest.raises(OSError):
        w.export_png(path)
    assert path.read_bytes() == before
    assert set(tmp_path.iterdir()) == leftovers

def test_export_button_exists_in_every_view(qtbot):
    for cls in (FilterPlayground, LearnedFiltersView, FeatureMapsView, PredictionsView):
        w = cls()
        qtbot.addWidget(w)
        button = w.findChild(type(w.export_button), "exportPngButton")
        assert button is not None and button.text() == "Export PNG…"


def test_placeholders_render(qtbot):
    for cls in (LearnedFiltersView, FeatureMapsView, PredictionsView):
        w = shown(qtbot, cls())
        qtbot.addWidget(w)
        assert not w.grab().isNull()
        assert w.stack.showing_message


def test_colour_maps_are_symmetric_about_zero():
    # White in the middle of the diverging map, and equal-sized steps either side.
    mid = common.colorize(np.array([0.5]), "diverging")[0]
    assert min(mid[:3]) > 220
    lo, hi = common.colorize(np.array([0.0, 1.0]), "diverging")
    assert lo[2] > lo[0] and hi[0] > hi[2]                 # blue for negative, red for positive


def test_inside_tabs_forward_and_link(qtbot, trained_digits_net, digits):
    tabs = InsideTab()
    qtbot.addWidget(tabs)
    tabs.set_dataset(digits)
    tabs.set_network(trained_digits_net)
    assert tabs.select_layer("POOL1")
    assert tabs.feature_maps.current_layer() == "POOL1"
    tabs.show_test_image(3)
    assert tabs.currentWidget() is tabs.feature_maps and tabs.feature_maps.image_index() == 3
    tabs.setCurrentWidget(tabs.playground)
    assert not tabs.show_feature_maps("Softmax") and tabs.currentWidget() is tabs.playground   # no maps to show
    assert tabs.show_feature_maps("CONV1")
    assert tabs.currentWidget() is tabs.feature_maps and tabs.feature_maps.current_layer() == "CONV1"
    assert tabs.predictions.confusion_matrix().sum() == len(digits.y_test)


def test_views_show_the_engine_fit_message(qtbot, lenet, shapes, digits):
    predictions, feature_maps = PredictionsView(), FeatureMapsView()
    qtbot.addWidget(predictions)
    qtbot.addWidget(feature_maps)
    for view in (predictions, feature_maps):
        view.set_network(lenet)
    predictions.set_dataset(shapes)              # the shape fits, the classes don't
    assert html.escape(dataset_fit_problem(lenet, shapes)) in predictions.placeholder_text()
    for view in (predictions, feature_maps):
        view.set_dataset(digits)                 # 8×8×1 images for a 32×32×3 input
        assert html.escape(dataset_shape_problem(lenet, digits)) in view.placeholder_text()
