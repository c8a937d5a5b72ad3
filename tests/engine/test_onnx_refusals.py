"""What can't come in is refused in one line naming the file, the node and the reason, never a traceback:
files that are not ONNX, cut short or damaged; operators the designer can't express (an LSTM); features it
lacks (a dilated or unevenly padded conv, ceil-mode pooling, ...); graphs that are not a chain of blocks;
external data outside the model's folder; sizes declared far beyond the data. Hostile files go through
`summary` and `import` in a child process under a memory limit and a timeout; the small graphs that probe
single features are imported in this process."""
import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

onnx = pytest.importorskip("onnx", reason='ONNX import needs the onnx package (pip install "cnn-designer[onnx]")')
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from engine import Network, load_spec  # noqa: E402
from engine.export.onnx_graph import onnx_model  # noqa: E402
from engine.onnx_import import OnnxImportError, import_onnx  # noqa: E402
from engine.resources import preset_path  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
MEMORY_LIMIT = 1 << 30          # the child's address space: a reader that allocates what a file declares dies


CHILD = """
import contextlib, io, json, sys
from engine.cli import main
results = []
for args in json.loads(sys.argv[1]):
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        status = main(args)
    results.append([status, err.getvalue()])
print(json.dumps(results))
"""


def _limit():
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def child(*commands, cwd):
    """Each command (a list of arguments) through the command line's main() in one child process with at
    most MEMORY_LIMIT of address space and 60 s: [(exit status, stderr)]."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", CHILD, json.dumps([[str(a) for a in c] for c in commands])],
                            cwd=cwd, env=env, capture_output=True, text=True, timeout=60, preexec_fn=_limit)
    assert result.returncode == 0 and not result.stderr, result.stderr[-2000:]
    return json.loads(result.stdout)


def one_line(status, err, name, *words) -> str:
    """Exit status 2 and one line "error: <name>: ..." holding `words`."""
    lines = err.strip().splitlines()
    assert status == 2 and len(lines) == 1 and "Traceback" not in err, err
    assert lines[0].startswith(f"error: {name}"), lines[0]
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def lenet_bytes() -> bytes:
    spec = load_spec(preset_path("lenet5"))
    net = Network.from_spec(spec)
    model = onnx_model(spec, net.params, net.state)
    del model.metadata_props[:]
    return model.SerializeToString()


def graph(nodes, initializers, input_shape=("N", 1, 8, 8), opset=17, inputs=None):
    value_inputs = inputs or [helper.make_tensor_value_info("input", TensorProto.FLOAT, list(input_shape))]
    model = helper.make_model(
        helper.make_graph(nodes, "g", value_inputs, [helper.make_tensor_value_info("out", TensorProto.FLOAT, None)],
                          initializers), opset_imports=[helper.make_opsetid("", opset)])
    return model


def weight(name, *shape):
    return numpy_helper.from_array(np.random.default_rng(0).normal(size=shape).astype(np.float32), name)


def conv_net(**conv_attributes):
    """input 1×8×8 → Conv (4 filters 3×3 with the given attributes) → Flatten → Gemm."""
    kernel = conv_attributes.pop("kernel", (3, 3))
    nodes = [helper.make_node("Conv", ["input", "W"], ["c"], name="conv_1", **conv_attributes),
             helper.make_node("Flatten", ["c"], ["f"], name="flatten"),
             helper.make_node("Gemm", ["f", "D"], ["out"], name="fc", transB=1)]
    return nodes, [weight("W", 4, 1, *kernel)]


def write(tmp_path, model, name="model.onnx") -> Path:
    path = tmp_path / name
    path.write_bytes(model.SerializeToString() if not isinstance(model, bytes) else model)
    return path


# ----- hostile files, through the command line in a child process -------------------------------------------

def _external(folder, name, location, length=None, offset=None):
    """A conv net whose conv weights live in external data at `location` (with its offset and length)."""
    nodes, _ = conv_net(kernel_shape=[3, 3])
    tensor = TensorProto()
    tensor.name, tensor.data_type = "W", TensorProto.FLOAT
    tensor.dims.extend([4, 1, 3, 3])
    tensor.data_location = TensorProto.EXTERNAL
    for key, value in (("location", location), ("length", length), ("offset", offset)):
        if value is not None:
            entry = tensor.external_data.add()
            entry.key, entry.value = key, str(value)
    return write(folder, graph(nodes, [tensor, weight("D", 3, 144)]), name)


def _bomb(rows, columns=144):
    """An FC matrix of `rows` units × `columns` inputs declared, holding four bytes."""
    bomb = TensorProto()
    bomb.name, bomb.data_type, bomb.raw_data = "D", TensorProto.FLOAT, b"\0\0\0\0"
    bomb.dims.extend([rows, columns])
    nodes, weights = conv_net(kernel_shape=[3, 3])
    return graph(nodes, weights + [bomb])


CUTS = [5, 300, 2000, 40_000, -9]
EXTERNAL = {"dotdot.onnx": "../secret.bin", "absolute.onnx": "/etc/hostname", "climbing.onnx": "sub/../../secret.bin",
            "link.onnx": "link.bin"}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """Every hostile file, and what `summary` and `import` said of each: {file name: [(status, stderr)]}.
    One child process runs all the commands (each through main(), as main.py would)."""
    root = tmp_path_factory.mktemp("hostile")
    models = root / "models"
    models.mkdir()
    (root / "secret.bin").write_bytes(np.ones(36, np.float32).tobytes())
    (models / "link.bin").symlink_to(root / "secret.bin")
    (models / "w.bin").write_bytes(b"\0" * 8 + np.arange(36, dtype=np.float32).tobytes())
    data = lenet_bytes()
    files = [write(models, np.random.default_rng(1).bytes(4096), "random.onnx"),
             write(models, data[: len(data) // 2], "truncated.onnx")]
    files += [write(models, data[:cut], f"cut{cut}.onnx") for cut in CUTS]
    lstm = [helper.make_node("LSTM", ["input", "W", "R"], ["out"], name="lstm_1", hidden_size=4)]
    files.append(write(models, graph(lstm, [weight("W", 1, 16, 8), weight("R", 1, 16, 4)], input_shape=("N", 5, 8)),
                       "lstm.onnx"))
    nodes, weights = conv_net(kernel_shape=[3, 3], dilations=[2, 2])
    files.append(write(models, graph(nodes, weights + [weight("D", 3, 16)]), "dilated.onnx"))
    files += [_external(models, name, location) for name, location in EXTERNAL.items()]
    files += [_external(models, "past_the_end.onnx", "w.bin", offset=100),
              _external(models, "wrong_length.onnx", "w.bin", length=12)]
    files += [write(models, _bomb(100_000, 256), "bomb_shape.onnx"), write(models, _bomb(1_000_000), "bomb.onnx")]
    commands = []
    for path in files:
        commands += [["summary", path.name],
                     ["import", path.name, "-o", f"{path.stem}.json", "--weights", f"{path.stem}.npz"]]
    results = child(*commands, cwd=models)
    said = {path.name: results[2 * i: 2 * i + 2] for i, path in enumerate(files)}
    said["written"] = sorted(p.name for p in models.glob("*.json")) + sorted(p.name for p in models.glob("*.npz"))
    return said


def refused_by_both(hostile, name, *words) -> str:
    """`summary` and `import` both refuse `name` in one line holding `words` (and nothing was written)."""
    lines = [one_line(status, err, f"{name}: ", *words) for status, err in hostile[name]]
    assert f"{name[:-5]}.json" not in hostile["written"]
    return lines[0]


def test_random_bytes_and_other_files_are_not_onnx(hostile, tmp_path):
    assert "not an ONNX model" in refused_by_both(hostile, "random.onnx")
    with pytest.raises(OnnxImportError, match=r"^design.onnx: not an ONNX model: it is a JSON text"):
        import_onnx(write(tmp_path, load_spec(preset_path("lenet5")).to_json().encode(), "design.onnx"))
    with pytest.raises(OnnxImportError, match=r"^empty.onnx: the file is empty"):
        import_onnx(write(tmp_path, b"", "empty.onnx"))


def test_a_truncated_model_is_refused(hostile):
    refused_by_both(hostile, "truncated.onnx", "not an ONNX model")


def test_every_cut_is_a_model_or_one_line(hostile):
    """Cut anywhere (a protobuf cut at a field boundary still parses, minus what followed): the file is a
    design or one line, never a traceback."""
    for cut in CUTS:
        for status, err in hostile[f"cut{cut}.onnx"]:
            assert status in (0, 2) and "Traceback" not in err, (cut, err)
            assert status == 0 or len(err.strip().splitlines()) == 1, (cut, err)


def test_main_py_itself_refuses_in_one_line(tmp_path):
    """The real entry point (main.py, the launcher) in a child process: exit status 2, one line."""
    path = write(tmp_path, np.random.default_rng(2).bytes(1000))
    result = subprocess.run([sys.executable, str(ROOT / "main.py"), "summary", str(path)], cwd=tmp_path,
                            capture_output=True, text=True, timeout=60, preexec_fn=_limit)
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert result.stderr.startswith("error: model.onnx: not an ONNX model")


def test_an_lstm_is_named_and_refused(hostile):
    line = refused_by_both(hostile, "lstm.onnx", "node 'lstm_1' is an LSTM")
    assert line.endswith("CNN Designer imports convolutional networks only")


def test_a_dilated_conv_is_named_and_refused(hostile):
    refused_by_both(hostile, "dilated.onnx", "node 'conv_1' is a dilated convolution", "dilations (2, 2)")


@pytest.mark.parametrize("name", EXTERNAL)
def test_external_data_outside_the_model_s_folder_is_never_read(hostile, name):
    refused_by_both(hostile, name, "tensor 'W'", "outside the model's folder")


def test_external_data_that_runs_past_its_file_or_disagrees_with_its_tensor(hostile):
    refused_by_both(hostile, "past_the_end.onnx", "runs past the end")
    refused_by_both(hostile, "wrong_length.onnx", "declares 144 bytes")


def test_sizes_declared_far_beyond_the_data_are_refused_before_allocating(hostile):
    """Matrices declared far larger than the four bytes of data they hold: refused before anything that size
    is allocated (a million rows of 144 values is more than the child may allocate: the memory guard)."""
    refused_by_both(hostile, "bomb_shape.onnx", "expects 256 inputs but gets 144")
    status, err = hostile["bomb.onnx"][1]
    one_line(status, err, "bomb.onnx needs about", "GB")


def test_external_data_inside_the_folder_is_read_after_its_size_is_checked(tmp_path):
    values = np.arange(36, dtype=np.float32)
    (tmp_path / "w.bin").write_bytes(b"\0" * 8 + values.tobytes())
    path = _external(tmp_path, "model.onnx", "w.bin", offset=8)
    imported = import_onnx(path)
    np.testing.assert_array_equal(imported.params["conv_1.W"], values.reshape(4, 1, 3, 3).transpose(2, 3, 1, 0))


# ----- single features, in this process ---------------------------------------------------------------------

def refusal(tmp_path, model) -> str:
    with pytest.raises(OnnxImportError) as caught:
        import_onnx(write(tmp_path, model))
    message = str(caught.value)
    assert "\n" not in message and message.startswith("model.onnx: ")
    return message


def conv_case(**attributes):
    nodes, weights = conv_net(**attributes)
    return graph(nodes, weights + [weight("D", 3, 4 * 36)])


@pytest.mark.parametrize("attributes, words", [
    (dict(kernel_shape=[3, 3], pads=[1, 1, 0, 0]), "pads its sides unevenly (pads [1, 1, 0, 0]"),
    (dict(kernel_shape=[3, 3], strides=[1, 2]), "strides (1, 2)"),
    (dict(kernel=(3, 1), kernel_shape=[3, 1]), "3×1 window"),
    (dict(kernel_shape=[3, 3], auto_pad="SAME_UPPER", strides=[2, 2]), "auto_pad SAME_UPPER"),
])
def test_conv_features_the_engine_lacks_are_named(tmp_path, attributes, words):
    assert words in refusal(tmp_path, conv_case(**attributes))


def test_grouped_conv_other_than_depthwise_is_refused(tmp_path):
    nodes = [helper.make_node("Conv", ["input", "W"], ["c"], name="grouped", kernel_shape=[1, 1], group=2),
             helper.make_node("Flatten", ["c"], ["out"])]
    message = refusal(tmp_path, graph(nodes, [weight("W", 4, 2, 1, 1)], input_shape=("N", 4, 8, 8)))
    assert "grouped convolution with 2 groups" in message


@pytest.mark.parametrize("op, attributes, words", [
    ("MaxPool", dict(kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1), "ceil mode"),
    ("AveragePool", dict(kernel_shape=[3, 3], pads=[1, 1, 1, 1], count_include_pad=1), "count_include_pad = 1"),
    ("LpPool", dict(kernel_shape=[2, 2]), "is a LpPool: CNN Designer has no layer for it"),
    ("LRN", dict(size=3), "local response normalisation (LRN)"),
])
def test_pooling_features_and_unknown_operators_are_named(tmp_path, op, attributes, words):
    nodes = [helper.make_node("Conv", ["input", "W"], ["c"], name="conv_1", kernel_shape=[3, 3]),
             helper.make_node(op, ["c"], ["p"], name="the_pool", **attributes),
             helper.make_node("Flatten", ["p"], ["f"]), helper.make_node("Gemm", ["f", "D"], ["out"])]
    message = refusal(tmp_path, graph(nodes, [weight("W", 4, 1, 3, 3), weight("D", 36, 3)]))
    assert "node 'the_pool'" in message and words in message


def test_a_graph_that_is_not_a_chain_of_blocks_is_refused(tmp_path):
    """A tensor from inside the first residual block ('b') is added again after the second conv."""
    conv = lambda i, o, name: helper.make_node("Conv", [i, "W"], [o], name=name, kernel_shape=[3, 3], pads=[1] * 4)  # noqa: E731
    nodes = [conv("input", "a", "c1"), conv("a", "b", "c2"), helper.make_node("Add", ["a", "b"], ["s1"], name="add1"),
             conv("s1", "c", "c3"), helper.make_node("Add", ["b", "c"], ["s2"], name="add2"),
             helper.make_node("Flatten", ["s2"], ["f"]), helper.make_node("Gemm", ["f", "D"], ["out"])]
    message = refusal(tmp_path, graph(nodes, [weight("W", 1, 1, 3, 3), weight("D", 64, 3)]))
    assert "node 'add2' takes 'b', which does not come from the fork at 'c'" in message
    assert "not a chain of blocks" in message


def test_nested_blocks_are_not_mistaken_for_a_broken_chain(tmp_path):
    """input + c3(a + c2(a)), a = c1(input): a residual inside a residual, which imports."""
    conv = lambda i, o, name: helper.make_node("Conv", [i, "W"], [o], name=name, kernel_shape=[3, 3], pads=[1] * 4)  # noqa: E731
    nodes = [conv("input", "a", "c1"), conv("a", "b", "c2"), helper.make_node("Add", ["a", "b"], ["s1"], name="inner"),
             conv("s1", "c", "c3"), helper.make_node("Add", ["input", "c"], ["s2"], name="outer"),
             helper.make_node("Flatten", ["s2"], ["f"]), helper.make_node("Gemm", ["f", "D"], ["out"])]
    spec = import_onnx(write(tmp_path, graph(nodes, [weight("W", 1, 1, 3, 3), weight("D", 64, 3)]))).spec
    outer = spec.layers[0]
    assert outer.name == "outer" and [layer.name for layer in outer.layers] == ["c1", "inner", "c3"]
    assert outer.shortcut == [] and [layer.name for layer in outer.layers[1].layers] == ["c2"]


@pytest.mark.parametrize("case, words", [
    ("leaky", "slope 0.2"), ("softmax_inside", "inside the network"), ("relu_after_pool", "right after a pooling"),
    ("ends_in_conv", "ends in something other than an FC layer"), ("free_size", "height is not fixed ('H')"),
    ("two_inputs", "2 inputs"),
])
def test_other_graphs_the_designer_cannot_express(tmp_path, case, words):
    base = [helper.make_node("Conv", ["input", "W"], ["c"], name="conv_1", kernel_shape=[3, 3])]
    tail = [helper.make_node("Flatten", ["x"], ["f"]), helper.make_node("Gemm", ["f", "D"], ["out"])]
    weights = [weight("W", 4, 1, 3, 3), weight("D", 36, 3)]
    shape, inputs = ("N", 1, 8, 8), None
    if case == "leaky":
        nodes = base + [helper.make_node("LeakyRelu", ["c"], ["x"], name="lrelu", alpha=0.2)] + tail
    elif case == "softmax_inside":
        nodes = base + [helper.make_node("Softmax", ["c"], ["x"], name="sm", axis=1)] + tail
    elif case == "relu_after_pool":
        nodes = base + [helper.make_node("MaxPool", ["c"], ["p"], kernel_shape=[1, 1]),
                        helper.make_node("Relu", ["p"], ["x"], name="late_relu")] + tail
    elif case == "ends_in_conv":
        nodes = [helper.make_node("Conv", ["input", "W"], ["out"], name="conv_1", kernel_shape=[3, 3])]
    elif case == "free_size":
        nodes, shape = base + [helper.make_node("Identity", ["c"], ["x"])] + tail, ("N", 1, "H", "W")
    else:
        nodes = base + [helper.make_node("Add", ["c", "other"], ["x"])] + tail
        inputs = [helper.make_tensor_value_info(n, TensorProto.FLOAT, ["N", 1, 8, 8]) for n in ("input", "other")]
    assert words in refusal(tmp_path, graph(nodes, weights, input_shape=shape, inputs=inputs))


def test_without_the_onnx_package_every_entry_point_says_how_to_install_it(tmp_path):
    path = write(tmp_path, lenet_bytes())
    code = ("import sys; sys.modules['onnx'] = None; from engine.cli import main; "
            f"sys.exit(main(sys.argv[1:]))")
    for args in (["summary", str(path)], ["import", str(path), "-o", str(tmp_path / "d.json")],
                 ["export", "lenet5", "--to", "onnx", "-o", str(tmp_path / "m.onnx")]):
        result = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True, text=True,
                                timeout=60)
        assert result.returncode == 2, result.stderr
        assert result.stderr.strip().endswith('needs the onnx package, which is not installed: '
                                              'pip install "cnn-designer[onnx]"'), result.stderr
