"""A Keras-style graph (what tf2onnx writes for a Sequential CNN): NHWC images transposed to NCHW first,
convs whose bias is a separate Add, batch norm with Keras's epsilon and momentum, a Transpose back to
channels-last before the Reshape that flattens, Dense as MatMul + Add, and a final Softmax. It is built
with onnx.helper here, run in onnxruntime, and must come in with the same logits and parameter count."""
import json

import numpy as np
import pytest

onnx = pytest.importorskip("onnx", reason='ONNX import needs the onnx package (pip install "cnn-designer[onnx]")')
ort = pytest.importorskip("onnxruntime", reason="the graph is run in onnxruntime (a test dependency)")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from engine import summarize  # noqa: E402
from engine.cli import main  # noqa: E402
from engine.onnx_import import import_onnx, load_onnx_network  # noqa: E402

RNG = np.random.default_rng(7)


def const(name, *shape, low=-0.5, high=0.5):
    return numpy_helper.from_array(RNG.uniform(low, high, shape).astype(np.float32), name)


def keras_model():
    weights = [
        const("conv2d/kernel", 4, 2, 3, 3), const("conv2d/bias", 1, 4, 1, 1),
        const("bn/gamma", 4, low=0.5, high=1.5), const("bn/beta", 4), const("bn/mean", 4),
        const("bn/var", 4, low=0.5, high=1.5),
        const("conv2d_1/kernel", 8, 4, 3, 3), const("conv2d_1/bias", 8),
        numpy_helper.from_array(np.array([-1, 8 * 3 * 3], np.int64), "flatten/shape"),
        const("dense/kernel", 72, 16), const("dense/bias", 16),
        const("dense_1/kernel", 16, 3), const("dense_1/bias", 3),
    ]
    nodes = [
        helper.make_node("Transpose", ["input_1"], ["nchw"], name="transpose_input", perm=[0, 3, 1, 2]),
        helper.make_node("Conv", ["nchw", "conv2d/kernel"], ["c1"], name="sequential/conv2d/Conv2D",
                         kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("Add", ["c1", "conv2d/bias"], ["c1b"], name="sequential/conv2d/BiasAdd"),
        helper.make_node("BatchNormalization", ["c1b", "bn/gamma", "bn/beta", "bn/mean", "bn/var"], ["bn"],
                         name="sequential/batch_normalization/FusedBatchNormV3", epsilon=1e-3, momentum=0.99),
        helper.make_node("Relu", ["bn"], ["r1"], name="sequential/conv2d/Relu"),
        helper.make_node("MaxPool", ["r1"], ["p1"], name="sequential/max_pooling2d/MaxPool",
                         kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Conv", ["p1", "conv2d_1/kernel", "conv2d_1/bias"], ["c2"], name="sequential/conv2d_1/Conv2D",
                         kernel_shape=[3, 3], auto_pad="VALID"),
        helper.make_node("Relu", ["c2"], ["r2"], name="sequential/conv2d_1/Relu"),
        helper.make_node("Transpose", ["r2"], ["nhwc"], name="sequential/conv2d_1/Relu__6", perm=[0, 2, 3, 1]),
        helper.make_node("Reshape", ["nhwc", "flatten/shape"], ["flat"], name="sequential/flatten/Reshape"),
        helper.make_node("MatMul", ["flat", "dense/kernel"], ["d1"], name="sequential/dense/MatMul"),
        helper.make_node("Add", ["d1", "dense/bias"], ["d1b"], name="sequential/dense/BiasAdd"),
        helper.make_node("Relu", ["d1b"], ["r3"], name="sequential/dense/Relu"),
        helper.make_node("MatMul", ["r3", "dense_1/kernel"], ["d2"], name="sequential/dense_1/MatMul"),
        helper.make_node("Add", ["d2", "dense_1/bias"], ["d2b"], name="sequential/dense_1/BiasAdd"),
        helper.make_node("Softmax", ["d2b"], ["dense_1"], name="sequential/dense_1/Softmax", axis=-1),
    ]
    graph = helper.make_graph(nodes, "tf2onnx", [helper.make_tensor_value_info("input_1", TensorProto.FLOAT,
                                                                              ["unk__1", 10, 10, 2])],
                              [helper.make_tensor_value_info("dense_1", TensorProto.FLOAT, ["unk__2", 3])], weights)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="tf2onnx")
    onnx.checker.check_model(model, full_check=True)
    return model


def test_a_keras_style_graph_comes_in_with_its_logits_and_parameter_count(tmp_path, capsys):
    model = keras_model()
    path = tmp_path / "keras.onnx"
    path.write_bytes(model.SerializeToString())
    x = RNG.random((4, 10, 10, 2), dtype=np.float32)
    probabilities = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, {"input_1": x})[0]

    imported = import_onnx(path)
    spec = imported.spec
    assert spec.input.shape == (10, 10, 2)                  # NHWC in, as the engine takes images
    summary = summarize(spec)
    weights = sum(int(np.prod(t.dims)) for t in model.graph.initializer if t.data_type == TensorProto.FLOAT)
    assert summary.total_params == weights - 2 * 4          # the running mean and variance are not parameters
    assert main(["summary", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["total_params"] == summary.total_params
    kinds = [row.kind for row in summary.rows[1:]]
    assert kinds == ["conv", "batchnorm", "pool", "conv", "flatten", "dense", "dense"]
    first, bn = spec.layers[0], spec.layers[1]
    assert (first.bias, first.activation, bn.activation, bn.epsilon, bn.momentum) == (True, "linear", "relu", 0.001, 0.01)
    assert spec.layers[3].padding == "valid" and spec.layers[-1].activation == "softmax"

    net = load_onnx_network(path)
    logits = net.forward(x)
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    np.testing.assert_allclose(shifted / shifted.sum(axis=1, keepdims=True), probabilities, rtol=1e-4, atol=1e-6)
    # the Transpose back to channels-last means the flatten is already in the engine's order: no reordering
    np.testing.assert_array_equal(net.params[f"{spec.layers[5].name}.W"],
                                  numpy_helper.to_array(model.graph.initializer[9]))
