"""Saliency and Grad-CAM (engine.inspection) against PyTorch autograd in float64, on the same network and
weights: random nested designs of every kind (blocks, batch norm in inference mode with non-trivial running
statistics, depthwise, global pooling, padded pooling, dropout), presets, a sigmoid output; the class given
(one for all, one per image) and predicted; every layer Grad-CAM can use, inner layers of blocks included.
The PyTorch side is built here from the spec (torch.nn.functional), never by engine/export/pytorch.py.

Then what the functions promise besides the numbers: the default layer, the messages, batching, dtype, and
that the network does not change (weights, running statistics, the dropout stream).
"""
import numpy as np
import pytest

from engine import Network, NetworkSpec, load_spec
from engine.functional import LEAKY_RELU_SLOPE
from engine.inspection import (default_grad_cam_layer, explain, grad_cam, grad_cam_layers, saliency)
from engine.resources import preset_path
from engine.spec import FORMAT

torch = pytest.importorskip("torch", reason="the PyTorch comparisons need torch (pip install torch)")
TF = torch.nn.functional

from test_week2_torch import SEEDS, random_nested_doc   # noqa: E402  (tests/engine is on sys.path under pytest)

ACT = {"relu": TF.relu, "relu6": TF.relu6, "tanh": torch.tanh, "sigmoid": torch.sigmoid, "linear": lambda t: t,
       "leaky_relu": lambda t: TF.leaky_relu(t, LEAKY_RELU_SLOPE)}


# ----- the design as torch computations (inference mode), every layer's output kept ------------------------

def _pad(layer, f):
    return {"same": (f - 1) // 2, "valid": 0}.get(layer.padding, layer.padding)


class TorchModel:
    """float64 torch ops over tensors copied from `net`'s params and state; `outputs` maps every layer name
    to its output tensor (NCHW or (N, n)), so autograd can give the gradient at any of them."""

    def __init__(self, net):
        self.p = {k: torch.tensor(v, dtype=torch.float64) for k, v in net.params.items()}
        self.s = {k: torch.tensor(v, dtype=torch.float64) for k, v in net.state.items()}
        self.names = {id(entry.layer): entry.name for entry in net.spec.walk()}
        self.spec = net.spec
        self.outputs = {}

    def __call__(self, x):
        self.outputs = {}
        return self.run(self.spec.layers, x, output_last=True)

    def run(self, layers, x, output_last=False):
        for i, layer in enumerate(layers):
            x = self.layer(layer, x, output_last and i == len(layers) - 1)
        return x

    def layer(self, layer, x, is_output):
        name = self.names[id(layer)]
        p = lambda key: self.p[f"{name}.{key}"]
        kind, act = layer.type, ACT.get(getattr(layer, "activation", "linear"), None)
        if kind == "conv":
            y = act(TF.conv2d(x, p("W").permute(3, 2, 0, 1), p("b") if layer.bias else None,
                              stride=layer.stride, padding=_pad(layer, layer.size)))
        elif kind == "depthwise":
            f, _, c, k = p("W").shape
            y = act(TF.conv2d(x, p("W").permute(2, 3, 0, 1).reshape(c * k, 1, f, f), p("b") if layer.bias else None,
                              stride=layer.stride, padding=_pad(layer, f), groups=c))
        elif kind == "pool":
            pad = _pad(layer, layer.size)
            y = (TF.max_pool2d(x, layer.size, layer.stride, padding=pad) if layer.mode == "max" else
                 TF.avg_pool2d(x, layer.size, layer.stride, padding=pad, count_include_pad=False))
        elif kind == "globalpool":
            y = x.mean(dim=(2, 3), keepdim=True) if layer.mode == "avg" else x.amax(dim=(2, 3), keepdim=True)
        elif kind == "batchnorm":
            y = act(TF.batch_norm(x, self.s[f"{name}.running_mean"], self.s[f"{name}.running_var"], p("gamma"),
                                  p("beta"), training=False, eps=layer.epsilon))
        elif kind in ("flatten", "dense"):
            if x.dim() == 4:                                     # the engine flattens (H, W, C)
                x = x.permute(0, 2, 3, 1).reshape(x.shape[0], -1)
            y = x if kind == "flatten" else x @ p("W") + (p("b") if layer.bias else 0)
            if kind == "dense" and not is_output:
                y = act(y)
        elif kind == "dropout":
            y = x
        elif kind == "residual":
            y = act(self.run(layer.layers, x) + self.run(layer.shortcut, x))
        elif kind == "concat":
            y = torch.cat([self.run(branch, x) for branch in layer.branches], dim=1)
        else:
            raise AssertionError(f"no torch version of {kind}")
        self.outputs[name] = y
        return y


def nhwc(t):
    return t.detach().permute(0, 2, 3, 1).numpy() if t.dim() == 4 else t.detach().numpy()


def torch_maps(net, x, classes, layers):
    """(saliency (m, n_H, n_W), {layer: Grad-CAM (m, h, w)}, logits) by autograd for the given classes."""
    model = TorchModel(net)
    xt = torch.tensor(x.transpose(0, 3, 1, 2), dtype=torch.float64, requires_grad=True)
    logits = model(xt)
    rows = torch.arange(len(x))
    if logits.shape[1] == 1:                   # one sigmoid unit: class 1 is z, class 0 is −z
        score = (logits[:, 0] * torch.tensor(np.where(classes == 1, 1.0, -1.0))).sum()
    else:
        score = logits[rows, torch.tensor(classes)].sum()
    tensors = [model.outputs[name] for name in layers]
    grads = torch.autograd.grad(score, [xt] + tensors)
    sal = np.abs(nhwc(grads[0])).max(axis=-1)
    cams = {}
    for name, A, dA in zip(layers, tensors, grads[1:]):
        A, dA = nhwc(A), nhwc(dA)
        cams[name] = np.maximum(np.einsum("mhwc,mc->mhw", A, dA.mean(axis=(1, 2))), 0)
    return sal, cams, logits.detach().numpy()


def assert_equal(got, reference):
    """Equal to 1e-8 (relative to the map's scale when it is above 1)."""
    assert got.shape == reference.shape
    assert np.max(np.abs(got - reference), initial=0) <= 1e-8 * max(1.0, np.max(np.abs(reference), initial=0))


def randomized(spec, seed):
    net = Network.from_spec(spec, seed=seed, dtype=np.float64)
    rng = np.random.default_rng(seed)
    for value in net.params.values():
        value += 0.2 * rng.standard_normal(value.shape)
    for key, value in net.state.items():         # running statistics far from 0 and 1: inference mode shows
        value[...] = rng.uniform(0.5, 1.5, value.shape) if key.endswith("var") else rng.normal(0, 0.3, value.shape)
    return net, rng


def compare(net, rng, m=3):
    x = rng.standard_normal((m, *net.input_shape))
    layers = grad_cam_layers(net)
    k = net.num_classes
    for class_index in (None, int(rng.integers(0, k)), rng.integers(0, k, m)):
        predicted = net.classes_from_logits(net.forward(x))
        classes = predicted if class_index is None else np.broadcast_to(class_index, (m,))
        ref_sal, ref_cams, logits = torch_maps(net, x, classes, layers)
        np.testing.assert_allclose(net.forward(x), logits, rtol=1e-10, atol=1e-12)
        assert np.max(ref_sal) > 0
        assert_equal(saliency(net, x, class_index), ref_sal)
        for name in layers:
            assert_equal(grad_cam(net, x, name, class_index), ref_cams[name])
        whole = explain(net, x, class_index)              # both maps from one pass, default layer
        assert_equal(whole.saliency, ref_sal)
        assert_equal(whole.grad_cam, ref_cams[default_grad_cam_layer(net)])
        np.testing.assert_array_equal(whole.classes, classes)
        np.testing.assert_array_equal(whole.predicted, predicted)
    return layers


@pytest.mark.parametrize("seed", SEEDS)
def test_random_nested_designs_equal_pytorch(seed):
    spec = NetworkSpec.from_dict(random_nested_doc(seed))
    net, rng = randomized(spec, seed)
    layers = compare(net, rng)
    inner = {entry.name for entry in spec.walk() if entry.depth > 0}
    assert inner & set(layers), "inner layers of blocks are compared too"


def design(layers, shape):
    return NetworkSpec.from_dict({"format": FORMAT, "input": {"shape": list(shape)}, "layers": layers})


SMALL = {
    "digits net": (load_spec(preset_path("digits_net")), None),
    "resnet_small at 12×12": (load_spec(preset_path("resnet_small")), (12, 12, 3)),
    "mobilenet_small at 12×12": (load_spec(preset_path("mobilenet_small")), (12, 12, 1)),
    "sigmoid output after flatten and dropout, leaky relu, avg pool": (design([
        {"type": "conv", "filters": 3, "size": 3, "activation": "leaky_relu"},
        {"type": "pool", "mode": "avg", "size": 2, "stride": 2},
        {"type": "batchnorm", "activation": "sigmoid"}, {"type": "flatten"}, {"type": "dropout", "rate": 0.5},
        {"type": "dense", "units": 1, "activation": "sigmoid"}], (9, 8, 2)), None),
    "concat of a depthwise branch and a strided conv branch, tanh, max global pool": (design([
        {"type": "concat", "branches": [
            [{"type": "depthwise", "size": 3, "stride": 2, "padding": 1, "multiplier": 2, "activation": "tanh"}],
            [{"type": "conv", "filters": 2, "size": 3, "stride": 2, "padding": 1, "bias": False}]]},
        {"type": "globalpool", "mode": "max"}, {"type": "dense", "units": 4, "activation": "softmax"}], (7, 7, 2)),
        None),
}


@pytest.mark.parametrize("name", list(SMALL))
def test_presets_and_hand_made_designs_equal_pytorch(name):
    spec, shape = SMALL[name]
    if shape:
        spec.input.shape = shape
    net, rng = randomized(spec, 3)
    compare(net, rng, m=2)


# ----- what else the functions promise ---------------------------------------------------------------------

def test_the_default_layer_is_the_last_volume_with_positions():
    net = Network.from_spec(load_spec(preset_path("digits_net")))
    assert default_grad_cam_layer(net) == "POOL2"                     # 2×2×32, before the FC layers
    assert grad_cam_layers(net) == ["CONV1", "POOL1", "CONV2", "POOL2"]
    spec = load_spec(preset_path("resnet_small"))
    spec.input.shape = (12, 12, 3)
    net = Network.from_spec(spec)
    last_block = [row for row in net.summary.top_level_rows if row.is_block][-1]
    # a block's output is its join (after its inner layers); the global pool's 1×1 has no positions
    assert default_grad_cam_layer(net) == last_block.name
    assert net.summary.rows[-2].output_shape[:2] == (1, 1) and net.summary.rows[-2].name not in grad_cam_layers(net)
    assert grad_cam(net, np.zeros((1, 12, 12, 3))).shape == (1, *last_block.output_shape[:2])


def test_a_sigmoid_output_explains_class_1_by_z_and_class_0_by_minus_z():
    spec = design([{"type": "conv", "filters": 3, "size": 3, "activation": "relu"},
                   {"type": "dense", "units": 1, "activation": "sigmoid"}], (6, 6, 1))
    net, rng = randomized(spec, 1)
    x = rng.standard_normal((4, 6, 6, 1))
    np.testing.assert_array_equal(saliency(net, x, 0), saliency(net, x, 1))
    A = dict(net.activations(x))["CONV1"]
    for k, sign in ((1, 1.0), (0, -1.0)):
        seed = np.full((4, 1), sign)
        probe = net.probe(x, seed, names=["CONV1"])
        expected = np.maximum(np.einsum("mhwc,mc->mhw", A, probe.output_grads["CONV1"].mean(axis=(1, 2))), 0)
        np.testing.assert_allclose(grad_cam(net, x, "CONV1", k), expected, rtol=1e-12)
    predicted = (net.forward(x)[:, 0] > 0).astype(int)
    np.testing.assert_array_equal(explain(net, x).classes, predicted)
    both = explain(net, x, 1).probabilities
    np.testing.assert_allclose(both, net.predict_proba(x), rtol=1e-12)
    assert both.shape == (4, 2)


def test_batches_give_the_whole_batchs_maps_and_float32_stays_float32():
    net = Network.from_spec(load_spec(preset_path("digits_net")), seed=0)
    x = np.random.default_rng(0).random((5, 8, 8, 1)).astype(np.float32)
    whole = explain(net, x, layer_name="CONV2")
    parts = explain(net, x, layer_name="CONV2", batch_size=2)
    np.testing.assert_allclose(parts.saliency, whole.saliency, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(parts.grad_cam, whole.grad_cam, rtol=1e-5, atol=1e-7)
    assert whole.saliency.dtype == whole.grad_cam.dtype == np.float32
    assert whole.saliency.shape == (5, 8, 8) and whole.grad_cam.shape == (5, 4, 4) and whole.layer == "CONV2"
    np.testing.assert_allclose(whole.probabilities.sum(axis=1), 1, rtol=1e-5)
    assert saliency(net, x[:0]).shape == (0, 8, 8) and grad_cam(net, x[:0]).shape == (0, 2, 2)
    pixels = (x * 255).astype(np.uint8)        # uint8 images are the network's input divided by 255
    np.testing.assert_allclose(saliency(net, pixels), saliency(net, pixels.astype(np.float32) / 255), rtol=1e-6)


def test_the_network_does_not_change():
    spec = design([{"type": "conv", "filters": 3, "size": 3}, {"type": "batchnorm"}, {"type": "dropout", "rate": 0.5},
                   {"type": "dense", "units": 3, "activation": "softmax"}], (6, 6, 1))
    net, rng = randomized(spec, 2)
    before = {k: v.copy() for k, v in {**net.params, **net.state}.items()}
    stream = net._dropout_rng.rng.bit_generator.state
    x = rng.standard_normal((3, 6, 6, 1))
    first = explain(net, x)
    again = explain(net, x)
    for key, value in {**net.params, **net.state}.items():
        np.testing.assert_array_equal(value, before[key], err_msg=key)
    assert net._dropout_rng.rng.bit_generator.state == stream
    np.testing.assert_array_equal(first.saliency, again.saliency)       # no dropout in the pass
    np.testing.assert_array_equal(first.grad_cam, again.grad_cam)


@pytest.mark.parametrize("call, message", [
    (lambda net, x: saliency(net, x, 10), r"class 10 is outside 0\.\.9 \(this network has 10 classes\)"),
    (lambda net, x: saliency(net, x, -1), r"class -1 is outside 0\.\.9"),
    (lambda net, x: saliency(net, x, 2.5), r"class_index must be a whole number \(0\.\.9\)"),
    (lambda net, x: saliency(net, x, True), r"class_index must be a whole number"),
    (lambda net, x: saliency(net, x, [1, 2, 3]), r"class_index holds 3 classes for 2 images"),
    (lambda net, x: grad_cam(net, x, "FC3"), r"FC3: its output is the vector \(64,\), not a volume"),
    (lambda net, x: grad_cam(net, x, "CONV9"), r"no layer 'CONV9' in this network \(layers with a volume "
                                               r"output: CONV1, POOL1, CONV2, POOL2\)"),
    (lambda net, x: saliency(net, x[0]), r"images must be a batch \(m, n_H, n_W, n_C\) of 8×8×1 images"),
    (lambda net, x: saliency(net, np.zeros((1, 9, 8, 1))), r"the network expects images of 8×8×1"),
])
def test_wrong_requests_are_messages(call, message):
    net = Network.from_spec(load_spec(preset_path("digits_net")))
    with pytest.raises(ValueError, match=message):
        call(net, np.zeros((2, 8, 8, 1)))


def test_a_design_without_volumes_has_no_grad_cam():
    net = Network.from_spec(design([{"type": "flatten"}, {"type": "dense", "units": 3, "activation": "softmax"}],
                                   (4, 4, 1)))
    x = np.ones((1, 4, 4, 1))
    assert grad_cam_layers(net) == [] and default_grad_cam_layer(net) is None
    with pytest.raises(ValueError, match="Grad-CAM needs a layer whose output is a volume"):
        grad_cam(net, x)
    result = explain(net, x)
    assert result.grad_cam is None and result.layer is None and result.saliency.shape == (1, 4, 4)
