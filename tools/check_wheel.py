"""Check that a built wheel carries the whole app: used by CI (.ci/run) and tests/test_packaging.py.

    python tools/check_wheel.py dist/cnn_designer-0.1.0-py3-none-any.whl [SOURCE_ROOT]

Compares the wheel with the source tree (default: this checkout): every .py file of engine/ and
designer/ (so every subpackage), every file of resources/ (presets, datasets, icons; installed as the
package cnn_designer_resources), the LICENSE and both launchers. Prints one line per missing item and
exits with status 1 if anything is missing, 0 otherwise.
"""
from __future__ import annotations

import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CODE_PACKAGES = ("engine", "designer")
RESOURCES_DIR = "resources"
RESOURCES_PACKAGE = "cnn_designer_resources"  # engine.resources.RESOURCES_PACKAGE
LAUNCHERS = ("cnn-designer = designer.launcher:main", "cnn-designer-gui = designer.launcher:gui_main")
SKIPPED_DIRS = {"__pycache__"}


def _files(folder: Path, pattern: str) -> list[Path]:
    return sorted(p for p in folder.rglob(pattern)
                  if p.is_file() and not SKIPPED_DIRS.intersection(p.relative_to(folder).parts)
                  and p.suffix != ".pyc")


def expected_entries(root: Path = ROOT) -> list[str]:
    """Archive paths the wheel must hold, from the source tree at `root`."""
    entries = [p.relative_to(root).as_posix() for package in CODE_PACKAGES for p in _files(root / package, "*.py")]
    resources = root / RESOURCES_DIR
    entries += [f"{RESOURCES_PACKAGE}/{p.relative_to(resources).as_posix()}" for p in _files(resources, "*")]
    return entries


def missing_from_wheel(wheel: Path, root: Path = ROOT) -> list[str]:
    """What the wheel lacks, one readable line each; [] when it is complete."""
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        dist_info = {name.split("/")[0] for name in names if name.split("/")[0].endswith(".dist-info")}
        entry_points = "".join(archive.read(f"{d}/entry_points.txt").decode() for d in dist_info
                               if f"{d}/entry_points.txt" in names)
    missing = [f"{entry}: not in the wheel" for entry in expected_entries(root) if entry not in names]
    if not any(f"{d}/licenses/LICENSE" in names or f"{d}/LICENSE" in names for d in dist_info):
        missing.append("LICENSE: not in the wheel's .dist-info")
    missing += [f"launcher {launcher!r}: not in entry_points.txt" for launcher in LAUNCHERS
                if launcher not in entry_points]
    return missing


def main(argv: list[str]) -> int:
    if not 1 <= len(argv) <= 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    wheel = Path(argv[0])
    root = Path(argv[1]) if len(argv) > 1 else ROOT
    missing = missing_from_wheel(wheel, root)
    for line in missing:
        print(f"{wheel.name}: {line}")
    if not missing:
        print(f"{wheel.name}: complete ({len(expected_entries(root))} files of engine/, designer/ and resources/)")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
