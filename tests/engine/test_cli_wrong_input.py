"""Wrong input at the command line, as a newcomer types it: each mistake is one `error:` line on stderr
naming what and why (no library wording, no traceback), exit status 2 — and Ctrl-C is one line too."""
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from designer.launcher import display_problem
from engine.cli import main
from engine.network import Network
from engine.resources import preset_path
from engine.spec import load_spec

ROOT = Path(__file__).resolve().parents[2]


def one_error(capsys, *argv) -> str:
    """Run the command line in-process; assert exit 2 and exactly one `error:` line, and return it."""
    assert main([str(a) for a in argv]) == 2
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err
    return lines[0]


@pytest.mark.parametrize("command", [["diagram", "lenet5"], ["export", "lenet5", "--to", "pytorch"]])
def test_diagram_and_export_take_a_preset_name_like_summary_and_train(tmp_path, capsys, command):
    out = tmp_path / ("net.svg" if command[0] == "diagram" else "model.py")
    assert main([*command, "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "CONV1" in text and "Softmax" in text


def test_diagram_checks_its_output_path_before_the_work(tmp_path, capsys):
    line = one_error(capsys, "diagram", "lenet5", "-o", tmp_path / "missing" / "net.svg")
    assert "the folder" in line and "does not exist" in line and "No such file" not in line
    line = one_error(capsys, "diagram", "lenet5", "-o", tmp_path)
    assert "it is a folder" in line and "diagram.svg" in line and "Is a directory" not in line


def test_data_save_checks_its_path_before_reading_the_dataset(tmp_path, capsys):
    line = one_error(capsys, "data", "digits", "--save", tmp_path / "missing" / "d.npz")
    assert "the folder" in line and "does not exist" in line and "No such file" not in line
    line = one_error(capsys, "data", "digits", "--save", tmp_path)
    assert "it is a folder" in line and "dataset.npz" in line


@pytest.mark.parametrize("content, expected", [
    ("", "the file is empty"),
    ('{"format": "cnn-designer/1", "input": {"shape": [8, 8, 1]},\n', "line 2, column 1: the file ends there (cut short?)"),
    ('{"format": "cnn-designer/1", "na', "line 1, column 30: quoted text that is never closed (cut short?)"),
    ('{"format": "cnn-designer/1" "x": 1}', "line 1, column 29: expecting ',' delimiter"),
])
def test_broken_json_is_described_in_plain_words(tmp_path, capsys, content, expected):
    path = tmp_path / "net.json"
    path.write_text(content, encoding="utf-8")
    line = one_error(capsys, "summary", path)
    assert expected in line
    assert "Expecting value" not in line and "Unterminated" not in line


def test_an_unknown_option_is_reported_by_its_command(capsys):
    line = one_error(capsys, "train", "digits_net", "--dataset", "digits", "--bogus")
    assert line == "error: main.py train: unrecognized arguments: --bogus (see main.py train --help)"
    line = one_error(capsys, "summary", "lenet5", "extra")
    assert "main.py summary: unrecognized arguments: extra" in line


@pytest.fixture
def saved_run(tmp_path):
    net = Network.from_spec(load_spec(preset_path("digits_net")), seed=0)
    path = tmp_path / "run.npz"
    net.save(path)
    return path


@pytest.mark.parametrize("make, expected", [
    (lambda d: d, "is a folder, not a weights file"),
    (lambda d: _write(d / "empty.npz", b""), "it is an empty file"),
    (lambda d: _write(d / "junk.npz", bytes(range(256)) * 4), "binary data of an unknown kind"),
    (lambda d: _write(d / "net.json", preset_path("lenet5").read_bytes()), "it is an architecture JSON; train it first"),
])
def test_evaluate_says_what_the_file_is_instead_of_weights(tmp_path, capsys, make, expected):
    line = one_error(capsys, "evaluate", make(tmp_path), "--dataset", "digits")
    assert expected in line
    assert "Python objects" not in line and "pickle" not in line


def test_a_truncated_weights_or_dataset_archive_is_called_damaged(tmp_path, capsys, saved_run):
    cut = _write(tmp_path / "cut.npz", saved_run.read_bytes()[:2000])
    assert "damaged" in one_error(capsys, "evaluate", cut, "--dataset", "digits")
    line = one_error(capsys, "data", cut)
    assert "damaged or cut short" in line and "zip file" not in line


def _write(path, data: bytes):
    path.write_bytes(data)
    return path


def test_the_window_without_a_display_is_one_line_not_a_qt_abort(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["PYTHONPATH"] = str(ROOT)
    result = subprocess.run([sys.executable, str(ROOT / "main.py")], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr.startswith("error: no display to open the window on") and result.stderr.count("\n") == 1
    assert display_problem({"DISPLAY": ":0"}, "linux") is None
    assert display_problem({"QT_QPA_PLATFORM": "offscreen"}, "linux") is None
    assert display_problem({}, "win32") is None


# The child runs the real command line, with the dataset reader held in a sleep after it says so on stderr:
# the parent then sends a real SIGINT while the command is certainly reading, however fast the machine is.
_READ_SLOWLY = """
import sys, time
import engine.cli.common as common
def read_slowly(*args, **kwargs):
    print("READING", file=sys.stderr, flush=True)
    time.sleep(120)
common.load_dataset = read_slowly
from engine.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_ctrl_c_while_reading_a_dataset_is_one_line_and_status_130(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-c", _READ_SLOWLY, "data", "shapes", "--seed", "7",
                             "--save", str(tmp_path / "shapes.npz")],
                            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr.readline() == "READING\n"
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130
    assert err == "error: interrupted (Ctrl-C); nothing was written\n"
    assert list(tmp_path.iterdir()) == []    # no half-written file, no temporary file left behind


def test_help_of_every_command_names_its_arguments(capsys):
    for command in ("summary", "train", "evaluate", "data", "export", "diagram"):
        with pytest.raises(SystemExit) as exit_:
            main([command, "--help"])
        assert exit_.value.code == 0
        text = " ".join(capsys.readouterr().out.split())
        assert "preset" in text or "RUN.npz" in text or "PATH" in text
        if command in ("evaluate", "data"):
            assert "(default: 0)" in text and "print one JSON document" in text
