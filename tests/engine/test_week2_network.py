"""Week-2 networks on the engine: finite-difference gradients (float64) through every new kind and through
nested blocks (batch norm in training mode, depthwise with a multiplier, padded pooling, bias off, relu6);
batch norm's whole-batch statistics when a batch is split (1 vs 2 threads, the batch reducer); the running
statistics in Network.state (updated by training passes, saved and loaded with the weights, copied, restored
by the trainer on divergence); every layer found by name; activations of inner layers; inspection passes
(gradients at the input, at an inner layer, injected at an inner layer); Trainer.fit and evaluate."""
import threading

import numpy as np
import pytest

from engine import Adam, Network, NetworkSpec, SGD, SpecError, Trainer, load_spec, summarize
from engine import runtime
from engine.batch_reduce import IDENTITY, ThreadReducer
from engine.data import Dataset
from engine.memory import estimate_memory
from engine.spec import FORMAT
from finite_differences import centred_differences   # tests/engine is on sys.path under pytest

from pathlib import Path

PRESETS = Path(__file__).resolve().parents[2] / "resources" / "presets"


def design(layers, shape):
    return NetworkSpec.from_dict({"format": FORMAT, "input": {"shape": list(shape)}, "layers": layers})


def conv(filters, size, **fields):
    return {"type": "conv", "filters": filters, "size": size, **fields}


SOFTMAX3 = {"type": "dense", "units": 3, "activation": "softmax"}
BN = {"type": "batchnorm"}

DESIGNS = {
    "batchnorm on a volume, relu, conv without bias before it": (
        [conv(3, 3, bias=False, activation="linear"), {"type": "batchnorm", "activation": "relu"}, SOFTMAX3], (6, 6, 2)),
    "batchnorm on a vector, momentum and epsilon": (
        [{"type": "dense", "units": 5, "activation": "linear"},
         {"type": "batchnorm", "momentum": 0.3, "epsilon": 0.01, "activation": "tanh"}, SOFTMAX3], (3, 3, 2)),
    "depthwise multiplier 2, stride 2, padding 1, relu6": (
        [{"type": "depthwise", "size": 3, "stride": 2, "padding": 1, "multiplier": 2, "activation": "relu6"},
         SOFTMAX3], (7, 7, 3)),
    "depthwise without bias, 5×5 same, linear": (
        [{"type": "depthwise", "size": 5, "padding": "same", "activation": "linear", "bias": False}, SOFTMAX3],
        (6, 5, 2)),
    "max pool padded 1, avg pool padded (count without padding)": (
        [conv(2, 2, activation="tanh"), {"type": "pool", "mode": "max", "size": 3, "stride": 2, "padding": 1},
         {"type": "pool", "mode": "avg", "size": 3, "stride": 1, "padding": 1}, SOFTMAX3], (8, 7, 2)),
    "global average and max pooling, dense without bias": (
        [conv(4, 3), {"type": "concat", "branches": [[{"type": "globalpool"}], [{"type": "globalpool", "mode": "max"}]]},
         {"type": "dense", "units": 3, "activation": "softmax", "bias": False}], (6, 6, 2)),
    "residual: identity shortcut, and a 1×1 stride-2 shortcut": (
        [conv(3, 3, padding="same", activation="linear"),
         {"type": "residual", "layers": [conv(3, 3, padding="same", activation="linear"), BN]},
         {"type": "residual", "activation": "relu6",
          "layers": [conv(4, 3, stride=2, padding="same"), BN],
          "shortcut": [conv(4, 1, stride=2, activation="linear", bias=False), BN]}, SOFTMAX3], (6, 6, 2)),
    "a residual inside a concat branch inside a residual, dropout inside": (
        [{"type": "residual", "layers": [
            {"type": "concat", "branches": [
                [{"type": "residual", "activation": "linear",
                  "layers": [{"type": "depthwise", "size": 3, "padding": "same"}, BN]}],
                [],
                [{"type": "pool", "mode": "avg", "size": 3, "stride": 1, "padding": 1}, conv(2, 1),
                 {"type": "dropout", "rate": 0.3}]]},
            conv(2, 1, activation="linear")]},
         {"type": "globalpool"}, SOFTMAX3], (5, 5, 2)),
}


def _perturb(net, rng):
    for value in net.params.values():
        value += 0.1 * rng.standard_normal(value.shape)


def _close(analytic, numeric):
    return abs(analytic - numeric) < 1e-8 or abs(analytic - numeric) / (abs(analytic) + abs(numeric)) < 1e-5


@pytest.mark.parametrize("name", list(DESIGNS))
def test_finite_difference_gradients(name):
    layers, shape = DESIGNS[name]
    spec = design(layers, shape)
    net = Network.from_spec(spec, seed=1, dtype=np.float64)
    rng = np.random.default_rng(0)
    _perturb(net, rng)
    x, y = rng.standard_normal((4, *shape)), rng.integers(0, 3, 4)
    net.reseed_dropout(5)
    _, grads = net.loss_and_grads(x, y)
    assert set(grads) == set(net.params)
    eps = 1e-6
    for key, w in net.params.items():
        indices = rng.choice(w.size, size=min(6, w.size), replace=False)
        for idx, numeric in centred_differences(net, x, y, key, indices, eps, dropout_seed=5):
            assert _close(grads[key][idx], numeric), f"{key}{idx}: {grads[key][idx]} vs {numeric}"


@pytest.mark.parametrize("name", list(DESIGNS))
def test_input_gradient_of_a_class_score_matches_finite_differences(name):
    layers, shape = DESIGNS[name]
    net = Network.from_spec(design(layers, shape), seed=2, dtype=np.float64)
    rng = np.random.default_rng(1)
    _perturb(net, rng)
    for value in net.state.values():          # inference uses the running statistics: make them non-trivial
        value[...] = rng.uniform(0.5, 1.5, value.shape)
    x = rng.standard_normal((2, *shape))
    seed = np.zeros((2, 3))
    seed[:, 1] = 1.0
    probe = net.probe(x, seed, input_grad=True)
    np.testing.assert_allclose(probe.logits, net.forward(x), rtol=1e-12)    # inference mode
    eps = 1e-6
    for i in rng.choice(x.size, size=6, replace=False):
        idx = np.unravel_index(i, x.shape)
        xp, xm = x.copy(), x.copy()
        xp[idx] += eps
        xm[idx] -= eps
        numeric = (net.forward(xp)[:, 1].sum() - net.forward(xm)[:, 1].sum()) / (2 * eps)
        assert _close(probe.input_grad[idx], numeric), (idx, probe.input_grad[idx], numeric)


def test_a_gradient_injected_at_an_inner_layer_reaches_the_input():
    layers, shape = DESIGNS["a residual inside a concat branch inside a residual, dropout inside"]
    net = Network.from_spec(design(layers, shape), seed=3, dtype=np.float64)
    rng = np.random.default_rng(2)
    _perturb(net, rng)
    x = rng.standard_normal((2, *shape))
    target = "DW1"
    assert net.layer(target).name == target
    outputs = dict(net.activations(x))
    G = rng.standard_normal(outputs[target].shape)
    probe = net.probe(x, inject=(target, G), input_grad=True, names=[target])
    np.testing.assert_allclose(probe.outputs[target], outputs[target], rtol=1e-12)
    np.testing.assert_allclose(probe.output_grads[target], G, rtol=1e-12)   # nothing from above: seed is zero
    v = rng.standard_normal(x.shape)
    eps = 1e-6
    numeric = (np.sum(G * dict(net.activations(x + eps * v))[target])
               - np.sum(G * dict(net.activations(x - eps * v))[target])) / (2 * eps)
    assert np.sum(probe.input_grad * v) == pytest.approx(numeric, rel=1e-6)


def test_the_gradient_at_a_layer_output_is_grad_cams_dz_da():
    spec = load_spec(PRESETS / "resnet_small.json")
    spec.input.shape = (12, 12, 3)
    net = Network.from_spec(spec, seed=0, dtype=np.float64)
    rng = np.random.default_rng(3)
    x = rng.standard_normal((1, 12, 12, 3))
    seed = lambda logits: np.eye(logits.shape[1])[[2]]                      # ∂z_2/∂·
    probe = net.probe(x, seed, names=["BN1"])
    A, dA = probe.outputs["BN1"], probe.output_grads["BN1"]
    assert A.shape == dA.shape == (1, 12, 12, 16)
    # Every path from x to the logits goes through BN1: dz = <∂z/∂A, dA> for a small change of x.
    v = rng.standard_normal(x.shape)
    eps = 1e-6
    dz = (net.forward(x + eps * v)[0, 2] - net.forward(x - eps * v)[0, 2]) / (2 * eps)
    dA_numeric = (dict(net.activations(x + eps * v))["BN1"] - dict(net.activations(x - eps * v))["BN1"]) / (2 * eps)
    assert np.sum(dA * dA_numeric) == pytest.approx(dz, rel=1e-6)
    with pytest.raises(KeyError, match="no layer 'NOPE'"):
        net.probe(x, seed, names=["NOPE"])


def test_probe_learns_nothing():
    net = Network.from_spec(load_spec(PRESETS / "mobilenet_small.json"), seed=0)
    before = {k: v.copy() for k, v in {**net.params, **net.state}.items()}
    net.probe(np.random.default_rng(0).random((2, 28, 28, 1)), lambda z: np.ones_like(z), input_grad=True)
    for key, value in {**net.params, **net.state}.items():
        np.testing.assert_array_equal(value, before[key], err_msg=key)


# ----- batch norm: the whole batch's statistics -----------------------------------------------------------

def test_running_statistics_follow_pytorchs_update():
    net = Network.from_spec(design([conv(2, 1, activation="linear"), BN, SOFTMAX3], (3, 3, 1)), dtype=np.float64)
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((5, 3, 3, 1)), rng.integers(0, 3, 5)
    z = np.asarray(dict(net.activations(x))["CONV1"]).reshape(-1, 2)   # BN's input (linear conv)
    net.loss_and_grads(x, y)
    np.testing.assert_allclose(net.state["BN1.running_mean"], 0.1 * z.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(net.state["BN1.running_var"], 0.9 + 0.1 * z.var(axis=0, ddof=1), rtol=1e-12)
    logits = net.forward(x)                    # inference: the running statistics, not the batch's
    xhat = (z - net.state["BN1.running_mean"]) / np.sqrt(net.state["BN1.running_var"] + 1e-5)
    W, b = net.params["Softmax.W"], net.params["Softmax.b"]
    np.testing.assert_allclose(logits, xhat.reshape(5, -1) @ W + b, rtol=1e-10)


@pytest.fixture
def two_threads():
    before = runtime.get_num_threads()
    yield
    runtime.set_num_threads(before)


def test_batch_norm_statistics_and_gradients_are_the_whole_batchs_at_2_threads(two_threads):
    # resnet_small at batch 32 has enough work to be split in two parts at 2 threads.
    net = Network.from_spec(load_spec(PRESETS / "resnet_small.json"), seed=0, dtype=np.float64)
    runtime.set_num_threads(2)
    if not runtime.can_pin_blas():
        pytest.skip("the engine can't pin BLAS to one thread here, so it never splits a batch")
    assert net._parts(32) is not None
    rng = np.random.default_rng(0)
    x, y = rng.random((32, 32, 32, 3)), rng.integers(0, 4, 32)
    other = net.copy()
    split_loss, split_grads = net.loss_and_grads(x, y)
    runtime.set_num_threads(1)
    assert other._parts(32) is None
    whole_loss, whole_grads = other.loss_and_grads(x, y)
    assert split_loss == pytest.approx(whole_loss, rel=1e-12)
    for key in whole_grads:
        np.testing.assert_allclose(split_grads[key], whole_grads[key], rtol=1e-9, atol=1e-12, err_msg=key)
    for key in net.state:
        np.testing.assert_allclose(net.state[key], other.state[key], rtol=1e-9, atol=1e-14, err_msg=key)


def test_split_nested_design_with_dropout_equals_the_whole_batch(monkeypatch, two_threads):
    layers, shape = DESIGNS["a residual inside a concat branch inside a residual, dropout inside"]
    spec = design(layers, shape)
    net = Network.from_spec(spec, seed=4, dtype=np.float64)
    whole = net.copy()
    monkeypatch.setattr(Network, "MIN_MACS_PER_THREAD", {"train": 1, "infer": 1})
    monkeypatch.setattr(Network, "MIN_SAMPLES_PER_THREAD", 1)
    runtime.set_num_threads(2)
    if not runtime.can_pin_blas():
        pytest.skip("the engine can't pin BLAS to one thread here, so it never splits a batch")
    assert net._parts(10) is not None
    rng = np.random.default_rng(5)
    x, y = rng.standard_normal((10, *shape)), rng.integers(0, 3, 10)
    split_loss, split_grads = net.loss_and_grads(x, y)
    runtime.set_num_threads(1)
    whole_loss, whole_grads = whole.loss_and_grads(x, y)
    assert split_loss == pytest.approx(whole_loss, rel=1e-12)
    for key in whole_grads:
        np.testing.assert_allclose(split_grads[key], whole_grads[key], rtol=1e-9, atol=1e-12, err_msg=key)
    for key in whole.state:
        np.testing.assert_allclose(net.state[key], whole.state[key], rtol=1e-9, atol=1e-14, err_msg=key)


def test_the_thread_reducer_adds_every_parts_sums_in_part_order():
    reducer = ThreadReducer(3)
    parts = [[np.array([1.0, 2.0]), np.array([10.0])], [np.array([3.0, 4.0]), np.array([20.0])],
             [np.array([5.0, 6.0]), np.array([30.0])]]
    results = [None] * 3

    def run(part):
        results[part] = reducer.sum(parts[part], part)
        results[part] += reducer.sum([np.array([float(part)])], part)    # reusable for the next sum

    threads = [threading.Thread(target=run, args=(part,)) for part in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    for result in results:
        np.testing.assert_array_equal(result[0], [9.0, 12.0])
        np.testing.assert_array_equal(result[1], [60.0])
        np.testing.assert_array_equal(result[2], [3.0])
    assert IDENTITY.sum([parts[0][0]])[0] is parts[0][0]


def test_a_failing_part_releases_the_others():
    reducer = ThreadReducer(2)
    errors = []

    def waiting():
        try:
            reducer.sum([np.zeros(1)], 0)
        except threading.BrokenBarrierError as exc:
            errors.append(exc)

    thread = threading.Thread(target=waiting)
    thread.start()
    reducer.abort()
    thread.join(10)
    assert not thread.is_alive() and len(errors) == 1


# ----- state: saved, loaded, copied, restored --------------------------------------------------------

def _bn_net():
    return Network.from_spec(load_spec(PRESETS / "resnet_small.json"), seed=0)


def test_running_statistics_are_saved_and_loaded_with_the_weights(tmp_path):
    net = _bn_net()
    assert set(net.state) == {f"BN{i}.{part}" for i in range(1, 10) for part in ("running_mean", "running_var")}
    rng = np.random.default_rng(0)
    for value in net.state.values():
        value[...] = rng.random(value.shape)
    net.save(tmp_path / "run.npz")
    back = Network.load(tmp_path / "run.npz")
    for key in net.state:
        np.testing.assert_array_equal(back.state[key], net.state[key])
    x = rng.random((3, 32, 32, 3)).astype(np.float32)
    np.testing.assert_array_equal(back.forward(x), net.forward(x))
    with np.load(tmp_path / "run.npz") as data:
        arrays = {key: data[key] for key in data.files if key != "BN4.running_var"}
    np.savez(tmp_path / "cut.npz", **arrays)
    with pytest.raises(SpecError, match="cut.npz: running statistics for BN4.running_var are missing"):
        Network.load(tmp_path / "cut.npz")


def test_copy_copies_the_state():
    net = _bn_net()
    net.state["BN1.running_mean"][...] = 3.0
    clone = net.copy()
    clone.state["BN1.running_mean"][...] = 5.0
    assert net.state["BN1.running_mean"][0] == 3.0 and clone.state["BN1.running_mean"][0] == 5.0


def _dataset(m, shape, classes, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 256, (m, *shape), dtype=np.uint8)
    y = rng.integers(0, classes, m)
    return Dataset("random", x[: m * 3 // 4], y[: m * 3 // 4], x[m * 3 // 4:], y[m * 3 // 4:],
                   [str(c) for c in range(classes)])


def test_a_diverging_run_restores_the_running_statistics_too():
    net = Network.from_spec(design([conv(4, 3, activation="linear"), BN, SOFTMAX3], (6, 6, 1)), seed=0)
    ds = _dataset(64, (6, 6, 1), 3)
    history = Trainer(net, SGD(lr=1e6), batch_size=16, validation_fraction=0).fit(ds, epochs=3)
    assert history.diverged
    for key, value in {**net.params, **net.state}.items():
        assert np.isfinite(value).all(), key


def test_trainer_fits_and_evaluates_a_small_resnet():
    spec = load_spec(PRESETS / "resnet_small.json")
    spec.input.shape = (8, 8, 3)
    net = Network.from_spec(spec, seed=0)
    ds = _dataset(96, (8, 8, 3), 4, seed=1)
    history = Trainer(net, Adam(lr=3e-3), batch_size=24, validation_fraction=0.25).fit(ds, epochs=4)
    assert history.epochs_completed == 4 and not history.diverged
    assert history.train_loss[-1] < history.train_loss[0]
    assert not np.allclose(net.state["BN1.running_var"], 1.0)      # the training passes moved them
    loss, accuracy = net.evaluate(images := ds.x_test.astype(np.float32) / 255, ds.y_test)
    assert np.isfinite(loss) and 0 <= accuracy <= 1 and len(images) == 24


# ----- layers by name, activations of inner layers --------------------------------------------------------

def test_every_layer_is_found_by_name_and_activations_cover_inner_layers():
    layers, shape = DESIGNS["a residual inside a concat branch inside a residual, dropout inside"]
    spec = design(layers, shape)
    net = Network.from_spec(spec)
    rows = summarize(spec).rows[1:]
    assert net.layer_names() == [row.name for row in rows]
    assert [layer.name for layer in net.layers] == [row.name for row in summarize(spec).top_level_rows[1:]]
    for row in rows:
        assert net.layer(row.name).name == row.name
    acts = net.activations(np.zeros((2, *shape), np.float32))
    assert [name for name, _ in acts] == [row.name for row in rows]
    assert [a.shape[1:] for _, a in acts] == [row.output_shape for row in rows]
    with pytest.raises(KeyError, match="no layer 'X1'"):
        net.layer("X1")


def test_memory_estimate_counts_batch_norms_kept_values_and_running_statistics():
    plain = summarize(design([conv(8, 3, padding="same"), SOFTMAX3], (16, 16, 3)))
    with_bn = summarize(design([conv(8, 3, padding="same"), {"type": "batchnorm"}, SOFTMAX3], (16, 16, 3)))
    a, b = estimate_memory(plain, "train", 32, "sgd"), estimate_memory(with_bn, "train", 32, "sgd")
    # BN adds its output and its x̂ per example, and 2·8 parameters + 2·8 running statistics.
    assert b.activations - a.activations >= 32 * 2 * 16 * 16 * 8 * 4
    assert b.weights - a.weights == (16 + 16) * 4
