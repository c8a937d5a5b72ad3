"""ONNX files written by PyTorch come in as designs with their weights: for independent PyTorch models (a
LeNet, a small ResNet, an Inception-style module, a MobileNetV2-style block) exported with and without
constant folding, `summary` shows PyTorch's parameter count and `import` gives weights with which the
engine's logits equal PyTorch's; a full ResNet-50 comes in with its 25,557,032 parameters and PyTorch's logits (its speed and memory are
measured in benchmarks/bench_onnx_import.py)."""
import json
import time
import warnings

import numpy as np
import pytest

pytest.importorskip("onnx", reason='ONNX import needs the onnx package (pip install "cnn-designer[onnx]")')
torch = pytest.importorskip("torch", reason="these files are written by PyTorch's exporter (pip install torch)")

import torch_models as tm  # noqa: E402
from engine import Network, summarize  # noqa: E402
from engine.cli import main  # noqa: E402

MODELS = [tm.LeNet, tm.SmallResNet, tm.InceptionNet, tm.MobileNetV2Block]


def exported(model, path, fold, keep_batch_norm=True):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")        # the TorchScript exporter's deprecation notice
        return tm.export(model, path, fold, keep_batch_norm)


def cli(capsys, *args):
    status = main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert status == 0, err
    return out


def torch_logits(model, x_nhwc):
    with torch.no_grad():
        return model(torch.from_numpy(x_nhwc.transpose(0, 3, 1, 2).copy()).contiguous()).numpy()


def relative_error(got, expected):
    return np.max(np.abs(got - expected)) / max(np.max(np.abs(expected)), 1e-6)


@pytest.mark.parametrize("fold", [False, True], ids=["unfolded", "constant-folded"])
@pytest.mark.parametrize("model_class", MODELS, ids=lambda c: c.__name__)
def test_pytorch_models_come_in_with_their_parameter_count_and_logits(model_class, fold, tmp_path, capsys):
    torch.manual_seed(0)
    model = tm.with_trained_statistics(model_class())
    path = exported(model, tmp_path / "model.onnx", fold)

    table = json.loads(cli(capsys, "summary", path, "--json"))
    assert table["ok"] and table["total_params"] == tm.parameter_count(model)

    out = cli(capsys, "import", path, "-o", tmp_path / "design.json", "--weights", tmp_path / "weights.npz")
    assert "design.json" in out and f"{tm.parameter_count(model):,} parameters" in out
    net = Network.load(tmp_path / "weights.npz")
    assert net.spec.to_dict() == json.loads((tmp_path / "design.json").read_text())
    x = np.random.default_rng(1).random((4, *model.input_shape[1:], model.input_shape[0]), dtype=np.float32)
    assert relative_error(net.forward(x), torch_logits(model, x)) <= 1e-4


def test_the_import_keeps_the_model_s_structure_and_module_names(tmp_path):
    from engine.onnx_import import import_onnx
    torch.manual_seed(0)
    model = tm.with_trained_statistics(tm.SmallResNet())
    spec = import_onnx(exported(model, tmp_path / "resnet.onnx", fold=False), weights=False).spec
    rows = {row.name: row for row in summarize(spec).rows}
    # layer2 is a residual block whose shortcut is the downsampling conv and its batch norm
    assert rows["layer2"].kind == "residual" and [p.label for p in rows["layer2"].paths] == ["main", "shortcut"]
    assert [r.name for r in summarize(spec).rows if r.parent == "layer2" and r.branch == "shortcut"] == [
        "layer2.downsample.0", "layer2.downsample.1"]
    assert rows["layer1"].paths[1].layers == 0                       # identity shortcut
    assert rows["layer1"].output_shape == (8, 8, 8) and rows["layer2"].output_shape == (4, 4, 16)
    assert rows["maxpool"].padding == 1 and rows["conv1"].param_shapes == {"W": (3, 3, 3, 8)}
    # batch norm momentum comes back in PyTorch's convention, its statistics in Network.state
    bn = spec.layers[1]
    assert (bn.momentum, bn.epsilon) == (0.1, 1e-5)


def test_inception_branches_and_the_depthwise_conv_keep_their_kinds(tmp_path):
    from engine.onnx_import import import_onnx
    torch.manual_seed(0)
    inception = import_onnx(exported(tm.InceptionNet(), tmp_path / "inc.onnx", fold=True), weights=False).spec
    rows = {row.name: row for row in summarize(inception).rows}
    assert rows["inception"].kind == "concat" and rows["inception"].output_shape == (10, 10, 16)
    assert [p.output_shape for p in rows["inception"].paths] == [(10, 10, 4), (10, 10, 6), (10, 10, 3), (10, 10, 3)]
    assert rows["inception.branch4.0"].kind == "pool" and rows["inception.branch4.0"].padding == 1
    # the ReLU after the Concat is the activation of each branch's last layer
    assert all(getattr(path[-1], "activation") == "relu" for path in inception.layers[1].branches)

    mobile = import_onnx(exported(tm.with_trained_statistics(tm.MobileNetV2Block()), tmp_path / "mb.onnx", fold=False),
                         weights=False).spec
    rows = {row.name: row for row in summarize(mobile).rows}
    assert rows["depthwise.0"].kind == "depthwise" and rows["depthwise.0"].param_shapes["W"] == (3, 3, 8, 2)
    assert rows["block.conv.3"].kind == "depthwise" and rows["block.conv.3"].param_shapes["W"] == (3, 3, 64, 1)
    assert rows["block"].kind == "residual" and mobile.layers[4].activation == "linear"
    assert mobile.layers[1].activation == "relu6"


def test_batch_norms_folded_by_the_exporter_come_in_as_conv_biases(tmp_path, capsys):
    """PyTorch's default eval-mode export with constant folding folds each batch norm into the conv before
    it: the file holds conv biases instead (n per batch norm, not 2n), which is what the import shows; the
    logits are still PyTorch's."""
    torch.manual_seed(0)
    model = tm.with_trained_statistics(tm.SmallResNet())
    path = exported(model, tmp_path / "fused.onnx", fold=True, keep_batch_norm=False)
    channels = sum(m.num_features for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d))
    table = json.loads(cli(capsys, "summary", path, "--json"))
    assert table["total_params"] == tm.parameter_count(model) - channels
    cli(capsys, "import", path, "-o", tmp_path / "d.json", "--weights", tmp_path / "w.npz")
    x = np.random.default_rng(2).random((3, 16, 16, 3), dtype=np.float32)
    assert relative_error(Network.load(tmp_path / "w.npz").forward(x), torch_logits(model, x)) <= 1e-4


def test_resnet50_comes_in_with_25557032_parameters_in_seconds(tmp_path, capsys):
    from engine.onnx_import import load_onnx_network
    torch.manual_seed(0)
    model = tm.with_trained_statistics(tm.ResNet50())
    assert tm.parameter_count(model) == 25_557_032
    path = exported(model, tmp_path / "resnet50.onnx", fold=False)
    table = json.loads(cli(capsys, "summary", path, "--json"))
    assert table["total_params"] == 25_557_032
    assert [row["name"] for row in table["rows"][1:6]] == ["conv1", "bn1", "maxpool", "layer1.0", "layer1.1"]
    start = time.perf_counter()
    net = load_onnx_network(path)
    seconds = time.perf_counter() - start
    assert seconds < 60, f"importing took {seconds:.1f} s"     # a guard against a hang, not a speed goal
    x = np.random.default_rng(3).random((1, 224, 224, 3), dtype=np.float32)
    assert relative_error(net.forward(x), torch_logits(model, x)) <= 1e-4


class WithSoftmax(torch.nn.Module):
    """A model whose export ends in a Softmax (as many exported classifiers do)."""

    def __init__(self, model):
        super().__init__()
        self.model, self.input_shape = model, model.input_shape

    def forward(self, x):
        return torch.softmax(self.model(x), dim=1)


@pytest.mark.parametrize("opset", [11, 18])
def test_other_opsets_and_a_final_softmax(opset, tmp_path):
    """Opset 11 (Clip's bounds as inputs, Dropout's ratio as an attribute) and 18 (ReduceMean's axes as an
    input); the final Softmax becomes the output layer's softmax, and the engine's logits are the model's."""
    from engine.onnx_import import load_onnx_network
    torch.manual_seed(0)
    model = tm.with_trained_statistics(tm.MobileNetV2Block())
    path = tmp_path / "model.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(WithSoftmax(model).eval(), torch.zeros(2, *model.input_shape), str(path), dynamo=False,
                          opset_version=opset, input_names=["input"], output_names=["probabilities"],
                          dynamic_axes={"input": {0: "N"}})
    net = load_onnx_network(path)
    assert net.spec.layers[-1].activation == "softmax"
    x = np.random.default_rng(5).random((3, 16, 16, 1), dtype=np.float32)
    assert relative_error(net.forward(x), torch_logits(model, x)) <= 1e-4
