"""Network: gradients (finite differences through loss_and_grads), dtypes, live params, save/load."""
import numpy as np
import pytest

from engine import Network, NetworkSpec, SpecError, load_spec
from engine import ConvSpec, DenseSpec, DropoutSpec, FlattenSpec, InputSpec, PoolSpec

from pathlib import Path

from finite_differences import centred_differences   # tests/engine is on sys.path under pytest

PRESETS = Path(__file__).resolve().parents[2] / "resources" / "presets"


def _numeric_grad(net, x, y, key, eps=1e-6, samples=12, seed=0):
    """Centred differences for a random sample of entries of params[key] (float64)."""
    w = net.params[key]
    rng = np.random.default_rng(seed)
    flat = rng.choice(w.size, size=min(samples, w.size), replace=False)
    return centred_differences(net, x, y, key, flat, eps, dropout_seed=7)


def _grad_check(spec, y_classes, m=3, seed=0):
    net = Network.from_spec(spec, seed=seed, dtype=np.float64)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((m, *spec.input.shape))
    y = rng.integers(0, y_classes, size=m)
    # Move the biases off zero so ReLU kinks and ties are unlikely to sit exactly on a sample.
    for key, value in net.params.items():
        value += 0.05 * rng.standard_normal(value.shape)
    net.reseed_dropout(7)
    _, grads = net.loss_and_grads(x, y)
    assert set(grads) == set(net.params)
    for key in net.params:
        assert grads[key].shape == net.params[key].shape and grads[key].dtype == np.float64
        for idx, numeric in _numeric_grad(net, x, y, key):
            analytic = grads[key][idx]
            err = abs(analytic - numeric) / max(1e-8, abs(analytic) + abs(numeric))
            assert err < 1e-5, f"{key}{idx}: analytic {analytic} vs numeric {numeric}"


def _spec(shape, *layers):
    return NetworkSpec(InputSpec(shape), list(layers))


@pytest.mark.parametrize("name, spec, classes", [
    ("conv relu + max pool + softmax",
     _spec((7, 7, 2), ConvSpec(3, 3, activation="relu"), PoolSpec("max", 2, 2), DenseSpec(4, "softmax")), 4),
    ("conv same/stride 2 tanh + avg pool f3 s2",
     _spec((9, 9, 3), ConvSpec(4, 3, stride=2, padding="same", activation="tanh"), PoolSpec("avg", 3, 2),
           DenseSpec(3, "softmax")), 3),
    ("conv padding 2 stride 3 leaky_relu + flatten + dense sigmoid",
     _spec((8, 7, 1), ConvSpec(2, 4, stride=3, padding=2, activation="leaky_relu"), FlattenSpec(),
           DenseSpec(5, "sigmoid"), DenseSpec(2, "softmax")), 2),
    ("conv linear + dropout + dense tanh + binary sigmoid output",
     _spec((6, 6, 2), ConvSpec(3, 3, activation="linear"), DropoutSpec(0.4), DenseSpec(4, "tanh"),
           DenseSpec(1, "sigmoid")), 2),
    ("two convs, max pool f3 s1 overlapping",
     _spec((8, 8, 1), ConvSpec(2, 3, activation="sigmoid"), PoolSpec("max", 3, 1), ConvSpec(3, 2, padding=1),
           DenseSpec(3, "softmax")), 3),
])
def test_finite_difference_gradients_through_loss_and_grads(name, spec, classes):
    _grad_check(spec, classes)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_kept_end_to_end(dtype):
    net = Network.from_spec(load_spec(PRESETS / "lenet5.json"), seed=0, dtype=dtype)
    x = np.random.default_rng(0).random((4, 32, 32, 3))
    assert all(p.dtype == dtype for p in net.params.values())
    logits = net.forward(x)
    assert logits.shape == (4, 10) and logits.dtype == dtype
    loss, grads = net.loss_and_grads(x, np.array([0, 1, 2, 3]))
    assert np.isfinite(loss) and all(g.dtype == dtype for g in grads.values())


def test_params_are_the_live_arrays():
    net = Network.from_spec(load_spec(PRESETS / "digits_net.json"), seed=0)
    x = np.random.default_rng(1).random((2, 8, 8, 1), dtype=np.float32)
    before = net.forward(x).copy()
    net.params["Softmax.b"][3] += 5.0
    after = net.forward(x)
    np.testing.assert_allclose(after[:, 3] - before[:, 3], 5.0, rtol=1e-5)


def test_seed_gives_identical_weights_and_different_seeds_differ():
    spec = load_spec(PRESETS / "lenet5.json")
    a, b, c = (Network.from_spec(spec, seed=s) for s in (3, 3, 4))
    assert all(np.array_equal(a.params[k], b.params[k]) for k in a.params)
    assert not np.array_equal(a.params["CONV1.W"], c.params["CONV1.W"])
    assert list(a.params) == ["CONV1.W", "CONV1.b", "CONV2.W", "CONV2.b", "FC3.W", "FC3.b", "FC4.W", "FC4.b",
                              "Softmax.W", "Softmax.b"]
    assert a.params["CONV1.W"].shape == (5, 5, 3, 8) and a.num_params == 62958


def test_save_then_load_gives_identical_predictions(tmp_path):
    net = Network.from_spec(load_spec(PRESETS / "lenet5.json"), seed=5)
    x = np.random.default_rng(2).random((6, 32, 32, 3), dtype=np.float32)
    path = tmp_path / "run.npz"
    net.save(path)
    loaded = Network.load(path)
    assert loaded.spec == net.spec
    np.testing.assert_array_equal(loaded.forward(x), net.forward(x))
    np.testing.assert_array_equal(loaded.predict(x), net.predict(x))


@pytest.mark.parametrize("content, words", [
    (b"not a zip", ["not a CNN Designer weights file"]),
    (None, ["holds no design"]),
])
def test_load_rejects_files_that_are_not_weights(tmp_path, content, words):
    path = tmp_path / "x.npz"
    if content is None:
        np.savez(path, a=np.zeros(3))
    else:
        path.write_bytes(content)
    with pytest.raises(SpecError) as info:
        Network.load(path)
    for word in words:
        assert word in str(info.value)
    with pytest.raises(SpecError, match="no such weights file"):
        Network.load(tmp_path / "missing.npz")


@pytest.mark.parametrize("spec, words", [
    (_spec((8, 8, 1), ConvSpec(4, 3)), ["CONV1", "last layer must be a dense layer with softmax"]),
    (_spec((8, 8, 1), DenseSpec(3, "sigmoid")), ["sigmoid output layer must have 1 unit"]),
    (_spec((4, 4, 1), ConvSpec(4, 5), DenseSpec(2, "softmax")), ["CONV1: filter 5 is larger"]),
    (_spec((4, 4, 1)), ["no layers"]),
])
def test_from_spec_refuses_designs_that_cannot_train(spec, words):
    with pytest.raises(SpecError) as info:
        Network.from_spec(spec)
    for word in words:
        assert word in str(info.value)


def test_forward_rejects_images_of_the_wrong_shape():
    net = Network.from_spec(load_spec(PRESETS / "digits_net.json"))
    with pytest.raises(ValueError, match="expects images of 8×8×1"):
        net.forward(np.zeros((2, 32, 32, 3), np.float32))


def test_activations_cover_every_layer_with_the_table_shapes():
    from engine import summarize
    spec = load_spec(PRESETS / "lenet5.json")
    net = Network.from_spec(spec)
    acts = net.activations(np.zeros((2, 32, 32, 3), np.float32))
    rows = summarize(spec).rows[1:]
    assert [name for name, _ in acts] == [r.name for r in rows]
    assert [a.shape[1:] for _, a in acts] == [r.output_shape for r in rows]


@pytest.fixture
def split_batches(monkeypatch):
    """Force the engine to split every batch across 2 threads, however small the network."""
    from engine import runtime
    monkeypatch.setattr(Network, "MIN_MACS_PER_THREAD", {"train": 1, "infer": 1})
    monkeypatch.setattr(Network, "MIN_SAMPLES_PER_THREAD", 1)
    before = runtime.get_num_threads()
    runtime.set_num_threads(2)
    yield
    runtime.set_num_threads(before)


def test_split_batch_gradients_pass_finite_differences(split_batches):
    spec = _spec((7, 7, 2), ConvSpec(3, 3, activation="tanh"), PoolSpec("max", 2, 2), DropoutSpec(0.3),
                 DenseSpec(4, "softmax"))
    assert Network.from_spec(spec)._parts(20) is not None  # the batch really is split
    _grad_check(spec, 4, m=20)


def test_split_batch_equals_the_whole_batch(split_batches, monkeypatch):
    spec = load_spec(PRESETS / "lenet5.json")
    net = Network.from_spec(spec, seed=3, dtype=np.float64)
    rng = np.random.default_rng(0)
    x, y = rng.random((40, 32, 32, 3)), rng.integers(0, 10, 40)
    assert net._parts(40) is not None
    split_loss, split_grads = net.loss_and_grads(x, y)
    split_logits = net.forward(x)
    monkeypatch.setattr(Network, "MIN_MACS_PER_THREAD", {"train": 10 ** 15, "infer": 10 ** 15})
    whole_loss, whole_grads = net.loss_and_grads(x, y)
    assert split_loss == pytest.approx(whole_loss, rel=1e-12)
    np.testing.assert_allclose(net.forward(x), split_logits, rtol=1e-12)
    for key in whole_grads:
        np.testing.assert_allclose(split_grads[key], whole_grads[key], rtol=1e-10, atol=1e-14)


def test_train_step_returns_the_logits_of_its_forward_pass():
    spec = load_spec(PRESETS / "digits_net.json")
    net = Network.from_spec(spec, seed=1, dtype=np.float64)
    rng = np.random.default_rng(4)
    x, y = rng.random((16, 8, 8, 1)), rng.integers(0, 10, 16)
    loss, grads, logits = net.train_step(x, y)
    assert logits.shape == (16, 10)
    np.testing.assert_allclose(logits, net.forward(x), rtol=1e-12)     # no dropout: training = inference
    assert loss == pytest.approx(net.loss_from_logits(logits, y)[0], rel=1e-12)
    same_loss, same_grads = net.loss_and_grads(x, y)
    assert same_loss == loss and same_grads.keys() == grads.keys() == net.params.keys()
    assert not hasattr(net, "last_logits")


def test_split_train_step_returns_the_whole_batch_logits(split_batches):
    net = Network.from_spec(load_spec(PRESETS / "lenet5.json"), seed=3, dtype=np.float64)
    rng = np.random.default_rng(0)
    x, y = rng.random((24, 32, 32, 3)), rng.integers(0, 10, 24)
    assert net._parts(24) is not None
    _, _, logits = net.train_step(x, y)
    np.testing.assert_allclose(logits, net.forward(x), rtol=1e-12)


def _damaged_weights(tmp_path, **changes):
    """A digits_net weights file with some of its entries replaced (None removes one)."""
    net = Network.from_spec(load_spec(PRESETS / "digits_net.json"), seed=0)
    good = tmp_path / "good.npz"
    net.save(good)
    with np.load(good) as data:
        arrays = {key: data[key] for key in data.files}
    for key, value in changes.items():
        key = key.replace("__dot__", ".")
        if value is None:
            arrays.pop(key)
        else:
            arrays[key] = value
    path = tmp_path / "damaged.npz"
    np.savez(path, **arrays)
    return path, net


def _load_error(path) -> str:
    with pytest.raises(SpecError) as info:
        Network.load(path)
    message = str(info.value)
    assert "\n" not in message and path.name in message
    assert "allow_pickle" not in message and "Traceback" not in message
    return message


@pytest.mark.parametrize("meta, words", [
    ('["cnn-designer-weights/1"]', "damaged"),
    ('{"format": "cnn-designer-weights/1", "dtype": "int8"}', "int8"),
    ('{"format": "cnn-designer-weights/1", "dtype": "bogus"}', "bogus"),
    ('{"format": "cnn-designer-weights/1", "dtype": 5}', "5"),
    ('{"format": "cnn-designer-weights/1", "dtype": null}', "None"),
    ("not json at all", "damaged"),
    (np.arange(3), "damaged"),
])
def test_load_names_a_damaged_meta_entry(tmp_path, meta, words):
    path, _ = _damaged_weights(tmp_path, __meta__=np.array(meta) if isinstance(meta, str) else meta)
    message = _load_error(path)
    assert words in message


@pytest.mark.parametrize("spec", ["{not json", np.arange(4), np.array(7.5), np.array('["a list"]')])
def test_load_names_a_damaged_design_entry(tmp_path, spec):
    path, _ = _damaged_weights(tmp_path, __spec__=np.array(spec) if isinstance(spec, str) else spec)
    assert "design" in _load_error(path)


def test_load_rejects_weights_that_are_not_numbers(tmp_path):
    path, net = _damaged_weights(tmp_path, CONV1__dot__W=np.full(net_shape("CONV1.W"), "x"))
    assert "CONV1.W" in _load_error(path)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_load_rejects_weights_that_are_nan_or_infinite(tmp_path, bad):
    path, _ = _damaged_weights(tmp_path, CONV1__dot__W=np.full(net_shape("CONV1.W"), bad, np.float32))
    assert "CONV1.W holds NaN or infinite values" in _load_error(path)


def test_load_rejects_a_text_file_and_pickled_objects(tmp_path):
    text = tmp_path / "notes.npz"
    text.write_text("these are my notes, not weights\n")
    assert "not a CNN Designer weights file (.npz)" in _load_error(text)
    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, **{"__spec__": np.array([{"a": 1}], dtype=object), "__meta__": np.array("{}")})
    assert "not a CNN Designer weights file (.npz)" in _load_error(pickled)
    single = tmp_path / "object.npy.npz"
    np.save(tmp_path / "object.npy", np.array([{"a": 1}], dtype=object))
    (tmp_path / "object.npy").rename(single)
    assert "not a CNN Designer weights file (.npz)" in _load_error(single)


def net_shape(key):
    return Network.from_spec(load_spec(PRESETS / "digits_net.json")).params[key].shape


def test_copy_keeps_the_seed_and_the_dropout_stream():
    spec = _spec((6, 6, 1), ConvSpec(3, 3), DropoutSpec(0.5), DenseSpec(3, "softmax"))
    net = Network.from_spec(spec, seed=7, dtype=np.float64)
    rng = np.random.default_rng(0)
    x, y = rng.random((8, 6, 6, 1)), rng.integers(0, 3, 8)
    net.train_step(x, y)                       # the dropout stream has moved on
    clone = net.copy()
    assert clone.seed == net.seed == 7
    loss, grads, _ = net.train_step(x, y)
    clone_loss, clone_grads, _ = clone.train_step(x, y)
    assert clone_loss == loss                  # the same dropout masks
    for key in grads:
        np.testing.assert_array_equal(clone_grads[key], grads[key])
    clone.params["CONV1.W"] += 1.0             # still independent weights
    assert not np.array_equal(clone.params["CONV1.W"], net.params["CONV1.W"])
