"""`train ARCH.json --dataset D`: train a design and report its test accuracy.

Ctrl-C while training is a graceful stop: the loop ends before its next batch, the weights as they are
(every finished epoch, and the batches of the current one) are evaluated on the test set and written to
``--save``, and the command exits with status 130 (128 + SIGINT, what shells report for a command ended by
Ctrl-C) after one line on stderr saying it was interrupted. A second Ctrl-C — while training, evaluating,
saving or recording the run — aborts at once (exit 2; a save in progress leaves the old file as it was).
With --early-stopping the weights evaluated and saved are the best epoch's, however the run ended.

A closed standard output (`train ... | head -1`) stops the progress lines, not the run. A save that fails
after the run (a full disk, a folder removed meanwhile) writes the weights to another folder and says where.

Every run is kept in the run history (engine.runs; `runs list` shows them) unless --no-record is given; the
runs folder is checked before training, and a run that can't be written there is a warning, not an error.
"""
from __future__ import annotations

import contextlib
import json
import signal
import sys
import threading
import time
from pathlib import Path

from ..fileio import check_not_an_input, check_writable, rescue_save
from ..memory import check_memory
from ..network import Network
from ..optim import DEFAULT_LR, OPTIMIZERS
from ..runs import RunError, prepare_runs_folder, record_run, runs_folder
from ..parallel import workers_for
from ..shapes import summarize
from ..train import Trainer, TrainSettings, check_dataset_fits, dataset_fit_note
from . import training_aids
from .common import (DATASET_HELP, DATASET_METAVAR, DESIGN_METAVAR, EXIT_INTERRUPTED, EXIT_USAGE, Lines, UserError,
                     add_dataset_options, design_help, finite_or_none, fraction, input_files, learning_rate,
                     load_dataset_arg, load_design_and_weights, number, percent, positive_int, seed_arg, test_result_line)


@contextlib.contextmanager
def ctrl_c_requests_stop():
    """Inside the block, the first SIGINT sets ``flag.is_set()`` instead of raising KeyboardInterrupt (a
    second one raises it as usual); the previous handler is restored after. Outside the main thread,
    where Python can't install handlers, Ctrl-C keeps its default behaviour."""
    flag = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield flag
        return

    def handler(signum, frame):
        if flag.is_set():
            raise KeyboardInterrupt
        flag.set()

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield flag
    finally:
        signal.signal(signal.SIGINT, previous)


def run(args) -> int:
    spec, imported = load_design_and_weights(args.arch)    # an .onnx model brings its weights to start from
    summary = summarize(spec)
    if not summary.ok:
        raise UserError(f"{args.arch}: {summary.error}")
    if args.save is not None:
        check_writable(args.save)       # before training, so a run is never lost to a bad path
        check_not_an_input(args.save, input_files(design=args.arch, dataset=args.dataset))
    check_memory(summary, purpose="train", batch_size=args.batch_size, optimizer=args.optimizer, what=args.arch,
                 early_stopping=bool(args.early_stopping))
    try:
        runs = None if args.no_record else prepare_runs_folder(runs_folder(args.runs_dir))
    except RunError as exc:
        raise UserError(f"{exc}; keep runs elsewhere with --runs-dir DIR, or skip it with --no-record") from None
    net = imported if imported is not None else Network.from_spec(spec, seed=args.seed)
    dataset = load_dataset_arg(args.dataset, args.seed, args)
    check_dataset_fits(net, dataset)
    note = dataset_fit_note(net, dataset)
    if note:
        print(f"note: {note}", file=sys.stderr)
    training_aids.check_aids(args, dataset)
    settings = TrainSettings(epochs=args.epochs, batch_size=args.batch_size, optimizer=args.optimizer,
                             learning_rate=args.lr, validation_fraction=args.validation, seed=args.seed,
                             **training_aids.aid_settings(args))
    trainer = Trainer.from_settings(net, settings)
    # Progress survives a closed pipe (`train ... | head -1`): the lines stop, the run and --save go on.
    progress = Lines(sys.stderr if args.json else sys.stdout)
    results = Lines(sys.stdout)
    start = f", starting from the weights in {args.arch}" if imported is not None else ""
    progress.print(f"training {spec.name or args.arch} ({summary.total_params:,} parameters) on "
                   f"{dataset.describe()}{start}")

    def on_epoch(info):
        progress.print(f"epoch {info.epoch}/{info.epochs}  loss {info.train_loss:.4f}  acc "
                       f"{percent(info.train_accuracy)}  val_loss {number(info.val_loss)}  val_acc "
                       f"{percent(info.val_accuracy)}  lr {info.lr:.3g}  ({info.seconds:.1f} s)")

    # The first Ctrl-C stops the loop before its next batch; a second one, at any point until the end
    # (training, evaluating, saving, recording), aborts at once with status 2.
    started = time.perf_counter()
    save_problem, run_id = None, None
    try:
        with ctrl_c_requests_stop() as ctrl_c:
            with workers_for(net, args.batch_size):     # the same worker processes for training and the test set
                history = trainer.fit(dataset, epochs=args.epochs, on_epoch=on_epoch, should_stop=ctrl_c.is_set)
                interrupted = ctrl_c.is_set()
                if interrupted:
                    print(f"interrupted (Ctrl-C) after {history.epochs_completed} of {args.epochs} epochs; "
                          "evaluating and saving the weights as they are", file=sys.stderr, flush=True)
                seconds = time.perf_counter() - started
                test_loss, test_acc = net.evaluate(dataset.x_test, dataset.y_test)
            if history.diverged:
                print(history.message, file=sys.stderr)
            elif history.restored_best:
                progress.print(history.message)
            progress.print(test_result_line(test_acc, test_loss, len(dataset.y_test)))
            if args.save is not None:
                save_problem = _save(net, args.save)
                if save_problem is None:
                    progress.print(f"saved weights and design to {args.save}")
            if runs is not None:
                run_id = _record(runs, progress, net=net, dataset=dataset, settings=settings, history=history,
                                 test_loss=test_loss, test_accuracy=test_acc, seconds=seconds,
                                 dataset_argument=_dataset_argument(args.dataset),
                                 last_weights=trainer.last_weights, interrupted=interrupted)
    except KeyboardInterrupt:
        raise UserError("interrupted twice: stopped at once; nothing more was evaluated or saved") from None
    if args.json:
        results.print(json.dumps({"name": spec.name, "dataset": dataset.name,
                                  "test_accuracy": finite_or_none(test_acc), "test_loss": finite_or_none(test_loss),
                                  "params": summary.total_params, "interrupted": interrupted, "run_id": run_id,
                                  "history": history.to_dict()}, indent=2))
    if save_problem is not None:
        print(f"error: {save_problem}", file=sys.stderr)
        return EXIT_USAGE
    if interrupted:
        return EXIT_INTERRUPTED
    return 1 if history.diverged else 0



def _save(net: Network, path: str) -> str | None:
    """Save the trained weights to `path`; None when that worked, else the one-line problem — with where
    the weights went instead (a save failing after a long run must not lose the run)."""
    try:
        net.save(path)
        return None
    except OSError as exc:
        reason = f"could not save to {path} ({(exc.strerror or str(exc)).lower()})"
    rescued = rescue_save(path, net.save)
    if rescued is None:
        return f"{reason}, nor in the temporary, home or current folder: the trained weights are lost"
    return f"{reason}; the trained weights were saved to {rescued} instead"


def _record(runs, progress: Lines, **details) -> str | None:
    """Keep the run in the run history; its id, or None with a warning when it can't be written (the result
    is printed and saved; only the history lacks it)."""
    try:
        run = record_run(runs, **details)
    except (RunError, OSError) as exc:
        print(f"warning: the run was not recorded: {exc}", file=sys.stderr, flush=True)
        return None
    note = run.data["weights"].get("note")
    progress.print(f"recorded run {run.id} in {runs}" + (f" ({note})" if note else ""))
    return run.id


def _dataset_argument(value: str) -> str:
    """--dataset as the run history keeps it: a built-in's name, else the absolute path."""
    path = Path(value)
    return str(path.resolve()) if path.exists() else value


def add_parser(sub) -> None:
    defaults = TrainSettings()      # the window's defaults too
    p = sub.add_parser("train", help="train an architecture on a dataset and report test accuracy")
    p.add_argument("arch", metavar=DESIGN_METAVAR, help=design_help())
    p.add_argument("--dataset", required=True, metavar=DATASET_METAVAR, help=DATASET_HELP)
    add_dataset_options(p)
    p.add_argument("--epochs", type=positive_int("epochs", 100_000), default=defaults.epochs, metavar="N",
                   help="passes over the training data (default: %(default)s)")
    p.add_argument("--batch-size", type=positive_int("batch size", 1_000_000), default=defaults.batch_size, metavar="B",
                   help="examples per gradient step (default: %(default)s)")
    p.add_argument("--lr", type=learning_rate, default=None, metavar="X", help="learning rate (default: " + ", ".join(
        f"{DEFAULT_LR[name]:g} for {name}" for name in OPTIMIZERS) + ")")
    p.add_argument("--optimizer", choices=OPTIMIZERS, default=defaults.optimizer, metavar="|".join(OPTIMIZERS),
                   help="how the weights are updated (default: %(default)s)")
    p.add_argument("--validation", type=fraction, default=defaults.validation_fraction, metavar="F",
                   help="fraction of the training data held out to validate each epoch (default: %(default)s)")
    p.add_argument("--seed", type=seed_arg, default=defaults.seed, metavar="S",
                   help="seeds the shuffling, the initial weights and the shapes dataset (default: %(default)s)")
    p.add_argument("--save", metavar="RUN.npz", help="write the trained weights (with the design) here")
    p.add_argument("--json", action="store_true", help="print one JSON document at the end (progress on stderr)")
    training_aids.add_options(p)
    p.set_defaults(run=run)
