"""engine/ is pure NumPy + the standard library: it never imports Qt, pyqtgraph or designer/."""
import ast
import subprocess
import sys
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[2] / "engine"
FORBIDDEN = ("PySide6", "PyQt5", "PyQt6", "shiboken6", "pyqtgraph", "designer")


def _imported_modules(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module


def test_no_engine_module_imports_gui_packages():
    offenders = []
    for path in sorted(ENGINE.rglob("*.py")):
        for module in _imported_modules(path):
            if module.split(".")[0] in FORBIDDEN:
                offenders.append(f"{path.name}: {module}")
    assert offenders == []
    assert len(list(ENGINE.glob("*.py"))) >= 8  # the scan really looked at the engine


def test_importing_the_whole_engine_loads_no_gui_module():
    code = ("import sys, engine, engine.cli, engine.functional, engine.fastpaths\n"
            f"bad = [m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r}]\n"
            "print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], cwd=ENGINE.parent, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
