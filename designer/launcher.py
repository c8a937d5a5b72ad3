"""The `cnn-designer` console script and main.py: subcommands run the engine's command line; no
arguments open the window. The `cnn-designer-gui` launcher (a gui-script: no console window on Windows)
always opens the window. Qt is imported only when the window is wanted, so the command line
starts fast and works where no display is available."""
from __future__ import annotations

import os
import sys
from typing import Mapping, Optional, Sequence

from engine.cli import EXIT_USAGE, main as cli_main
from engine.runtime import tune_allocator


def display_problem(env: Mapping[str, str] = os.environ, platform: str = sys.platform) -> Optional[str]:
    """Why the window cannot open here, or None. On Linux and the BSDs, with no X or Wayland display and
    no Qt platform chosen, Qt would print several lines about plugins and abort the process."""
    if platform in ("win32", "cygwin", "darwin"):
        return None
    if env.get("QT_QPA_PLATFORM") or env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"):
        return None
    return ("no display to open the window on (neither DISPLAY nor WAYLAND_DISPLAY is set); the command "
            "line works without one: main.py --help")


def launch_window(files: list) -> int:
    """The window, opening `files` (at most one architecture JSON) if given."""
    problem = display_problem()
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_USAGE
    from designer.app import run
    return run([sys.argv[0], *files])


def main(argv: Optional[Sequence[str]] = None) -> int:
    # Keep glibc from handing big arrays back to the OS on every free: it doubles a training step's time.
    tune_allocator()
    return cli_main(sys.argv[1:] if argv is None else argv, launch_gui=launch_window)


def gui_main(argv: Optional[Sequence[str]] = None) -> int:
    """`cnn-designer-gui [ARCH.json|MODEL.onnx]`: the window, with that design open if given."""
    tune_allocator()
    return launch_window(list(sys.argv[1:] if argv is None else argv))
