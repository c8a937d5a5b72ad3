"""The command line: `python main.py summary|train|evaluate ...`.

It calls the same engine functions as the window. Every error a user can cause is one line on
stderr naming what is wrong, and exit status 2 — never a traceback.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Callable, Optional, Sequence

from .data import BUILTIN_DATASETS, DatasetError, load_dataset
from .network import Network
from .optim import OPTIMIZERS, make_optimizer
from .shapes import Summary, format_shape, summarize
from .spec import SpecError, load_spec
from .train import Trainer, check_dataset_fits

EXIT_USAGE = 2
PROG = "main.py"


class UserError(Exception):
    """A problem with what the user asked for; printed as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line instead of usage + error
        raise UserError(f"{self.prog}: {message} (see {self.prog} --help)")


# ----- formatting ---------------------------------------------------------------------------

def format_summary(summary: Summary, title: str | None = None) -> str:
    """The course table as plain text: layer, activation shape, size, # parameters, MACs, formula."""
    header = ("Layer", "Activation shape", "Activation size", "# parameters", "MACs", "Formula")
    rows = []
    for row in summary.rows:
        if row.error:
            rows.append((row.name, "—", "—", "—", "—", f"ERROR: {row.error}"))
        elif not row.computable:
            rows.append((row.name, "—", "—", "—", "—", f"(not computed: {row.blocked_by} above has an error)"))
        else:
            rows.append((row.name, format_shape(row.output_shape), f"{row.activation_size:,}", f"{row.params:,}",
                         f"{row.macs:,}", row.formula))
    rows.append(("Total", "", f"{summary.total_activation_size:,}", f"{summary.total_params:,}",
                 f"{summary.total_macs:,}", ""))
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(5)]
    right = (False, False, True, True, True)

    def line(cells):
        parts = [c.rjust(w) if r else c.ljust(w) for c, w, r in zip(cells[:5], widths, right)]
        return "  ".join(parts + [cells[5]]).rstrip()

    rule = "-" * (sum(widths) + 2 * 5 + len(header[5]))
    out = [title] if title else []
    out += [line(header), rule] + [line(r) for r in rows[:-1]] + [rule, line(rows[-1])]
    return "\n".join(out)


def _percent(value: float) -> str:
    return "—" if value is None or not math.isfinite(value) else f"{100 * value:.1f}%"


def _number(value: float) -> str:
    return "—" if value is None or not math.isfinite(value) else f"{value:.4f}"


# ----- commands -----------------------------------------------------------------------------

def cmd_summary(args) -> int:
    spec = load_spec(args.arch)
    summary = summarize(spec)
    if args.json:
        doc = {"name": spec.name, **summary.to_dict()}
        print(json.dumps(doc, indent=2, ensure_ascii=False))
    else:
        print(format_summary(summary, spec.name))
    if not summary.ok:
        raise UserError(f"{args.arch}: {summary.error}")
    return 0


def _load_dataset_arg(value: str, seed: int):
    return load_dataset(value, seed=seed if value == "shapes" else None)


def cmd_train(args) -> int:
    spec = load_spec(args.arch)
    summary = summarize(spec)
    if not summary.ok:
        raise UserError(f"{args.arch}: {summary.error}")
    net = Network.from_spec(spec, seed=args.seed)
    dataset = _load_dataset_arg(args.dataset, args.seed)
    check_dataset_fits(net, dataset)
    optimizer = make_optimizer(args.optimizer, args.lr)
    trainer = Trainer(net, optimizer, batch_size=args.batch_size, seed=args.seed,
                      validation_fraction=args.validation)
    progress = sys.stderr if args.json else sys.stdout
    print(f"training {spec.name or args.arch} ({summary.total_params:,} parameters) on {dataset.describe()}",
          file=progress, flush=True)

    def on_epoch(info):
        print(f"epoch {info.epoch}/{info.epochs}  loss {info.train_loss:.4f}  acc {_percent(info.train_accuracy)}"
              f"  val_loss {_number(info.val_loss)}  val_acc {_percent(info.val_accuracy)}  ({info.seconds:.1f} s)",
              file=progress, flush=True)

    interrupted = False

    def should_stop():
        return interrupted

    try:
        history = trainer.fit(dataset, epochs=args.epochs, on_epoch=on_epoch, should_stop=should_stop)
    except KeyboardInterrupt:
        raise UserError("interrupted")
    test_loss, test_acc = net.evaluate(dataset.x_test, dataset.y_test)
    if history.diverged:
        print(history.message, file=sys.stderr)
    print(f"test accuracy {_percent(test_acc)} ({round(test_acc * len(dataset.y_test))}/{len(dataset.y_test)}), "
          f"test loss {_number(test_loss)}", file=progress, flush=True)
    if args.save:
        net.save(args.save)
        print(f"saved weights and design to {args.save}", file=progress)
    if args.json:
        print(json.dumps({"name": spec.name, "dataset": dataset.name, "test_accuracy": test_acc,
                          "test_loss": test_loss if math.isfinite(test_loss) else None,
                          "params": summary.total_params, "history": history.to_dict()}, indent=2))
    return 1 if history.diverged else 0


def cmd_evaluate(args) -> int:
    net = Network.load(args.weights)
    dataset = _load_dataset_arg(args.dataset, args.seed)
    check_dataset_fits(net, dataset)
    loss, acc = net.evaluate(dataset.x_test, dataset.y_test)
    if args.json:
        print(json.dumps({"dataset": dataset.name, "test_accuracy": acc, "test_loss": loss,
                          "test_examples": len(dataset.y_test)}))
    else:
        print(f"test accuracy {_percent(acc)} ({round(acc * len(dataset.y_test))}/{len(dataset.y_test)}), "
              f"test loss {_number(loss)} on {dataset.describe()}")
    return 0


# ----- argument parsing ---------------------------------------------------------------------

def _positive_int(name: str, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be a whole number, got {text!r}") from None
        if value < 1:
            raise argparse.ArgumentTypeError(f"{name} must be at least 1, got {value}")
        if value > high:
            raise argparse.ArgumentTypeError(f"{name} {value:,} is too large (at most {high:,})")
        return value
    return parse


def _learning_rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"learning rate must be a number, got {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"learning rate must be a positive number, got {text}")
    return value


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"validation fraction must be a number, got {text!r}") from None
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"validation fraction must be from 0 up to (not including) 1, got {text}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"seed must be a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"seed must be 0 or more, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="CNN Designer: with no command, opens the window.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser("summary", help="print the layer table (shapes, sizes, parameters) of an architecture JSON")
    p.add_argument("arch", metavar="ARCH.json")
    p.add_argument("--json", action="store_true", help="print one JSON document instead of the table")
    p.set_defaults(run=cmd_summary)

    datasets = "|".join(BUILTIN_DATASETS) + "|FILE.npz"
    p = sub.add_parser("train", help="train an architecture on a dataset and report test accuracy")
    p.add_argument("arch", metavar="ARCH.json")
    p.add_argument("--dataset", required=True, metavar=datasets,
                   help="built-in digits or shapes, or an .npz with x_train, y_train, x_test, y_test")
    p.add_argument("--epochs", type=_positive_int("epochs", 100_000), default=5)
    p.add_argument("--batch-size", type=_positive_int("batch size", 1_000_000), default=64)
    p.add_argument("--lr", type=_learning_rate, default=None, help="learning rate (default 0.001 for adam, "
                   "0.05 for sgd and momentum)")
    p.add_argument("--optimizer", choices=OPTIMIZERS, default="adam")
    p.add_argument("--validation", type=_fraction, default=0.1, help="fraction of training data held out (0.1)")
    p.add_argument("--seed", type=_seed, default=0)
    p.add_argument("--save", metavar="RUN.npz", help="write the trained weights (with the design) here")
    p.add_argument("--json", action="store_true", help="print one JSON document at the end (progress on stderr)")
    p.set_defaults(run=cmd_train)

    p = sub.add_parser("evaluate", help="report the test accuracy of saved weights")
    p.add_argument("weights", metavar="RUN.npz")
    p.add_argument("--dataset", required=True, metavar=datasets)
    p.add_argument("--seed", type=_seed, default=0, help="seed of the shapes dataset (0)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=cmd_evaluate)
    return parser


DEFAULT_LR = {"adam": 1e-3, "sgd": 0.05, "momentum": 0.05}


def main(argv: Optional[Sequence[str]] = None,
         launch_gui: Optional[Callable[[list], int]] = None) -> int:
    """Run a subcommand. With no arguments, or just an architecture file (`main.py my_net.json`), open
    the window instead — launch_gui(files) — when one is given."""
    argv = list(sys.argv[1:] if argv is None else argv)
    opens_file = len(argv) == 1 and argv[0].lower().endswith(".json")
    if launch_gui is not None and (not argv or opens_file):
        return launch_gui(argv)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            return EXIT_USAGE
        if getattr(args, "lr", "absent") is None:
            args.lr = DEFAULT_LR[args.optimizer]
        return args.run(args)
    except (UserError, SpecError, DatasetError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:  # e.g. --save into a folder that doesn't exist
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"error: {where}{exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE
