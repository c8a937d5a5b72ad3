"""engine.resources and engine.version: bundled files found from a checkout, preset names on the command
line, and --version."""
import subprocess
import sys
from pathlib import Path

import pytest

from engine import SpecError, load_dataset, load_spec, summarize
from engine.resources import (dataset_path, preset_names, preset_path, resolve_design, resource_path,
                              resources_dir)
from engine.version import __version__, version_line

ROOT = Path(__file__).resolve().parents[2]


def run(*args, cwd):
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


PRESETS = ["alexnet", "digits_net", "example_convnet", "inception_module", "lenet5", "mobilenet_small",
           "mobilenet_v2", "resnet18", "resnet50", "resnet_small", "vgg16"]


def test_bundled_files_are_found():
    # From the checkout (tests) or an editable install both resolve to this repository's resources/.
    assert resources_dir() == ROOT / "resources"
    assert preset_names() == PRESETS
    assert summarize(load_spec(preset_path("lenet5"))).total_params == 62_958
    assert dataset_path("digits.npz").is_file()
    assert load_dataset("digits").x_train.shape == (1437, 8, 8, 1)
    assert resource_path("icons", "cnn-designer.svg").is_file()
    assert resource_path("icons", "cnn-designer.png").is_file()


def test_a_design_argument_is_a_file_or_a_preset_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert resolve_design("lenet5") == preset_path("lenet5")
    # A file that exists wins over a preset of the same name.
    (tmp_path / "lenet5").write_text("{}")
    assert resolve_design("lenet5") == Path("lenet5")
    # Something path-like that does not exist is passed on, so loading it names the missing file.
    assert resolve_design("missing.json") == Path("missing.json")
    assert resolve_design("designs/lenet5") == Path("designs/lenet5")
    with pytest.raises(SpecError) as info:
        resolve_design("lenet")
    assert str(info.value) == f"lenet: no such file, and not a preset name (presets: {', '.join(PRESETS)})"


def test_summary_and_train_take_preset_names(tmp_path):
    summary = run("summary", "lenet5", cwd=tmp_path)
    assert summary.returncode == 0, summary.stderr
    total = next(line for line in summary.stdout.splitlines() if line.startswith("Total"))
    assert "62,958" in total
    train = run("train", "digits_net", "--dataset", "digits", "--epochs", "1", "--json", cwd=tmp_path)
    assert train.returncode == 0, train.stderr
    assert '"params": 13706' in train.stdout and "test accuracy" in train.stderr


def test_an_unknown_design_name_is_one_line_listing_the_presets(tmp_path):
    result = run("summary", "lenet", cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == ("error: lenet: no such file, and not a preset name "
                             f"(presets: {', '.join(PRESETS)})\n")


def test_version_flag(tmp_path):
    result = run("--version", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"cnn-designer {__version__}\n" == version_line() + "\n"
    assert __version__.count(".") == 2 and all(part.isdigit() for part in __version__.split("."))
