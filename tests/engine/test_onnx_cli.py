"""An .onnx file wherever the command line takes a design: `summary` (and `--why`), `diagram`, `export`,
`train` starting from the file's weights, `evaluate` in place of saved weights; `import` writes the design
and the weights and checks its output paths before reading anything."""
import json

import numpy as np
import pytest

pytest.importorskip("onnx", reason='ONNX import needs the onnx package (pip install "cnn-designer[onnx]")')

from engine import Network, load_dataset, load_spec  # noqa: E402
from engine.cli import main  # noqa: E402
from engine.export.onnx_graph import write_onnx  # noqa: E402
from engine.resources import preset_path  # noqa: E402


@pytest.fixture
def digits_onnx(tmp_path):
    """The digits preset with fresh weights, as an ONNX file."""
    net = Network.from_spec(load_spec(preset_path("digits_net")), seed=0)
    path = tmp_path / "digits.onnx"
    write_onnx(net.spec, net.params, net.state, path)
    return net, path


def run(capsys, *args):
    status = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return status, out, err


def test_summary_why_and_diagram_take_an_onnx_file(digits_onnx, capsys, tmp_path):
    net, path = digits_onnx
    status, out, _ = run(capsys, "summary", path, "--why")
    assert status == 0 and "FC would need" in out and "CONV1" in out
    status, out, _ = run(capsys, "summary", path, "--format", "markdown")
    assert status == 0 and any(line.startswith("| Layer ") for line in out.splitlines()) and "| CONV1 |" in out
    status, out, _ = run(capsys, "diagram", path, "-o", tmp_path / "d.svg")
    svg = (tmp_path / "d.svg").read_text()
    assert status == 0 and "<svg" in svg and ">Softmax</text>" in svg


def test_evaluate_takes_an_onnx_model_in_place_of_saved_weights(digits_onnx, capsys):
    net, path = digits_onnx
    status, out, _ = run(capsys, "evaluate", path, "--dataset", "digits", "--json")
    assert status == 0
    ds = load_dataset("digits")
    loss, accuracy = net.evaluate(ds.x_test, ds.y_test)
    report = json.loads(out)
    assert report["test_accuracy"] == pytest.approx(accuracy) and report["test_loss"] == pytest.approx(loss, rel=1e-5)


def test_train_starts_from_the_onnx_file_s_weights(digits_onnx, capsys, tmp_path):
    net, path = digits_onnx
    status, out, _ = run(capsys, "train", path, "--dataset", "digits", "--epochs", "1", "--optimizer", "sgd",
                         "--lr", "1e-12", "--save", tmp_path / "run.npz")
    assert status == 0 and f"starting from the weights in {path}" in out
    trained = Network.load(tmp_path / "run.npz")
    for key, value in net.params.items():       # a vanishing step: still the file's weights, not fresh ones
        np.testing.assert_allclose(trained.params[key], value, atol=1e-6, err_msg=key)


def test_import_writes_the_design_and_weights_and_checks_its_paths_first(digits_onnx, capsys, tmp_path):
    net, path = digits_onnx
    status, out, _ = run(capsys, "import", path, "-o", tmp_path / "d.json", "--weights", tmp_path / "w.npz")
    assert status == 0
    assert "from the design CNN Designer stored in it" in out and "13,706 parameters" in out
    assert load_spec(tmp_path / "d.json").to_dict() == net.spec.to_dict()
    np.testing.assert_array_equal(Network.load(tmp_path / "w.npz").params["FC3.W"], net.params["FC3.W"])
    status, _, err = run(capsys, "import", tmp_path / "nowhere.onnx", "-o", tmp_path / "missing" / "d.json")
    assert status == 2 and "the folder" in err and "does not exist" in err and err.count("\n") == 1
    status, _, err = run(capsys, "import", tmp_path / "nowhere.onnx", "-o", tmp_path / "d2.json")
    assert status == 2 and err == f"error: {tmp_path / 'nowhere.onnx'}: no such file\n"
    status, _, err = run(capsys, "import", path, "-o", tmp_path / "same", "--weights", tmp_path / "same")
    assert status == 2 and "two different files" in err
    status, _, err = run(capsys, "import", path, "-o", path)
    assert status == 2 and "it is the model this command reads" in err and path.stat().st_size > 1000


def test_export_names_both_targets(capsys, tmp_path):
    status, _, err = run(capsys, "export", "lenet5", "--to", "tensorflow", "-o", tmp_path / "m")
    assert status == 2 and err.strip().endswith("(known: pytorch, onnx)")
    status, _, err = run(capsys, "export", "lenet5", "--to", "onnx", "-o", tmp_path)
    assert status == 2 and "is a folder" in err and "model.onnx" in err


def test_import_reports_its_progress_from_start_to_end(digits_onnx):
    from engine.onnx_import import import_onnx
    _, path = digits_onnx
    for strip_metadata in (False, True):
        if strip_metadata:
            import onnx
            model = onnx.load(str(path))
            del model.metadata_props[:]
            path.write_bytes(model.SerializeToString())
        calls = []
        import_onnx(path, progress=lambda fraction, message: calls.append((fraction, message)))
        fractions = [fraction for fraction, _ in calls]
        assert fractions[0] == 0.0 and fractions[-1] == 1.0 and fractions == sorted(fractions)
        assert calls[0][1] == "Reading digits.onnx" and calls[-1][1] == "Read digits.onnx"
        assert sum(message == "Reading the weights of digits.onnx" for _, message in calls) >= 8   # one per array


def test_explain_takes_an_onnx_model_in_place_of_saved_weights(digits_onnx, capsys, tmp_path):
    net, path = digits_onnx
    net.save(tmp_path / "same.npz")
    status, from_onnx, err = run(capsys, "explain", path, "--dataset", "digits", "--index", "3", "--json")
    assert status == 0, err
    status, from_npz, _ = run(capsys, "explain", tmp_path / "same.npz", "--dataset", "digits", "--index", "3", "--json")
    from_onnx, from_npz = json.loads(from_onnx), json.loads(from_npz)
    assert from_onnx.pop("weights") == str(path) and from_npz.pop("weights") == str(tmp_path / "same.npz")
    assert from_onnx == from_npz
