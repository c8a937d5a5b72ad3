"""The memory guard in the window, with small fake limits (CNN_DESIGNER_MEMORY_LIMIT): the status bar shows
the training estimate, and the Inside views say the guard's message instead of computing (pytest-qt)."""
import re

import numpy as np
import pytest

from engine import Network, load_dataset
from engine.memory import estimate_memory
from engine.sysmem import ENV_LIMIT, format_bytes



@pytest.fixture
def limit(monkeypatch):
    def set_limit(value: str) -> None:
        monkeypatch.setenv(ENV_LIMIT, value)
    return set_limit


def test_status_bar_shows_the_training_estimate_at_the_train_tabs_settings(window, limit):
    limit("2G")
    window.files.load_preset("lenet5")
    label = window.memory_status.label
    assert label.objectName() == "memoryEstimateLabel"
    estimate = estimate_memory(window.document.summary, "train", 64, "adam")
    expected = estimate.describe()
    assert re.fullmatch(r"needs about \d+ MB to train with Adam at batch 64", expected)
    assert label.text() == f"Training: {format_bytes(estimate.total)} of 2.1 GB (Adam, batch 64)"
    assert label.toolTip().startswith(f"Design {expected}; 2.1 GB available.")
    assert window.memory_status.fits
    # The Train tab's batch size and optimizer change the estimate at once.
    window.train_tab.hyper_box.batch_spin.setValue(8)
    window.train_tab.hyper_box.set_optimizer("sgd")
    assert label.text().endswith("(SGD, batch 8)")
    assert label.toolTip().startswith(
        f"Design {estimate_memory(window.document.summary, 'train', 8, 'sgd').describe()}")
    # …and so does an edit of the design.
    before = label.text()
    window.document.set_field(0, "filters", 64)
    assert label.text() != before


def test_status_bar_warns_when_training_would_not_fit(window, limit):
    limit("10M")
    window.files.load_preset("lenet5")
    label = window.memory_status.label
    assert not window.memory_status.fits
    estimate = estimate_memory(window.document.summary, "train", 64, "adam")
    assert label.text() == f"⚠ Training: {format_bytes(estimate.total)} of 10 MB (Adam, batch 64)"
    assert label.toolTip().startswith(f"Design {estimate.describe()}; 10 MB available.")
    assert "Too much: reduce" in label.toolTip()
    window.train_tab.hyper_box.batch_spin.setValue(1)       # small enough now
    assert window.memory_status.fits and not label.text().startswith("⚠")


def test_feature_maps_and_predictions_say_the_guard_message_instead_of_computing(window, limit):
    window.files.load_preset("lenet5")
    window.document.set_field(window.document.layer_count - 1, "units", 4)   # the shapes dataset's classes
    net = Network.from_spec(window.document.spec.copy(), seed=0, dtype=np.float32)
    inside = window.inside_tab
    inside.set_dataset(load_dataset("shapes"))
    limit("400K")                                       # LeNet-5 needs ~535 kB for one image
    inside.set_network(net)
    maps, predictions = inside.feature_maps, inside.predictions
    for view, batch in ((maps, 1), (predictions, 256)):   # one image; predict_proba's batch
        text = view.placeholder_text()
        need = estimate_memory(net.summary, "infer", batch).describe()
        assert need.endswith(f"to run at batch {batch}")
        assert "Not enough memory" in text and f"Looking inside this network {need}" in text
        assert "410 kB is available" in text
    assert maps.feature_map_shapes() == {} and predictions.shown_indices().size == 0
    limit("1G")
    maps.refresh()
    predictions.refresh()
    assert maps.placeholder_text() == "" and maps.feature_map_shapes()["CONV1"] == (28, 28, 8)
    assert predictions.placeholder_text() == "" and 0.0 <= predictions.accuracy() <= 1.0


def test_untrained_design_too_big_to_build_is_explained_in_the_inside_views(window, limit):
    limit("500K")                                       # LeNet-5's weights need ~636 kB to build
    window.files.load_preset("lenet5")
    window.untrained_feed.update_now()
    assert window.untrained_feed.network is None
    for view in (window.inside_tab.filters, window.inside_tab.feature_maps, window.inside_tab.predictions):
        text = view.placeholder_text()
        assert "Not enough memory" in text and "for its weights" in text and "No network yet" not in text
    limit("1G")
    window.untrained_feed.update_now()
    assert window.untrained_feed.network is not None
    assert window.inside_tab.filters.layer_names() == ["CONV1", "CONV2"]


def test_an_empty_design_shows_no_training_estimate(window):
    window.files.new_design()
    assert len(window.document.summary.rows) == 1          # only the input
    assert window.memory_status.text() == "" and window.memory_status.fits
    window.files.load_preset("lenet5")
    assert window.memory_status.text().startswith("Training: ")
