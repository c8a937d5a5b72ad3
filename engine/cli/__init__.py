"""The command line: `python main.py summary|train|evaluate|data|export|import|diagram|runs|explain ...`.

It calls the same engine functions as the window. Every error a user can cause is one line on
stderr naming what is wrong, and exit status 2 — never a traceback. Each command is one module of
this package with `add_parser(subparsers)` and `run(args)`; `COMMANDS` lists them in help order.
"""
from __future__ import annotations

import argparse
import contextlib
import sys
import warnings
from typing import Callable, Optional, Sequence

from ..data import DatasetError
from ..fileio import OutputPathError, SpecialFileError, Terminated
from ..parallel import EngineWorkersWarning
from ..runs import RunError
from ..spec import SpecError
from ..train_settings import TrainSettings
from ..version import version_line
from . import data, diagram, evaluate, explain, export, import_model, runs, summary, train
from .common import EXIT_INTERRUPTED, EXIT_USAGE, PROG, Parser, UserError, silence

COMMANDS = (summary, train, evaluate, data, export, import_model, diagram, runs, explain)

__all__ = ["main", "build_parser", "UserError", "EXIT_USAGE"]


def build_parser() -> Parser:
    parser = Parser(prog=PROG, description="CNN Designer: with no command, opens the window.",
                    epilog=f"Each command has its own options: {PROG} COMMAND --help.")
    parser.add_argument("--version", action="version", version=version_line())
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for command in COMMANDS:
        command.add_parser(sub)
    return parser


def _parse(parser: Parser, argv: list):
    """parse_args, except that an unknown option is reported by the command it was given to
    ("main.py train: unrecognized arguments: --bogus (see main.py train --help)"), not by main.py."""
    args, extra = parser.parse_known_args(argv)
    if extra:
        subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        owner = subparsers.choices.get(args.command, parser)
        owner.error(f"unrecognized arguments: {' '.join(extra)}")
    return args


def main(argv: Optional[Sequence[str]] = None,
         launch_gui: Optional[Callable[[list], int]] = None) -> int:
    """Run a subcommand. With no arguments, or just an architecture file (`main.py my_net.json`) or an ONNX
    model (`main.py model.onnx`), open the window instead — launch_gui(files) — when one is given."""
    argv = list(sys.argv[1:] if argv is None else argv)
    opens_file = len(argv) == 1 and argv[0].lower().endswith((".json", ".onnx"))
    if launch_gui is not None and (not argv or opens_file):
        return launch_gui(argv)
    parser = build_parser()
    try:
        args = _parse(parser, argv)
        if args.command is None:
            parser.print_help()
            return EXIT_USAGE
        if getattr(args, "lr", "absent") is None:
            args.lr = TrainSettings(optimizer=args.optimizer).lr
        with _engine_notes_in_one_line():
            status = args.run(args)
        sys.stdout.flush()   # a closed pipe shows up here, not at the interpreter's exit
        return status
    except BrokenPipeError:
        # `summary lenet5 | head -2`: the reader has all it wants. Say nothing and exit 0; stdout goes
        # to devnull so the interpreter's final flush doesn't fail again (Python's signal docs advise it).
        _silence_stdout()
        return 0
    except KeyboardInterrupt:
        # Ctrl-C outside a training loop (reading a dataset, building a table): nothing half-written,
        # since every file is written atomically; one line and the shell's status for SIGINT.
        print("error: interrupted (Ctrl-C); nothing was written", file=sys.stderr)
        return EXIT_INTERRUPTED
    except (UserError, SpecError, DatasetError, OutputPathError, SpecialFileError, RunError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:  # e.g. --save into a folder that doesn't exist, a full disk
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"error: {where}{exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE
    except MemoryError:
        # What the checks before each allocation did not foresee (engine.memory, the readers' declared sizes).
        print("error: out of memory: the machine (or the process's limits, or CNN_DESIGNER_MEMORY_LIMIT) could "
              "not give what this needs; try a smaller dataset, design or batch", file=sys.stderr)
        return EXIT_USAGE
    except Terminated as exc:
        # SIGTERM / SIGHUP while a file was written: the temporary file is gone, the old file untouched.
        print(f"error: terminated ({exc.signal_name}) while writing {exc.path}; it was left as it was",
              file=sys.stderr)
        return exc.code


@contextlib.contextmanager
def _engine_notes_in_one_line():
    """The engine's notice that it runs in one process (engine.parallel) as one stderr line, not a
    Python warning with its file and line."""
    with warnings.catch_warnings():
        default = warnings.showwarning

        def show(message, category, filename, lineno, file=None, line=None):
            if issubclass(category, EngineWorkersWarning):
                print(f"note: {message}", file=sys.stderr)
            else:
                default(message, category, filename, lineno, file, line)
        warnings.showwarning = show
        yield


def _silence_stdout() -> None:
    silence(sys.stdout)
