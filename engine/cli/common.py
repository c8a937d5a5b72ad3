"""What every command shares: the one-line user error, the parser that reports in one line, argument
types with messages, the design argument (a file or a preset name) and the dataset argument."""
from __future__ import annotations

import argparse
import math
import os
import sys
from pathlib import Path
from typing import Callable, TextIO

from ..data import BUILTIN_DATASETS, load_dataset
from ..onnx_import import import_onnx, is_onnx_path, load_onnx_network
from ..resources import preset_names, resolve_design
from ..spec import NetworkSpec, SpecError, load_spec
from ..train_settings import TrainSettings

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130   # 128 + SIGINT: what shells report for a command ended by Ctrl-C
PROG = "main.py"
DATASET_METAVAR = "|".join(BUILTIN_DATASETS) + "|PATH"
DATASET_HELP = ("built-in digits or shapes, or a path: an .npz, an MNIST-style IDX folder, CIFAR-10 (folder or "
                ".tar.gz), a folder of class folders of images, or a CSV with a label column")
DESIGN_METAVAR = "ARCH.json|MODEL.onnx|PRESET"


class UserError(Exception):
    """A problem with what the user asked for; printed as one line, exit status 2."""


class Parser(argparse.ArgumentParser):
    def error(self, message):  # one line instead of usage + error
        raise UserError(f"{self.prog}: {message} (see {self.prog} --help)")

    def _print_message(self, message, file=None):
        # argparse swallows write errors (so `--help > /dev/full` would exit 0); a closed pipe stays a
        # quiet end (main turns BrokenPipeError into status 0), any other failure is one error line.
        if not message:
            return
        file = file or sys.stderr
        try:
            file.write(message)
            file.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise UserError(f"could not write to standard output ({(exc.strerror or str(exc)).lower()})") from None


class Lines:
    """Progress and result lines to `stream`, which a reader may close under us (`train ... | head -1`):
    once a write fails, the lines stop (the stream is pointed at the null device so nothing fails again)
    and the work goes on — training finishes and --save is written."""

    def __init__(self, stream: TextIO):
        self.stream = stream
        self.closed = False

    def print(self, text: str) -> None:
        if self.closed:
            return
        try:
            print(text, file=self.stream, flush=True)
        except (BrokenPipeError, OSError, ValueError):
            self.closed = True
            silence(self.stream)


def silence(stream: TextIO) -> None:
    """Point `stream`'s file descriptor at the null device, so the interpreter's final flush can't fail."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no real file descriptor (e.g. captured in tests)
        pass


def percent(value: float) -> str:
    return "—" if value is None or not math.isfinite(value) else f"{100 * value:.1f}%"


def number(value: float) -> str:
    return "—" if value is None or not math.isfinite(value) else f"{value:.4f}"


def finite_or_none(value: float) -> float | None:
    """JSON has no NaN: an undefined number (e.g. the accuracy on no test images) is null."""
    return value if value is not None and math.isfinite(value) else None


def test_result_line(accuracy: float, loss: float, count: int) -> str:
    """"test accuracy 97.2% (350/360), test loss 0.0912", or what to say when there were no test images."""
    if not count:
        return "no test images, so no test accuracy: the dataset's test part is empty"
    return f"test accuracy {percent(accuracy)} ({round(accuracy * count)}/{count}), test loss {number(loss)}"



def _convert(text: str, convert, name: str, kind: str):
    """`convert(text)`, or the one-line argparse error "<name> must be <kind>, got '<text>'"."""
    try:
        return convert(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{name} must be {kind}, got {text!r}") from None


def _refuse(message: str):
    raise argparse.ArgumentTypeError(message)


def _whole_number(name: str, low: int, high: int, at_least: str) -> Callable[[str], int]:
    """A parser of whole numbers from `low` to `high`; below `low`: "<name> must be <at_least>"."""
    def parse(text: str) -> int:
        value = _convert(text, int, name, "a whole number")
        if value < low:
            _refuse(f"{name} must be {at_least}, got {value}")
        if value > high:
            _refuse(f"{name} {value:,} is too large (at most {high:,})")
        return value
    return parse


def positive_int(name: str, high: int) -> Callable[[str], int]:
    return _whole_number(name, 1, high, "at least 1")


def learning_rate(text: str) -> float:
    value = _convert(text, float, "learning rate", "a number")
    if not math.isfinite(value) or value <= 0:
        _refuse(f"learning rate must be a positive number, got {text}")
    return value


def fraction(text: str) -> float:
    value = _convert(text, float, "validation fraction", "a number")
    if not 0 <= value < 1:
        _refuse(f"validation fraction must be from 0 up to (not including) 1, got {text}")
    return value


def seed_arg(text: str) -> int:
    value = _convert(text, int, "seed", "a whole number")
    if value < 0:
        _refuse(f"seed must be 0 or more, got {value}")
    return value


def whole_numbers(name: str, count: int) -> Callable[[str], tuple]:
    """An argument like "28,28" (count 2) or "32,32,3" (count 3): whole numbers ≥ 1."""
    def parse(text: str) -> tuple:
        parts = text.replace("x", ",").replace("×", ",").split(",")
        try:
            values = tuple(int(p) for p in parts)
        except ValueError:
            values = ()
        if len(values) != count or min(values) < 1:
            example = ",".join(["28", "28", "1"][:count])
            raise argparse.ArgumentTypeError(f"{name} must be {count} whole numbers ≥ 1 like {example}, got {text!r}")
        return values
    return parse


def split_fraction(text: str) -> float:
    value = _convert(text, float, "test fraction", "a number")
    if not 0 < value < 1:
        _refuse(f"test fraction must be between 0 and 1 (exclusive), got {text}")
    return value


def add_dataset_options(p) -> None:
    """--test-fraction, --image-size, --image-shape: how a class folder or a CSV becomes a dataset."""
    p.add_argument("--test-fraction", type=split_fraction, default=0.2, metavar="F",
                   help="class folders / CSV without a test part: fraction of each class held out (default: %(default)s)")
    p.add_argument("--image-size", type=whole_numbers("image size", 2), metavar="H,W",
                   help="class folders: resize every image to H×W (default: the most common size)")
    p.add_argument("--image-shape", type=whole_numbers("image shape", 3), metavar="H,W,C",
                   help="CSV: the shape of one row's pixels (default: a square grey image)")


def load_dataset_arg(value: str, seed: int, args=None):
    """The --dataset argument; ``args`` passes on --test-fraction, --image-size, --image-shape if present."""
    options = {}
    for key in ("test_fraction", "image_size", "image_shape"):
        if getattr(args, key, None) is not None:
            options[key] = getattr(args, key)
    return load_dataset(value, seed=seed if value == "shapes" else None, **options)


def seed_option(p) -> None:
    """--seed for commands that only read data: it picks which shapes images are drawn."""
    p.add_argument("--seed", type=seed_arg, default=TrainSettings().seed, metavar="S",
                   help="seed of the built-in shapes dataset (default: %(default)s)")


def design_help() -> str:
    return (f"an architecture JSON file, an ONNX model (.onnx) or a bundled preset's name "
            f"({', '.join(preset_names())})")


def load_design(text: str) -> NetworkSpec:
    """The design a command's ARCH argument names: a JSON file, an ONNX model (.onnx, its graph as a design),
    or a preset such as "lenet5". The one place commands read designs."""
    path = resolve_design(text)
    if is_onnx_path(path):
        return import_onnx(path, weights=False).spec
    return load_spec(path)


def load_network(path: str):
    """The network a command's RUN argument names: weights saved by CNN Designer (.npz), or an ONNX model
    with its weights. Both refuse a file that can't be used with one SpecError line."""
    from ..network import Network
    return load_onnx_network(path) if is_onnx_path(path) else Network.load(path)


def load_design_and_weights(text: str):
    """(design, Network with the file's weights or None): an ONNX model brings its weights; a JSON file or
    a preset has none."""
    path = resolve_design(text)
    if is_onnx_path(path):
        network = load_onnx_network(path)
        return network.spec, network
    return load_spec(path), None


def input_files(**named) -> dict[str, Path]:
    """{label: path} of the files a command reads, for fileio.check_not_an_input: "design" is a design
    argument (a file, or a preset name: its bundled file), any other label a dataset argument or a path
    (built-in dataset names are left out)."""
    found = {}
    for label, value in named.items():
        if value is None or value in BUILTIN_DATASETS:
            continue
        path = Path(value)
        if label == "design":
            try:
                path = resolve_design(value)
            except SpecError:       # no such design: its own reader says so
                continue
        if path.exists():
            found[label] = path
    return found


def non_negative_int(name: str, high: int) -> Callable[[str], int]:
    return _whole_number(name, 0, high, "0 or more")


def non_negative_number(name: str) -> Callable[[str], float]:
    def parse(text: str) -> float:
        value = _convert(text, float, name, "a number")
        if not math.isfinite(value) or value < 0:
            _refuse(f"{name} must be 0 or a positive number, got {text}")
        return value
    return parse
