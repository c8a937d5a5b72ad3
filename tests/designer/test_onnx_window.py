"""ONNX in the window: File › Open and drag-and-drop read a model in a worker thread with its progress in
the status bar (designer/onnx_loading.py); its design opens (the course table with every inner row) with
its weights on the Train tab; a refused
file is one line in a dialog and the open design stays as it was; File › Export › ONNX… writes the design
with the current weights when they belong to it."""
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

onnx = pytest.importorskip("onnx", reason='ONNX import needs the onnx package (pip install "cnn-designer[onnx]")')

from designer.design.export import DesignExporter  # noqa: E402
from designer.onnx_loading import OnnxLoader  # noqa: E402
from engine import Network, load_spec, summarize  # noqa: E402
from engine.export.onnx_graph import write_onnx  # noqa: E402
from engine.onnx_import import import_onnx, load_onnx_network  # noqa: E402
from engine.resources import preset_path  # noqa: E402
from window_drops import drop  # noqa: E402

TIMEOUT = 60_000


@pytest.fixture
def resnet_onnx(tmp_path):
    spec = load_spec(preset_path("resnet_small"))
    net = Network.from_spec(spec, seed=1)
    path = tmp_path / "resnet_small.onnx"
    write_onnx(spec, net.params, net.state, path)
    return net, path


@pytest.fixture
def graph_only(tmp_path, resnet_onnx):
    """The same model without its stored design: imported from the graph, as a PyTorch file would be."""
    _, path = resnet_onnx
    model = onnx.load(str(path))
    del model.metadata_props[:]
    stripped = tmp_path / "from_pytorch.onnx"
    stripped.write_bytes(model.SerializeToString())
    return stripped


def test_the_loader_reads_a_model_in_a_thread_and_reports_progress(qtbot, resnet_onnx):
    net, path = resnet_onnx
    loader = OnnxLoader()
    progress = []
    loader.progress.connect(lambda fraction, message: progress.append((fraction, message)))
    with qtbot.waitSignal(loader.finished, timeout=TIMEOUT) as finished:
        assert loader.load(path)
        assert loader.is_busy and not loader.load(path)      # one read at a time
    read_path, imported, error = finished.args
    assert (read_path, error) == (str(path), "") and not loader.is_busy
    assert summarize(imported.spec).total_params == net.num_params
    np.testing.assert_array_equal(imported.params["CONV1.W"], net.params["CONV1.W"])
    assert progress[0] == (0.0, "Reading resnet_small.onnx") and progress[-1] == (1.0, "Read resnet_small.onnx")


def test_file_open_reads_a_model_and_the_train_tab_holds_its_weights(window, qtbot, dialogs, graph_only):
    statuses = []
    window.files.statusMessage.connect(lambda text, ms: statuses.append(text))
    dialogs.open_path = str(graph_only)
    with qtbot.waitSignal(window.files.networkOpened, timeout=TIMEOUT):
        assert window.files.open_dialog()
        assert window.files.onnx_loader.is_busy       # the window goes on while the model is read
    expected = import_onnx(graph_only, weights=False).spec
    summary = summarize(expected)
    assert window.document.spec.to_dict() == expected.to_dict() and window.document.file_path is None
    assert window.document.summary.total_params == summary.total_params
    table = window.design_tab.shape_model                         # every row, inner rows of blocks included
    assert table.rowCount() == len(summary.rows) + 1                  # + the total
    shown = [table.data(table.index(r, 0)).strip() for r in range(len(summary.rows))]
    assert [name.split()[-1] for name in shown] == [row.name for row in summary.rows]
    assert statuses[0] == "Reading from_pytorch.onnx…" and any(s.endswith("%") for s in statuses)
    assert statuses[-1].startswith(f"Opened from_pytorch.onnx (imported: ") and \
        f"{summary.total_params:,} parameters" in statuses[-1]
    held = window.train_tab.weights.network
    reference = load_onnx_network(graph_only)
    x = np.random.default_rng(0).random((2, *expected.input.shape), dtype=np.float32)
    np.testing.assert_array_equal(held.forward(x), reference.forward(x))
    assert window.train_tab.weights.source == "imported from from_pytorch.onnx"
    assert window.files.recent_files()[0] == str(graph_only.resolve())
    assert dialogs.errors == []


def test_a_refused_model_is_a_dialog_and_the_open_design_stays(window, qtbot, dialogs, tmp_path):
    window.files.load_preset("lenet5")
    window.document.add_layer("dropout")          # an unsaved edit, kept
    before = window.document.spec.to_dict()
    for name, data in (("junk.onnx", np.random.default_rng(0).bytes(3000)),
                       ("design.onnx", Path(preset_path("lenet5")).read_bytes())):
        path = tmp_path / name
        path.write_bytes(data)
        with qtbot.waitSignal(window.files.onnx_loader.finished, timeout=TIMEOUT):
            assert window.files.open_file(path)
        title, text = dialogs.errors[-1]
        assert title == "Could not open the model" and text.startswith(f"{name}: not an ONNX model")
        assert "\n" not in text
        assert window.document.spec.to_dict() == before and window.document.is_modified
    assert window.train_tab.weights.network is None


def test_an_unsupported_operator_is_named_in_the_dialog(window, qtbot, dialogs, tmp_path):
    from onnx import TensorProto, helper, numpy_helper
    W = numpy_helper.from_array(np.zeros((1, 16, 8), np.float32), "W")
    R = numpy_helper.from_array(np.zeros((1, 16, 4), np.float32), "R")
    model = helper.make_model(helper.make_graph(
        [helper.make_node("LSTM", ["x", "W", "R"], ["y"], name="lstm_1", hidden_size=4)], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 5, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], [W, R]))
    path = tmp_path / "sequence.onnx"
    path.write_bytes(model.SerializeToString())
    with qtbot.waitSignal(window.files.onnx_loader.finished, timeout=TIMEOUT):
        window.files.open_file(path)
    assert dialogs.errors[-1][1] == ("sequence.onnx: node 'lstm_1' is an LSTM (a recurrent layer): CNN Designer "
                                     "imports convolutional networks only")


def test_a_model_dropped_on_the_window_opens_as_the_design(window, qtbot, resnet_onnx):
    net, path = resnet_onnx
    dataset = window.train_tab.datasets.dataset
    with qtbot.waitSignal(window.files.networkOpened, timeout=TIMEOUT):
        assert drop(window, path).isAccepted()
    assert window.document.spec.to_dict() == net.spec.to_dict()      # its stored design, exactly
    assert window.train_tab.datasets.dataset is dataset                # not taken for a dataset


def test_export_onnx_writes_the_current_weights_or_fresh_ones(window, qtbot, tmp_path, monkeypatch, resnet_onnx):
    chosen = {}
    monkeypatch.setattr(DesignExporter, "ask_path", lambda self, caption, suggested, file_filter: chosen["path"])
    statuses = []
    window.exporter.statusMessage.connect(lambda text, ms: statuses.append(text))
    net, path = resnet_onnx
    with qtbot.waitSignal(window.files.networkOpened, timeout=TIMEOUT):
        window.files.open_file(path)
    qtbot.waitUntil(lambda: window.train_tab.weights.network is not None, timeout=TIMEOUT)
    chosen["path"] = str(tmp_path / "again")               # no suffix typed: .onnx is added
    assert window.exporter.actions["exportOnnx"].isEnabled()
    window.exporter.actions["exportOnnx"].trigger()
    written = tmp_path / "again.onnx"
    assert statuses[-1] == f"Exported the ONNX model with the current weights to {written}"
    x = np.random.default_rng(1).random((2, 32, 32, 3), dtype=np.float32)
    np.testing.assert_array_equal(load_onnx_network(written).forward(x), net.forward(x))

    window.files.load_preset("lenet5")          # another design: its weights are not the Train tab's
    chosen["path"] = str(tmp_path / "lenet.onnx")
    assert window.exporter.export_onnx()
    assert statuses[-1].startswith("Exported the ONNX model with freshly initialised weights")
    assert import_onnx(tmp_path / "lenet.onnx").spec.to_dict() == window.document.spec.to_dict()


def test_main_py_with_a_model_opens_the_window_with_it(qtbot, resnet_onnx, monkeypatch):
    """`main.py model.onnx` (and `cnn-designer-gui model.onnx`) opens the window, which reads the model."""
    import designer.app
    import designer.main_window
    from engine.cli import main
    net, path = resnet_onnx
    assert main([str(path)], launch_gui=lambda files: files) == [str(path)]
    made, seen = [], {}

    class Recorded(designer.main_window.MainWindow):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(self)

    def event_loop(*args):
        """Stands in for app.exec(): waits for the window run() made to read the model, then closes it."""
        window = made[-1]
        qtbot.waitUntil(lambda: window.train_tab.weights.network is not None, timeout=TIMEOUT)
        seen["design"] = window.document.spec.to_dict()
        window.close()
        return 0

    monkeypatch.setattr(designer.main_window, "MainWindow", Recorded)
    monkeypatch.setattr(QApplication, "exec", event_loop)
    assert designer.app.run(["cnn-designer", str(path)]) == 0
    assert len(made) == 1 and seen["design"] == net.spec.to_dict()
