"""Inside before training: the views show the open design's initial weights, marked untrained (pytest-qt)."""
import numpy as np

from engine import Network, load_dataset


def test_views_work_before_training_and_say_untrained(window, qtbot):
    window.files.load_preset("lenet5")
    window.untrained_feed.update_now()
    inside = window.inside_tab
    filters, maps = inside.filters, inside.feature_maps
    assert "No network" not in filters.placeholder_text()
    assert filters.layer_names() == ["CONV1", "CONV2"] and filters.untrained
    assert "untrained (initial weights)" in filters.untrained_banner.text()
    inside.set_dataset(load_dataset("shapes"))                # 32×32×3 images fit LeNet-5
    assert maps.feature_map_shapes() == {"CONV1": (28, 28, 8), "POOL1": (14, 14, 8),
                                         "CONV2": (10, 10, 16), "POOL2": (5, 5, 16)}
    assert maps.untrained
    # An edit rebuilds the untrained network for the new design.
    window.document.set_field(0, "filters", 6)
    qtbot.waitUntil(lambda: filters.untrained and window.untrained_feed.network is not None
                    and window.untrained_feed.network.params["CONV1.W"].shape == (5, 5, 3, 6))
    # A trained (or loaded) network replaces it, unmarked.
    trained = Network.from_spec(window.document.spec.copy(), seed=1, dtype=np.float32)
    window.train_tab.network_updated.emit(trained)
    assert not filters.untrained and not maps.untrained
    assert filters.untrained_banner.isHidden()
