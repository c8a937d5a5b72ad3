"""ONNX in the window: a model is read in a worker thread with progress (designer/onnx_loading.py)."""
import numpy as np
import pytest

pytest.importorskip("onnx", reason='ONNX import needs the onnx package (pip install "cnn-designer[onnx]")')

from designer.onnx_loading import OnnxLoader  # noqa: E402
from engine import Network, load_spec, summarize  # noqa: E402
from engine.export.onnx_graph import write_onnx  # noqa: E402
from engine.resources import preset_path  # noqa: E402


@pytest.fixture
def resnet_onnx(tmp_path):
    spec = load_spec(preset_path("resnet_small"))
    net = Network.from_spec(spec, seed=1)
    path = tmp_path / "resnet_small.onnx"
    write_onnx(spec, net.params, net.state, path)
    return net, path


def test_the_loader_reads_a_model_in_a_thread_and_reports_progress(qtbot, resnet_onnx):
    net, path = resnet_onnx
    loader = OnnxLoader()
    progress = []
    loader.progress.connect(lambda fraction, message: progress.append((fraction, message)))
    with qtbot.waitSignal(loader.finished, timeout=60_000) as finished:
        assert loader.load(path)
        assert loader.is_busy and not loader.load(path)      # one read at a time
    read_path, imported, error = finished.args
    assert (read_path, error) == (str(path), "") and not loader.is_busy
    assert summarize(imported.spec).total_params == net.num_params
    np.testing.assert_array_equal(imported.params["CONV1.W"], net.params["CONV1.W"])
    assert progress[0] == (0.0, "Reading resnet_small.onnx") and progress[-1] == (1.0, "Read resnet_small.onnx")


def test_a_refused_file_comes_back_as_one_line(qtbot, tmp_path):
    path = tmp_path / "junk.onnx"
    path.write_bytes(np.random.default_rng(0).bytes(2000))
    loader = OnnxLoader()
    with qtbot.waitSignal(loader.finished, timeout=60_000) as finished:
        loader.load(path)
    _, imported, error = finished.args
    assert imported is None and error.startswith("junk.onnx: not an ONNX model") and "\n" not in error
    assert loader.wait()
