"""Trainer: learning, determinism, stop, divergence, dataset fit checks."""
from pathlib import Path

import numpy as np
import pytest

from engine import SGD, Adam, DatasetError, Network, Trainer, load_dataset, load_spec
from engine.data import Dataset
from engine.train import builtin_dataset_for, check_dataset_fits, dataset_fit_note, dataset_fit_problem, dataset_shape_problem

PRESETS = Path(__file__).resolve().parents[2] / "resources" / "presets"


def _digits_net(seed=0):
    return Network.from_spec(load_spec(PRESETS / "digits_net.json"), seed=seed)


def test_digits_net_learns_and_history_is_complete():
    net = _digits_net()
    ds = load_dataset("digits")
    batches, epochs = [], []
    history = Trainer(net, Adam(2e-3), batch_size=32, seed=0).fit(
        ds, epochs=4, on_batch=batches.append, on_epoch=epochs.append)
    per_epoch = -(-int(len(ds.x_train) * 0.9 + 0.999) // 32)
    assert len(history.batch_loss) == len(batches) == batches[-1].total_iterations == 4 * per_epoch
    assert [e.epoch for e in epochs] == [1, 2, 3, 4] and history.epochs_completed == 4
    assert history.train_loss[-1] < history.train_loss[0] / 2
    assert history.val_accuracy[-1] > 0.85
    _, test_acc = net.evaluate(ds.x_test, ds.y_test)
    assert test_acc > 0.85


def test_same_seed_same_run_and_another_seed_differs():
    ds = load_dataset("digits")
    runs = []
    for seed in (1, 1, 2):
        net = _digits_net(seed)
        runs.append(Trainer(net, SGD(0.05, momentum=0.9), batch_size=64, seed=seed).fit(ds, epochs=1).batch_loss)
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]


def test_should_stop_ends_the_run_between_batches():
    net = _digits_net()
    calls = []

    def should_stop():
        calls.append(1)
        return len(calls) > 3
    history = Trainer(net, Adam(), batch_size=16).fit(load_dataset("digits"), epochs=3, should_stop=should_stop)
    assert history.stopped and len(history.batch_loss) == 3 and history.epochs_completed == 0


def test_divergence_stops_with_a_message_and_keeps_the_last_good_weights():
    net = _digits_net()
    history = Trainer(net, SGD(1e12), batch_size=64).fit(load_dataset("digits"), epochs=3)
    assert history.diverged and "learning rate" in history.message
    assert all(np.isfinite(w).all() for w in net.params.values())
    loss, _ = net.evaluate(load_dataset("digits").x_test, load_dataset("digits").y_test)
    assert np.isfinite(loss)


def test_dataset_that_does_not_fit_the_design_is_refused_with_advice():
    with pytest.raises(DatasetError, match=r"8×8×1 images but the design's input is 32×32×3"):
        Trainer(Network.from_spec(load_spec(PRESETS / "lenet5.json")), Adam()).fit(load_dataset("digits"))
    spec = load_spec(PRESETS / "lenet5.json")
    spec.layers[-1].units = 3
    with pytest.raises(DatasetError, match=r"4 classes but the last layer Softmax gives 3; set Softmax's units to 4"):
        Trainer(Network.from_spec(spec), Adam()).fit(load_dataset("shapes"))


def test_lenet5_on_shapes_clearly_beats_chance():
    spec = load_spec(PRESETS / "lenet5.json")
    spec.layers[-1].units = 4
    net = Network.from_spec(spec, seed=0)
    full = load_dataset("shapes")
    ds = Dataset("shapes", full.x_train[:2000], full.y_train[:2000], full.x_test, full.y_test, full.class_names)
    Trainer(net, Adam(1e-3), batch_size=64, seed=0).fit(ds, epochs=4)
    _, acc = net.evaluate(ds.x_test, ds.y_test)
    assert acc > 0.5  # chance is 0.25


def test_binary_sigmoid_output_trains():
    ds = load_dataset("digits")
    keep_train, keep_test = ds.y_train < 2, ds.y_test < 2
    binary = Dataset("0 vs 1", ds.x_train[keep_train], ds.y_train[keep_train], ds.x_test[keep_test],
                     ds.y_test[keep_test], ["0", "1"])
    spec = load_spec(PRESETS / "digits_net.json")
    spec.layers[-1].units, spec.layers[-1].activation = 1, "sigmoid"
    net = Network.from_spec(spec)
    Trainer(net, Adam(1e-3), batch_size=32).fit(binary, epochs=3)
    _, acc = net.evaluate(binary.x_test, binary.y_test)
    assert acc > 0.95
    assert net.predict_proba(binary.x_test[:3]).shape == (3, 2)


@pytest.mark.parametrize("make", [lambda: SGD(0), lambda: SGD(-1), lambda: Adam(float("nan")),
                                  lambda: SGD(0.1, momentum=1.0)])
def test_optimizers_reject_bad_hyperparameters(make):
    with pytest.raises(ValueError):
        make()


@pytest.mark.parametrize("optimizer", [SGD(0.1), SGD(0.1, momentum=0.9), Adam(0.01)])
def test_optimizers_keep_float32_weights_float32(optimizer):
    params = {"w": np.ones(3, np.float32)}
    for _ in range(3):
        optimizer.step(params, {"w": np.full(3, 0.5, np.float32)})
    assert params["w"].dtype == np.float32 and (params["w"] < 1).all()


def test_adam_first_step_moves_each_weight_by_lr():
    params = {"w": np.array([1.0, -2.0])}
    Adam(lr=0.1).step(params, {"w": np.array([3.0, -0.001])})
    np.testing.assert_allclose(params["w"], [0.9, -1.9], rtol=1e-6)


def test_dataset_fit_problem_is_the_message_check_dataset_fits_raises():
    lenet = load_spec(PRESETS / "lenet5.json")
    digits, shapes = load_dataset("digits"), load_dataset("shapes")
    assert dataset_fit_problem(_digits_net(), digits) is None
    assert dataset_shape_problem(lenet, shapes) is None      # 32×32×3 images: the shape fits ...
    assert dataset_fit_problem(lenet, shapes) is None        # ... and 10 outputs can score 4 classes
    three = lenet.copy()
    three.layers[-1].units = 3
    problem = dataset_fit_problem(three, shapes)             # ... 3 outputs can't
    assert problem == "dataset 'shapes' has 4 classes but the last layer Softmax gives 3; set Softmax's units to 4"
    with pytest.raises(DatasetError) as raised:
        check_dataset_fits(three, shapes)
    assert str(raised.value) == problem
    shape_problem = dataset_shape_problem(lenet, digits)
    assert shape_problem == ("dataset 'digits' has 8×8×1 images but the design's input is 32×32×3; "
                             "set the input to 8×8×1")
    assert dataset_fit_problem(lenet, digits) == shape_problem   # the shape is reported first


def test_dataset_fit_problem_names_labels_outside_the_classes():
    net = _digits_net()
    full = load_dataset("digits")
    y_test = full.y_test.copy()
    y_test[0] = 12
    ds = Dataset("odd", full.x_train, full.y_train, full.x_test, y_test, full.class_names)
    assert dataset_fit_problem(net, ds) == "dataset 'odd': test labels run from 0 to 12, outside 0..9"


def test_train_accuracy_counts_the_predictions_of_each_trained_batch():
    # SGD with lr 0 leaves the weights as they are, so every batch's predictions are the fixed network's:
    # the epoch's training accuracy must equal evaluate()'s accuracy on the same (training) examples.
    net = _digits_net(seed=2)
    ds = load_dataset("digits")
    history = Trainer(net, SGD(1e-300), batch_size=50, seed=0, validation_fraction=0).fit(ds, epochs=1)
    _, accuracy = net.evaluate(ds.x_train, ds.y_train)
    assert history.train_accuracy[0] == pytest.approx(accuracy, abs=1e-12)


def test_more_outputs_than_classes_trains_with_a_note():
    """The course's LeNet-5 (10 outputs) trains on the 4 shapes: the extra outputs are never a label."""
    lenet, shapes = load_spec(PRESETS / "lenet5.json"), load_dataset("shapes")
    assert dataset_fit_note(lenet, shapes) == ("Softmax gives 10 outputs for the 4 classes of 'shapes': outputs "
                                               "4–9 stand for no class and learn to stay unlikely; set Softmax's "
                                               "units to 4 to match")
    five = lenet.copy()
    five.layers[-1].units = 5
    assert "output 4 stands for no class" in dataset_fit_note(five, shapes)
    exact = lenet.copy()
    exact.layers[-1].units = 4
    assert dataset_fit_note(exact, shapes) is None
    net = Network.from_spec(lenet, seed=0)
    small = Dataset("shapes", shapes.x_train[:2000], shapes.y_train[:2000], shapes.x_test[:400],
                    shapes.y_test[:400], shapes.class_names)
    Trainer(net, Adam(1e-3), batch_size=64, seed=0).fit(small, epochs=4)
    proba = net.predict_proba(small.x_test)
    assert proba.shape == (400, 10)
    assert proba[:, 4:].sum(axis=1).mean() < 0.1          # the extra outputs learned to stay unlikely
    assert net.evaluate(small.x_test, small.y_test)[1] > 0.4   # chance is 0.25


def test_the_builtin_facts_are_what_the_builtins_hold():
    from engine.data import BUILTIN_DATASETS, BUILTIN_FACTS
    for name in BUILTIN_DATASETS:
        dataset = load_dataset(name)
        assert BUILTIN_FACTS[name] == (tuple(dataset.image_shape), dataset.num_classes)


def test_the_builtin_dataset_a_design_trains_on():
    from engine.spec import NetworkSpec
    assert builtin_dataset_for(load_spec(PRESETS / "lenet5.json")) == "shapes"
    assert builtin_dataset_for(load_spec(PRESETS / "digits_net.json")) == "digits"
    blank = NetworkSpec.from_dict({"format": "cnn-designer/1", "input": {"shape": [32, 32, 3]}, "layers": []})
    assert builtin_dataset_for(blank) == "shapes"             # no output yet: the input decides
    three = load_spec(PRESETS / "lenet5.json")
    three.layers[-1].units = 3
    assert builtin_dataset_for(three) is None                  # 3 outputs can't score the 4 shapes
    assert builtin_dataset_for(load_spec(PRESETS / "example_convnet.json")) is None   # 39×39×3


def test_the_brief_note():
    lenet, shapes = load_spec(PRESETS / "lenet5.json"), load_dataset("shapes")
    assert dataset_fit_note(lenet, shapes, brief=True) == "Softmax's outputs 4–9 stand for no class"
