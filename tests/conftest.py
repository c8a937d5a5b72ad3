"""Shared test setup: Qt runs headless, the repo root is importable, and runs are recorded in a temporary folder."""
import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@pytest.fixture(autouse=True)
def isolated_runs_folder(tmp_path, monkeypatch):
    """Every test keeps its training runs in its own temporary folder (engine.runs reads
    CNN_DESIGNER_RUNS_DIR; child processes inherit it), never in the user's real data folder."""
    folder = tmp_path / "runs-history"
    monkeypatch.setenv("CNN_DESIGNER_RUNS_DIR", str(folder))
    return folder
