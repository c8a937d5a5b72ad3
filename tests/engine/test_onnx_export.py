"""`export --to onnx`: every preset and random nested designs (residual and concat blocks inside each other,
batch norm with running statistics, depthwise convs, padded pools, global pooling, biases on and off, every
activation, dropout, flattens) become ONNX models that pass onnx.checker's full check, hold the table's
parameter count, and give the engine's logits in onnxruntime; importing them gives back the same design and
the same logits — exactly through the stored design, and from the graph alone when the metadata is gone."""
import json

import numpy as np
import pytest

onnx = pytest.importorskip("onnx", reason='ONNX export needs the onnx package (pip install "cnn-designer[onnx]")')
ort = pytest.importorskip("onnxruntime", reason="the exported models are run in onnxruntime (a test dependency)")

from engine import Network, NetworkSpec, load_spec, summarize  # noqa: E402
from engine.cli import main  # noqa: E402
from engine.export.onnx_graph import onnx_model, write_onnx  # noqa: E402
from engine.onnx_import import import_onnx, load_onnx_network  # noqa: E402
from engine.onnx_support import DESIGN_KEY, VERSION_KEY  # noqa: E402
from engine.resources import preset_names, preset_path  # noqa: E402
from engine.version import version  # noqa: E402

ACTIVATIONS = ["relu", "relu6", "leaky_relu", "tanh", "sigmoid", "linear"]
SMALL = 5_000_000        # presets with fewer parameters also run in onnxruntime


def relative_error(got, expected):
    return np.max(np.abs(got - expected)) / max(np.max(np.abs(expected)), 1e-6)


def run_onnx(path, x_nhwc):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(["logits"], {"input": np.ascontiguousarray(x_nhwc.transpose(0, 3, 1, 2))})[0]


def with_statistics(net: Network, seed: int) -> Network:
    """Nonzero biases and batch norms with running statistics and γ, β away from 0 and 1."""
    rng = np.random.default_rng(seed)
    for key, value in {**net.params, **net.state}.items():
        if key.endswith((".b", ".beta", ".running_mean")):
            value[...] = rng.normal(0, 0.3, value.shape)
        elif key.endswith((".gamma", ".running_var")):
            value[...] = rng.uniform(0.5, 1.5, value.shape)
    return net


# ----- random nested designs ---------------------------------------------------------------------------

def _act(rng):
    return ACTIVATIONS[rng.integers(0, len(ACTIVATIONS))]


def _same_size_layers(rng, channels, depth, out_channels=None):
    """Layers that keep the n_H×n_W of a volume of `channels` (so blocks' paths fit), nesting blocks, and
    end in a conv giving `out_channels` (default: `channels`)."""
    layers = []
    for _ in range(rng.integers(0, 3)):
        pick = rng.integers(0, 7 if depth < 2 else 4)
        if pick == 0:
            layers.append({"type": "batchnorm", "momentum": float(rng.choice([0.1, 0.01])),
                           "epsilon": float(rng.choice([1e-5, 1e-3])), "activation": _act(rng)})
        elif pick == 1:
            layers.append({"type": "depthwise", "size": 3, "padding": "same", "activation": _act(rng),
                           "bias": bool(rng.integers(0, 2))})
        elif pick == 2:
            layers.append({"type": "pool", "mode": str(rng.choice(["max", "avg"])), "size": 3, "stride": 1,
                           "padding": 1})
        elif pick == 3:
            layers.append({"type": "dropout", "rate": 0.25})
        elif pick == 4:
            layers.append(_residual(rng, channels, depth + 1))
        else:
            layers.append(_concat(rng, channels, depth + 1))
    layers.append({"type": "conv", "filters": out_channels or channels, "size": int(rng.choice([1, 3])),
                   "padding": "same",
                   "activation": _act(rng), "bias": bool(rng.integers(0, 2))})
    return layers


def _residual(rng, channels, depth):
    shortcut = [] if rng.random() < 0.6 else [{"type": "conv", "filters": channels, "size": 1, "bias": False,
                                                "activation": "linear"}, {"type": "batchnorm"}]
    return {"type": "residual", "activation": _act(rng), "layers": _same_size_layers(rng, channels, depth),
            "shortcut": shortcut}


def _concat(rng, channels, depth):
    """Branches whose channels add up to `channels` (an empty branch passes the input's through)."""
    first = int(rng.integers(1, channels)) if channels > 1 else 1
    branches = [_same_size_layers(rng, channels, depth, first)]
    rest = channels - first
    if rest:
        branches.append(_same_size_layers(rng, channels, depth, rest))
    if rng.random() < 0.3:
        return {"type": "residual", "layers": [{"type": "concat", "branches": branches}], "activation": _act(rng)}
    return {"type": "concat", "branches": branches}


def random_design(seed: int) -> NetworkSpec:
    rng = np.random.default_rng(seed)
    channels = int(rng.integers(2, 6))
    layers = [{"type": "conv", "filters": channels, "size": 3, "stride": int(rng.integers(1, 3)),
               "padding": int(rng.integers(0, 2)), "activation": _act(rng), "bias": bool(rng.integers(0, 2))}]
    for _ in range(rng.integers(1, 3)):
        layers.append(_residual(rng, channels, 0) if rng.random() < 0.5 else _concat(rng, channels, 0))
    ending = rng.integers(0, 3)
    if ending == 0:
        layers.append({"type": "globalpool", "mode": str(rng.choice(["avg", "max"]))})
    elif ending == 1:
        layers += [{"type": "pool", "mode": "max", "size": 2, "stride": 2}, {"type": "flatten"}]
    units = int(rng.integers(3, 7))
    if rng.random() < 0.5:        # vectors: batch norm of units, a residual and a concat of dense layers
        layers += [{"type": "dense", "units": units, "activation": "linear", "bias": False},
                   {"type": "batchnorm", "activation": _act(rng)},
                   {"type": "residual", "activation": _act(rng),
                    "layers": [{"type": "dense", "units": units, "activation": _act(rng)}]},
                   {"type": "concat", "branches": [[{"type": "dense", "units": 2, "activation": _act(rng)}], []]}]
    layers.append({"type": "dense", "units": int(rng.integers(2, 5)), "activation": "softmax"}
                  if rng.random() < 0.8 else {"type": "dense", "units": 1, "activation": "sigmoid"})
    return NetworkSpec.from_dict({"format": "cnn-designer/1", "name": f"random {seed}",
                                  "input": {"shape": [int(rng.integers(6, 10)), int(rng.integers(6, 10)),
                                                      int(rng.integers(1, 4))]},
                                  "layers": layers})


RANDOM = [random_design(seed) for seed in range(24)]


def kinds_used(spec):
    rows = summarize(spec).rows[1:]
    found = {row.kind for row in rows}
    found |= {f"nested {row.kind}" for row in rows if row.depth >= 2 and row.is_block}
    found |= {"padded pool" for row in rows if row.kind == "pool" and row.padding}
    found |= {f"activation {entry.layer.activation}" for entry in spec.walk() if hasattr(entry.layer, "activation")}
    found |= {"no bias" for entry in spec.walk() if getattr(entry.layer, "bias", True) is False}
    return found


def test_the_random_designs_are_valid_and_cover_every_kind():
    assert all(summarize(spec).ok for spec in RANDOM)
    seen = set().union(*(kinds_used(spec) for spec in RANDOM))
    wanted = {"conv", "pool", "padded pool", "dense", "flatten", "dropout", "batchnorm", "depthwise", "globalpool",
              "residual", "concat", "nested residual", "nested concat", "no bias",
              *(f"activation {a}" for a in ACTIVATIONS)}
    assert wanted <= seen, wanted - seen


def _exported(spec, tmp_path, seed=0):
    net = with_statistics(Network.from_spec(spec, seed=seed), seed)
    path = tmp_path / "model.onnx"
    write_onnx(spec, net.params, net.state, path)
    return net, path


@pytest.mark.parametrize("spec", RANDOM, ids=lambda s: s.name.replace(" ", "-"))
def test_random_nested_designs_run_in_onnxruntime_and_come_back(spec, tmp_path):
    net, path = _exported(spec, tmp_path)
    model = onnx.load(str(path))
    onnx.checker.check_model(model, full_check=True)
    x = np.random.default_rng(1).random((5, *spec.input.shape), dtype=np.float32)
    expected = net.forward(x)
    assert relative_error(run_onnx(path, x), expected) <= 1e-4

    back = import_onnx(path)                        # the design stored in the metadata, verified
    assert back.from_metadata and back.spec.to_dict() == spec.to_dict()
    assert set(back.params) == set(net.params) and set(back.state) == set(net.state)
    for key, value in {**net.params, **net.state}.items():
        np.testing.assert_array_equal({**back.params, **back.state}[key], value, err_msg=key)

    del model.metadata_props[:]                     # the graph alone: same count, same logits
    path.write_bytes(model.SerializeToString())
    graph_only = import_onnx(path)
    assert not graph_only.from_metadata
    assert summarize(graph_only.spec).total_params == summarize(spec).total_params
    rebuilt = Network(graph_only.spec, graph_only.params, np.float32, state=graph_only.state)
    assert relative_error(rebuilt.forward(x), expected) <= 1e-4


def _parameter_values(model) -> int:
    """Values in the initializers that hold parameters (running statistics and relu6's bounds aside)."""
    return sum(int(np.prod(t.dims)) for t in model.graph.initializer
               if not t.name.endswith((".running_mean", ".running_var")) and not t.name.startswith("relu6_"))


@pytest.mark.parametrize("name", preset_names())
def test_every_preset_exports_with_its_parameter_count(name, tmp_path):
    spec = load_spec(preset_path(name))
    summary = summarize(spec)
    small = summary.total_params < SMALL
    if small:
        net, path = _exported(spec, tmp_path)
        model = onnx.load(str(path))
        onnx.checker.check_model(model, full_check=True)
    else:   # big presets: zeros are enough for the checker (onnx_model runs its full check) and the count
        params = {f"{row.name}.{part}": np.zeros(shape, np.float32) for row in summary.rows[1:]
                  for part, shape in row.param_shapes.items()}
        state = {f"{row.name}.{part}": np.ones(shape, np.float32) for row in summary.rows[1:]
                 for part, shape in row.state_shapes.items()}
        model = onnx_model(spec, params, state)
    assert _parameter_values(model) == summary.total_params
    assert [d.dim_param or d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim] == [
        "N", spec.input.shape[2], spec.input.shape[0], spec.input.shape[1]]
    assert (model.opset_import[0].version, model.graph.input[0].name, model.graph.output[0].name) == (
        17, "input", "logits")
    if small:
        x = np.random.default_rng(2).integers(0, 256, (3, *spec.input.shape), dtype=np.uint8)
        # uint8 pixels: the engine divides them by 255; the ONNX model takes the values it sees
        assert relative_error(run_onnx(path, x.astype(np.float32) / 255), net.forward(x)) <= 1e-4
    if summary.total_params < 30_000_000:     # the graph alone (no metadata) comes back with the same table
        del model.metadata_props[:]
        (tmp_path / "graph.onnx").write_bytes(model.SerializeToString())
        back = summarize(import_onnx(tmp_path / "graph.onnx", weights=False).spec)
        assert back.total_params == summary.total_params and back.total_macs == summary.total_macs
        assert [row.output_shape for row in back.top_level_rows if row.kind != "flatten"] == [
            row.output_shape for row in summary.top_level_rows if row.kind not in ("flatten", "dropout")]


def test_the_exporter_runs_the_full_checker(monkeypatch):
    """onnx_model refuses to hand out a model the checker rejects (here: a checker that always rejects)."""
    def reject(model, full_check=False):
        assert full_check
        raise onnx.checker.ValidationError("rejected")
    monkeypatch.setattr(onnx.checker, "check_model", reject)
    spec = load_spec(preset_path("lenet5"))
    net = Network.from_spec(spec)
    with pytest.raises(onnx.checker.ValidationError):
        onnx_model(spec, net.params, net.state)


def test_layer_names_are_node_names_and_the_metadata_holds_the_design_and_version(tmp_path):
    spec = load_spec(preset_path("lenet5"))
    net, path = _exported(spec, tmp_path)
    model = onnx.load(str(path))
    names = [node.name for node in model.graph.node]
    assert {"CONV1", "POOL1", "CONV2", "POOL2", "FC3", "FC4", "Softmax"} <= set(names)
    assert [node.op_type for node in model.graph.node if node.name == "CONV1"] == ["Conv"]
    props = {p.key: p.value for p in model.metadata_props}
    assert json.loads(props[DESIGN_KEY]) == spec.to_dict() and props[VERSION_KEY] == version()
    assert model.producer_name == "CNN Designer"
    # the dense layer after a volume: a Transpose to channels-last, then Flatten, then Gemm with W as it is
    ops = [node.op_type for node in model.graph.node]
    assert ops[ops.index("Gemm") - 2: ops.index("Gemm") + 1] == ["Transpose", "Flatten", "Gemm"]
    W = next(t for t in model.graph.initializer if t.name == "FC3.W")
    np.testing.assert_array_equal(onnx.numpy_helper.to_array(W), net.params["FC3.W"])


def test_the_cli_exports_with_saved_weights_and_round_trips(tmp_path, capsys):
    spec = RANDOM[3]
    net = with_statistics(Network.from_spec(spec, seed=5), 5)
    (tmp_path / "design.json").write_text(spec.to_json())
    net.save(tmp_path / "run.npz")
    assert main(["export", str(tmp_path / "design.json"), "--to", "onnx", "-o", str(tmp_path / "m.onnx"),
                 "--weights", str(tmp_path / "run.npz")]) == 0
    assert "the weights of" in capsys.readouterr().out
    back = load_onnx_network(tmp_path / "m.onnx")
    x = np.random.default_rng(4).random((2, *spec.input.shape), dtype=np.float32)
    np.testing.assert_array_equal(back.forward(x), net.forward(x))
    # without --weights: fresh weights, said so; an .onnx design brings its own weights onward
    assert main(["export", "lenet5", "--to", "onnx", "-o", str(tmp_path / "fresh.onnx")]) == 0
    assert "freshly initialised" in capsys.readouterr().out
    assert main(["export", str(tmp_path / "m.onnx"), "--to", "onnx", "-o", str(tmp_path / "again.onnx")]) == 0
    np.testing.assert_array_equal(load_onnx_network(tmp_path / "again.onnx").forward(x), net.forward(x))


def test_a_kind_without_an_onnx_export_is_refused_in_one_line(monkeypatch, tmp_path, capsys):
    from engine.kinds import LayerKind, kind_for
    monkeypatch.setattr(type(kind_for("globalpool")), "onnx_export", LayerKind.onnx_export)
    spec = NetworkSpec.from_dict({"format": "cnn-designer/1", "input": {"shape": [4, 4, 2]},
                                  "layers": [{"type": "globalpool", "name": "pool_all"},
                                             {"type": "dense", "units": 2, "activation": "softmax"}]})
    (tmp_path / "d.json").write_text(spec.to_json())
    assert main(["export", str(tmp_path / "d.json"), "--to", "onnx", "-o", str(tmp_path / "m.onnx")]) == 2
    assert capsys.readouterr().err == "error: pool_all: a globalpool layer can't be exported to ONNX yet\n"
    assert not (tmp_path / "m.onnx").exists()
