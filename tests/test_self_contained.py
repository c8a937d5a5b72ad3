"""The repository documents itself: no file in it points to documents that live outside it,
docs/architecture.md names every module, and docs/adding-a-layer-kind.md lists the whole kind interface."""
from __future__ import annotations

import inspect
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Design notes kept outside the repository; code and docs must point to docs/ instead.
OUTSIDE_DOCUMENTS = ("DESIGN" + ".md", "COURSE" + ".md", "../" + "shared")


def _tracked_text_files() -> list[Path]:
    try:
        out = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
        names = out.split()
    except (OSError, subprocess.CalledProcessError):          # a copy without git: read the tree
        names = [str(p.relative_to(ROOT)) for p in ROOT.rglob("*") if p.is_file() and ".git" not in p.parts]
    files = []
    for name in names:
        path = ROOT / name
        if path.suffix in {".npz", ".png", ".gz"} or not path.is_file():
            continue
        files.append(path)
    return files


def test_no_file_points_outside_the_repository():
    offenders = []
    files = _tracked_text_files()
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if any(word in line for word in OUTSIDE_DOCUMENTS):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:80]}")
    assert len(files) > 50          # the scan really read the repository
    assert offenders == []


# Each package's section of docs/architecture.md names every module of the package by its path inside it
# (`spec.py`, `data/cifar.py`, `kinds/__init__.py`); the section runs from its heading to the next one.
ARCHITECTURE_SECTIONS = {"engine": "## The engine's rooms", "designer": "## The designer's rooms"}


def _section(page: str, heading: str) -> str:
    start = page.index(heading) + len(heading)
    end = page.find("\n## ", start)
    return page[start:] if end < 0 else page[start:end]


def test_the_architecture_section_check_reads_paths_not_names():
    page = "## A\n| `spec.py` | x |\n| `data/cifar.py` | y |\n## B\n| `shapes.py` | z |\n"
    section = _section(page, "## A")
    assert "`data/cifar.py`" in section and "`shapes.py`" not in section


@pytest.mark.parametrize("package", sorted(ARCHITECTURE_SECTIONS))
def test_the_architecture_page_names_every_module(package):
    section = _section((ROOT / "docs" / "architecture.md").read_text(encoding="utf-8"), ARCHITECTURE_SECTIONS[package])
    modules = sorted(p.relative_to(ROOT / package).as_posix() for p in (ROOT / package).rglob("*.py"))
    assert len(modules) > 20                       # the scan really read the package
    missing = [module for module in modules if f"`{module}`" not in section]
    assert missing == []


def test_the_layer_kind_page_lists_the_whole_kind_interface():
    from engine.kinds import LayerKind
    page = (ROOT / "docs" / "adding-a-layer-kind.md").read_text(encoding="utf-8")
    members = {name: value for name, value in vars(LayerKind).items() if not name.startswith("_")}
    assert {"output", "build", "as_softmax_output", "pytorch_code", "type_name"} <= set(members)
    # Methods as `def name(`, attributes as `name:` (the page's interface block).
    missing = [name for name, value in members.items()
               if (f"def {name}(" if inspect.isfunction(value) else f"{name}:") not in page]
    assert missing == []
