"""The repository documents itself: no file in it points to documents that live outside it."""
from __future__ import annotations

import subprocess
from pathlib import Path

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


def test_the_architecture_page_names_every_engine_room():
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    engine = ROOT / "engine"
    rooms = [p.stem for p in engine.glob("*.py") if p.stem != "__init__"]
    rooms += [p.name for p in engine.iterdir() if p.is_dir() and (p / "__init__.py").exists()]
    missing = [room for room in rooms if room not in page]
    assert missing == []
