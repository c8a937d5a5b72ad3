"""The wheel carries the whole app: every engine/designer subpackage, the presets, the digits dataset, the
icon, the licence and both launchers; installed from it, the app finds its bundled files.

The wheel is built offline (pip wheel --no-deps --no-build-isolation) from a copy of the source tree, so
the checkout gets no build/ folder. A package, preset or data file added later without being packaged
makes tools/check_wheel.py, and so these tests, fail.
"""
import importlib.metadata
import importlib.util
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOT_SOURCE = shutil.ignore_patterns(".git", ".venv", "venv", "build", "dist", "*.egg-info", "__pycache__",
                                    ".pytest_cache", ".hypothesis", "*.pyc")
MIN_SETUPTOOLS = (77,)  # pyproject.toml [build-system] requires


def _load_checker():
    spec = importlib.util.spec_from_file_location("check_wheel", ROOT / "tools" / "check_wheel.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


check_wheel = _load_checker()


def _build_backend_problem() -> str | None:
    try:
        installed = importlib.metadata.version("setuptools")  # not imported: it patches distutils
    except importlib.metadata.PackageNotFoundError:
        return "setuptools is not installed (pip install -e '.[test]' brings it)"
    if tuple(int(part) for part in installed.split(".")[:1]) < MIN_SETUPTOOLS:
        return f"setuptools {installed} is older than {MIN_SETUPTOOLS[0]} (pyproject's build requirement)"
    if importlib.util.find_spec("pip") is None:
        return "pip is not installed"
    return None


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """(source copy, wheel) — the source copy holds two probes: a new engine subpackage and a new preset."""
    problem = _build_backend_problem()
    # The test extra installs what an offline build needs, so a missing piece is a broken setup, not a skip.
    assert problem is None, f"cannot build the wheel offline: {problem}"
    work = tmp_path_factory.mktemp("wheel")
    source = work / "src"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCE)
    (source / "engine" / "zz_probe").mkdir()
    (source / "engine" / "zz_probe" / "__init__.py").write_text('"""A subpackage nobody listed anywhere."""\n')
    shutil.copy(source / "resources" / "presets" / "lenet5.json", source / "resources" / "presets" / "zz_probe.json")
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                             "--no-index", "--quiet", "-w", str(work / "dist"), str(source)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    wheels = list((work / "dist").glob("cnn_designer-*.whl"))
    assert len(wheels) == 1, wheels
    return source, wheels[0]


def test_wheel_holds_every_package_and_bundled_file(built):
    source, wheel = built
    assert check_wheel.missing_from_wheel(wheel, source) == []
    names = set(zipfile.ZipFile(wheel).namelist())
    for entry in ("designer/inside/__init__.py", "designer/training/worker.py", "engine/cli/__init__.py",
                  "cnn_designer_resources/presets/lenet5.json", "cnn_designer_resources/datasets/digits.npz",
                  "cnn_designer_resources/icons/cnn-designer.svg", "cnn_designer_resources/cnn-designer.desktop",
                  # found without being listed: package discovery and the package-data globs
                  "engine/zz_probe/__init__.py", "cnn_designer_resources/presets/zz_probe.json"):
        assert entry in names
    assert not any(name.startswith(("tests/", "benchmarks/", "tools/", "resources/")) for name in names)


def test_wheel_metadata_version_and_licence(built):
    _, wheel = built
    from engine.version import __version__
    archive = zipfile.ZipFile(wheel)
    metadata = archive.read(f"cnn_designer-{__version__}.dist-info/METADATA").decode()
    assert f"\nVersion: {__version__}\n" in metadata
    assert "\nLicense-Expression: MIT\n" in metadata
    assert "Requires-Dist: Pillow>=9" in metadata and 'Requires-Dist: torch>=2.1; extra == "torch"' in metadata
    # ONNX export and import as an optional extra; onnxruntime only for the tests
    assert 'Requires-Dist: onnx>=1.15; extra == "onnx"' in metadata
    assert 'Requires-Dist: onnxruntime>=1.16; extra == "onnx-test"' in metadata
    assert not any(line.startswith("Requires-Dist: onnx") and "extra" not in line for line in metadata.splitlines())
    licence = archive.read(f"cnn_designer-{__version__}.dist-info/licenses/LICENSE").decode()
    assert licence.startswith("MIT License") and "CNN Designer contributors" in licence


def test_the_check_reports_what_a_wheel_lacks(built, tmp_path):
    source, wheel = built
    dropped = ("designer/training/worker.py", "cnn_designer_resources/presets/lenet5.json")
    partial = tmp_path / wheel.name
    with zipfile.ZipFile(wheel) as full, zipfile.ZipFile(partial, "w") as out:
        for item in full.infolist():
            if item.filename not in dropped and not item.filename.endswith("entry_points.txt"):
                out.writestr(item, full.read(item))
    missing = check_wheel.missing_from_wheel(partial, source)
    assert [line for line in missing if "not in the wheel" in line] == [f"{entry}: not in the wheel" for entry in dropped]
    assert sum("not in entry_points.txt" in line for line in missing) == 2


def test_installed_wheel_finds_its_presets_and_dataset(built, tmp_path):
    """The wheel unpacked as a site folder (what pip does for a pure-Python wheel), run away from the
    checkout: the bundled files come from the installed package, not from the repository."""
    _, wheel = built
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    code = ("import engine, engine.resources as r, designer.presets as p\n"
            "from engine import load_dataset, summarize\n"
            "print(engine.__file__); print(r.resources_dir())\n"
            "print(summarize(p.load_preset('lenet5')).total_params, load_dataset('digits').x_test.shape)\n")
    env = {**os.environ, "PYTHONPATH": str(site)}
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    engine_file, resources, numbers = result.stdout.splitlines()
    assert Path(engine_file).is_relative_to(site)
    assert Path(resources) == site / "cnn_designer_resources"
    assert numbers == "62958 (360, 8, 8, 1)"


def test_ci_installs_the_onnx_extras_so_the_onnx_tests_run_there():
    script = (Path(__file__).resolve().parent.parent / ".ci" / "run").read_text(encoding="utf-8")
    install = next(line for line in script.splitlines() if "pip install --quiet -e" in line)
    assert '".[test,torch,onnx,onnx-test]"' in install
