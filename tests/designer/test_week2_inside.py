"""Week-2 networks inside the window: the learned-filters view shows a depthwise layer as one f×f filter per
channel (inner layers of blocks included), the feature maps include every inner layer with the table's shapes,
and the window's Train tab trains the small ResNet and the small MobileNet (batch norm, blocks, depthwise) for
a few batches on its worker thread."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from designer.inside import FeatureMapsView, LearnedFiltersView
from engine import Network, load_spec
from engine.data import Dataset
from engine.data.npz import save_dataset_npz
from engine.inspection import depthwise_filter_tiles, normalize_tiles
from engine.resources import preset_path

from training_panels import make_panel

FINISH_TIMEOUT = 60_000


def small_dataset(shape, classes: int, m_train: int = 48, m_test: int = 8, seed: int = 0) -> Dataset:
    rng = np.random.default_rng(seed)
    return Dataset("tiny", rng.integers(0, 256, (m_train, *shape), dtype=np.uint8),
                   np.arange(m_train, dtype=np.int64) % classes,
                   rng.integers(0, 256, (m_test, *shape), dtype=np.uint8), np.arange(m_test, dtype=np.int64) % classes,
                   [f"class {k}" for k in range(classes)])


@pytest.fixture(scope="module")
def mobilenet():
    return Network.from_spec(load_spec(preset_path("mobilenet_small")), seed=0)


def test_depthwise_filters_are_one_per_channel_inner_layers_included(qtbot, mobilenet):
    view = LearnedFiltersView()
    qtbot.addWidget(view)
    view.set_network(mobilenet)
    walked = {entry.name: entry for entry in mobilenet.spec.walk()}
    depthwise = [name for name in view.layer_names() if walked[name].layer.type == "depthwise"]
    inner = [name for name in depthwise if walked[name].depth > 0]
    assert depthwise and inner                        # a depthwise layer inside a residual block is listed
    name = inner[0]
    W = mobilenet.params[f"{name}.W"]
    f, _, n_C, multiplier = W.shape
    drawn = []
    original = view.grid.set_tiles
    view.grid.set_tiles = lambda tiles, *args, **kwargs: (drawn.append(np.asarray(tiles)),
                                                          original(tiles, *args, **kwargs))
    assert view.select_layer(name)
    assert view.tile_count() == n_C * multiplier      # not n_C_prev × n_C slices
    assert view.grid.captions()[:2] == ["ch 0", "ch 1"]
    assert not view.channel_spin.isEnabled()
    assert f"one {f}×{f} filter per input channel" in view.info.text()
    # The tiles are the layer's own filters, channel c's filter as tile c.
    expected = normalize_tiles(depthwise_filter_tiles(W), "symmetric", per_tile=True)
    assert np.allclose(drawn[-1], expected)
    # A conv layer still shows its in × out grid, and its channel choice comes back.
    conv = next(n for n in view.layer_names() if walked[n].layer.type == "conv" and walked[n].depth > 0)
    view.select_layer(conv)
    assert view.channel_spin.isEnabled()


def test_feature_maps_of_inner_layers_have_the_tables_shapes(qtbot, mobilenet):
    dataset = small_dataset((28, 28, 1), 10)
    view = FeatureMapsView()
    qtbot.addWidget(view)
    view.set_dataset(dataset)
    view.set_network(mobilenet)
    shapes = view.feature_map_shapes()
    rows = {row.name: row for row in mobilenet.summary.rows[1:]}
    inner = [name for name in shapes if rows[name].depth > 0]
    assert len(inner) >= 6
    for name, shape in shapes.items():
        assert shape == rows[name].output_shape, name
    assert view.select_layer(inner[0]) and view.current_layer() == inner[0]
    assert view.tile_count() == rows[inner[0]].output_shape[2]


@pytest.mark.parametrize("preset, shape, classes", [("resnet_small", (32, 32, 3), 4),
                                                    ("mobilenet_small", (28, 28, 1), 10)])
def test_the_train_tab_trains_week2_networks_for_a_few_batches(qtbot, tmp_path, preset, shape, classes):
    path = tmp_path / f"{preset}.npz"
    save_dataset_npz(small_dataset(shape, classes), path)
    document, panel = make_panel(qtbot, preset)
    assert panel.datasets.set_dataset(path)
    qtbot.waitUntil(lambda: not panel.datasets.is_loading and panel.datasets.dataset is not None, timeout=20_000)
    panel.hyper_box.epochs_spin.setValue(1)
    panel.hyper_box.batch_spin.setValue(16)
    updates = []
    panel.network_updated.connect(updates.append)
    with qtbot.waitSignal(panel.training_finished, timeout=FINISH_TIMEOUT) as blocker:
        qtbot.mouseClick(panel.run_controls.train_button, Qt.MouseButton.LeftButton)
    result = blocker.args[0]
    assert result.status == "completed", result.message
    losses = np.asarray(result.history.batch_loss)
    assert len(losses) >= 2 and np.all(np.isfinite(losses))
    net = updates[-1]
    # Batch norm trained: its running statistics moved from their start (zeros and ones).
    means = [key for key in net.state if key.endswith(".running_mean")]
    assert means and any(np.any(net.state[key] != 0) for key in means)
    assert net.spec.to_dict() == document.spec.to_dict()
