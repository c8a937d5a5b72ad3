"""Training aids in the one training loop: learning-rate schedules, weight decay (against PyTorch), early
stopping with the best epoch's weights and state restored, and augmentation of the training batches."""
import math

import numpy as np
import pytest

from engine import SGD, Adam, Dataset, Network, NetworkSpec, Trainer, load_dataset, load_spec
from engine.optim import make_optimizer
from engine.resources import preset_path
from engine.schedule import epoch_rates
from engine.train import TrainSettings, WeightsCopy


def _digits_net(seed=0):
    return Network.from_spec(load_spec(preset_path("digits_net")), seed=seed)


def _digits(train=None):
    full = load_dataset("digits")
    if train is None:
        return full
    return Dataset("digits-subset", full.x_train[:train], full.y_train[:train], full.x_test, full.y_test,
                   full.class_names)


# ----- schedules ----------------------------------------------------------------------------------

def _rates_seen(trainer, dataset, epochs):
    """history.lr, and the optimizer's rate at each batch of each epoch as the loop set it."""
    seen = {}
    history = trainer.fit(dataset, epochs=epochs,
                          on_batch=lambda info: seen.setdefault(info.epoch, set()).add(trainer.optimizer.lr))
    return history, seen


def test_cosine_schedule_gives_exactly_the_course_rates_and_the_optimizer_uses_them():
    trainer = Trainer(_digits_net(), SGD(0.1), batch_size=128, lr_schedule="cosine")
    history, seen = _rates_seen(trainer, _digits(300), 5)
    expected = [0.1 * (1 + math.cos(math.pi * e / 5)) / 2 for e in range(5)]
    assert history.lr == expected
    assert {epoch: rates for epoch, rates in seen.items()} == {e + 1: {expected[e]} for e in range(5)}
    assert trainer.optimizer.lr == 0.1     # the base rate is back for a next run


def test_step_schedule_multiplies_by_gamma_every_n_epochs():
    trainer = Trainer(_digits_net(), SGD(0.1, momentum=0.9), batch_size=128, lr_schedule="step", lr_step=2,
                      lr_gamma=0.5)
    history, seen = _rates_seen(trainer, _digits(300), 5)
    assert history.lr == [0.1, 0.1, 0.05, 0.05, 0.025]
    assert seen[5] == {0.025}


def test_warm_up_ramps_linearly_then_the_schedule_starts_its_own_clock():
    settings = TrainSettings(epochs=6, optimizer="sgd", learning_rate=0.3, lr_schedule="cosine", warmup_epochs=2,
                             batch_size=128)
    history = Trainer.from_settings(_digits_net(), settings).fit(_digits(300), epochs=settings.epochs)
    assert history.lr[:2] == [0.3 * 1 / 3, 0.3 * 2 / 3]
    assert history.lr[2:] == [0.3 * (1 + math.cos(math.pi * t / 4)) / 2 for t in range(4)]
    assert epoch_rates(0.3, 4, "constant", warmup=1) == [0.15, 0.3, 0.3, 0.3]


@pytest.mark.parametrize("kwargs, words", [
    (dict(schedule="exponential"), "must be one of constant, step, cosine"),
    (dict(step=0), "step must be a whole number of epochs ≥ 1"),
    (dict(gamma=1.5), "gamma must be above 0 and at most 1"),
    (dict(warmup=-1), "warm-up must be a whole number"),
    (dict(warmup=4), "a warm-up of 4 epochs leaves none of the 4 epochs"),
])
def test_schedule_settings_that_cannot_work_are_refused_by_name(kwargs, words):
    with pytest.raises(ValueError, match=words):
        epoch_rates(0.1, 4, **kwargs)


@pytest.mark.parametrize("field, value, words", [
    ("lr_schedule", "linear", "schedule must be one of"), ("weight_decay", -0.1, "weight decay must be 0"),
    ("early_stopping", -2, "early stopping patience"), ("augment", "blur:3", "unknown kind 'blur'"),
])
def test_train_settings_refuse_bad_training_aids(field, value, words):
    with pytest.raises(ValueError, match=words):
        TrainSettings(**{field: value})


def test_train_settings_keep_the_augmentation_in_one_canonical_order():
    assert TrainSettings(augment="color:20, flip,shift:2").augment == "shift:2,flip,color:20"
    assert TrainSettings().augment == "" and not TrainSettings().augmentation.active


# ----- weight decay ---------------------------------------------------------------------------------

def _torch_steps(kind, weight_decay, params, grads_per_step, lr):
    """PyTorch's SGD / AdamW in float64 on the same arrays; only the 2-D-and-more ones decay."""
    torch = pytest.importorskip("torch", reason="the weight-decay comparison needs torch (pip install torch)")
    tensors = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in params.items()}
    groups = [{"params": [t for k, t in tensors.items() if t.dim() >= 2], "weight_decay": weight_decay},
              {"params": [t for k, t in tensors.items() if t.dim() < 2], "weight_decay": 0.0}]
    if kind == "adam":
        opt = torch.optim.AdamW(groups, lr=lr, eps=1e-8)
    else:
        opt = torch.optim.SGD(groups, lr=lr, momentum=0.9 if kind == "momentum" else 0.0)
    for grads in grads_per_step:
        for key, tensor in tensors.items():
            tensor.grad = torch.tensor(grads[key], dtype=torch.float64)
        opt.step()
    return {k: t.detach().numpy() for k, t in tensors.items()}


@pytest.mark.parametrize("kind", ["sgd", "momentum", "adam"])
def test_weight_decay_matches_pytorch_sgd_and_adamw_in_float64(kind):
    rng = np.random.default_rng(3)
    params = {"CONV1.W": rng.normal(size=(3, 3, 2, 4)), "CONV1.b": rng.normal(size=4),
              "FC2.W": rng.normal(size=(6, 3))}
    grads_per_step = [{k: rng.normal(size=v.shape) for k, v in params.items()} for _ in range(4)]
    ours = {k: v.copy() for k, v in params.items()}
    optimizer = make_optimizer(kind, 0.05, weight_decay=0.1)
    for grads in grads_per_step:
        optimizer.step(ours, grads)
    reference = _torch_steps(kind, 0.1, params, grads_per_step, 0.05)
    for key in params:
        np.testing.assert_allclose(ours[key], reference[key], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("optimizer", ["momentum", "adam"])
def test_weight_decay_shrinks_the_weights_against_the_same_run_without_it(optimizer):
    norms = {}
    for decay in (0.0, 0.05):
        net = _digits_net()
        settings = TrainSettings(epochs=3, batch_size=64, optimizer=optimizer, weight_decay=decay)
        Trainer.from_settings(net, settings).fit(_digits(600), epochs=settings.epochs)
        norms[decay] = {k: float(np.linalg.norm(v)) for k, v in net.params.items() if v.ndim >= 2}
    assert norms[0.0].keys() == norms[0.05].keys() and norms[0.0]
    for key in norms[0.0]:
        assert norms[0.05][key] < norms[0.0][key], key


def test_weight_decay_leaves_biases_alone():
    w, b = np.ones((2, 2)), np.ones(2)
    SGD(0.1, weight_decay=0.5).step({"L.W": w, "L.b": b}, {"L.W": np.zeros((2, 2)), "L.b": np.zeros(2)})
    assert np.allclose(w, 0.95) and np.allclose(b, 1.0)
    with pytest.raises(ValueError, match="weight decay must be 0 or a positive number"):
        Adam(weight_decay=-1)


# ----- early stopping ---------------------------------------------------------------------------------

def _overfitting_trainer(net, patience=3):
    """150 training digits, a high rate: the validation loss bottoms out and climbs within 30 epochs."""
    settings = TrainSettings(epochs=60, batch_size=16, learning_rate=0.01, validation_fraction=0.3,
                             early_stopping=patience)
    return Trainer.from_settings(net, settings), settings


def test_early_stopping_stops_at_best_plus_patience_and_keeps_the_best_weights():
    net = _digits_net()
    trainer, settings = _overfitting_trainer(net)
    dataset = _digits(150)
    history = trainer.fit(dataset, epochs=settings.epochs)
    assert history.stopped_early and history.restored_best
    assert history.epochs_completed == history.best_epoch + 3 < 60
    assert history.best_epoch == int(np.argmin(history.val_loss)) + 1
    assert len(history.lr) == len(history.val_loss) == history.epochs_completed
    _, _, x_val, y_val = dataset.split_validation(0.3, seed=0)
    val_loss, val_acc = net.evaluate(x_val, y_val)
    assert val_loss == pytest.approx(history.val_loss[history.best_epoch - 1], rel=1e-6)
    assert val_acc == pytest.approx(history.val_accuracy[history.best_epoch - 1])
    # The last epoch's weights are kept aside for the run history, and they are another network.
    last = net.copy()
    trainer.last_weights.restore(last)
    assert last.evaluate(x_val, y_val)[0] == pytest.approx(history.val_loss[-1], rel=1e-6)
    assert f"epoch {history.best_epoch}" in history.message


def test_early_stopping_restores_the_network_state_of_the_best_epoch_too():
    """Non-trainable state (batch-norm running statistics live in net.state) goes back with the weights."""
    net = _digits_net()
    counter = np.zeros(1)
    net.state = {"FAKE.steps": counter}
    step = net.train_step

    def counting_step(x, y):
        counter[0] += 1
        return step(x, y)
    net.train_step = counting_step
    trainer, settings = _overfitting_trainer(net, patience=2)
    history = trainer.fit(_digits(150), epochs=settings.epochs)
    batches = math.ceil(105 / 16)
    assert history.stopped_early
    assert net.state["FAKE.steps"] is counter           # restored in place: the layers keep their arrays
    assert counter[0] == history.best_epoch * batches
    assert trainer.last_weights.state["FAKE.steps"][0] == history.epochs_completed * batches


def test_early_stopping_puts_back_the_batch_norm_running_statistics_of_the_best_epoch():
    spec = NetworkSpec.from_dict({"format": "cnn-designer/1", "input": {"shape": [8, 8, 1]}, "layers": [
        {"type": "conv", "filters": 6, "size": 3, "padding": "same", "activation": "linear"},
        {"type": "batchnorm", "activation": "relu"},
        {"type": "pool", "size": 2, "stride": 2},
        {"type": "dense", "units": 10, "activation": "softmax"}]})
    net = Network.from_spec(spec, seed=0)
    assert net.state                         # running mean and variance of the batch-norm layer
    at_epoch = []
    trainer, settings = _overfitting_trainer(net, patience=2)
    history = trainer.fit(_digits(150), epochs=settings.epochs,
                          on_epoch=lambda info: at_epoch.append({k: v.copy() for k, v in net.state.items()}))
    assert history.stopped_early and history.best_epoch < history.epochs_completed
    best = at_epoch[history.best_epoch - 1]
    for key, value in net.state.items():
        np.testing.assert_array_equal(value, best[key])
    assert any(not np.array_equal(at_epoch[-1][key], best[key]) for key in best)


def test_weights_copy_round_trip_keeps_the_arrays_objects():
    net = _digits_net()
    key = next(iter(net.params))
    array = net.params[key]
    copy = WeightsCopy(net)
    before = array.copy()
    array += 1
    copy.restore(net)
    assert net.params[key] is array and np.array_equal(array, before)


def test_early_stopping_needs_validation_images():
    trainer = Trainer(_digits_net(), Adam(), validation_fraction=0.0, early_stopping=2)
    with pytest.raises(ValueError, match="early stopping watches the validation loss"):
        trainer.fit(_digits(100), epochs=3)


def test_without_early_stopping_the_best_epoch_is_reported_but_the_last_weights_stay():
    net = _digits_net()
    history = Trainer(net, Adam(0.01), batch_size=16, validation_fraction=0.3).fit(_digits(150), epochs=12)
    assert history.best_epoch == int(np.argmin(history.val_loss)) + 1
    assert not history.restored_best and not history.stopped_early and history.epochs_completed == 12


# ----- augmentation in the loop ------------------------------------------------------------------------

def test_augmentation_changes_training_and_still_learns():
    dataset = _digits()
    runs = {}
    for augment in ("", "shift:1"):
        net = _digits_net()
        settings = TrainSettings(epochs=6, learning_rate=0.003, augment=augment)
        history = Trainer.from_settings(net, settings).fit(dataset, epochs=settings.epochs)
        runs[augment] = (net, history)
    plain, shifted = runs[""][1], runs["shift:1"][1]
    assert plain.batch_loss != shifted.batch_loss
    assert shifted.val_accuracy[-1] > 0.85 and shifted.train_loss[-1] < shifted.train_loss[0] / 2
    # Validation images are not augmented: the epoch's figure is the network's on the plain images.
    _, _, x_val, y_val = dataset.split_validation(0.1, seed=0)
    assert runs["shift:1"][0].evaluate(x_val, y_val)[0] == pytest.approx(shifted.val_loss[-1], rel=1e-6)


def test_augmentation_is_seeded():
    losses = []
    for _ in range(2):
        settings = TrainSettings(epochs=1, augment="shift:1,crop:2", seed=4)
        losses.append(Trainer.from_settings(_digits_net(), settings).fit(_digits(300), epochs=1).batch_loss)
    assert losses[0] == losses[1]


def test_augmentation_that_does_not_fit_the_images_is_refused_before_training():
    trainer = Trainer(_digits_net(), Adam(), augment="color:20")
    with pytest.raises(Exception, match="1 channel"):
        trainer.fit(_digits(100), epochs=1)


@pytest.mark.parametrize("changes, words", [
    ({"epochs": 3, "warmup_epochs": 3}, "warm-up of 3 epochs leaves none of the 3 epochs"),
    ({"early_stopping": 2, "validation_fraction": 0.0}, "early stopping (patience 2) watches the validation"),
    ({"augment": "color:20"}, "augmentation color shifts the red, green and blue channels; these images have 1 channel"),
    ({"augment": "shift:8"}, "augmentation shift:8 is as large as the 8×8 images"),
])
def test_settings_that_cannot_work_for_a_run_are_named_before_it_starts(changes, words):
    from engine.train import settings_fit_problem
    settings = TrainSettings(**changes)
    assert words in settings_fit_problem(settings, (8, 8, 1))
    with pytest.raises(Exception) as refused:        # the loop would refuse them once started
        Trainer.from_settings(_digits_net(), settings).fit(_digits(100), epochs=settings.epochs)
    assert refused.type is not AssertionError
    assert settings_fit_problem(TrainSettings(epochs=4, warmup_epochs=3, early_stopping=2,
                                              augment="flip,shift:2,crop:2"), (8, 8, 1)) is None
    assert settings_fit_problem(TrainSettings(augment="color:20"), (8, 8, 3)) is None
