"""The training aids' options of `train` (schedule, warm-up, weight decay, early stopping, augmentation)
and of run recording (--runs-dir, --no-record), with the checks that need the dataset or the epochs."""
from __future__ import annotations

import argparse

from ..augment import Augmentation, AugmentError, KINDS_HELP
from ..runs import RUNS_ENV
from ..schedule import SCHEDULES
from ..train import TrainSettings
from .common import UserError, non_negative_int, non_negative_number, positive_int

AIDS = TrainSettings()   # the defaults shown in --help


def gamma(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"learning-rate gamma must be a number, got {text!r}") from None
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"learning-rate gamma must be above 0 and at most 1 (the factor of "
                                         f"each step), got {text}")
    return value


def augmentation(text: str) -> str:
    try:
        return str(Augmentation.parse(text))
    except AugmentError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix("augment: ")) from None


def add_options(p) -> None:
    aids = p.add_argument_group("training aids (all off by default)")
    aids.add_argument("--lr-schedule", choices=SCHEDULES, default=AIDS.lr_schedule, metavar="|".join(SCHEDULES),
                      help="the rate of each epoch: constant; step (× gamma every N epochs); cosine "
                           "(lr·(1 + cos(π·e/E))/2 for epoch e of E from 0) (default: %(default)s)")
    aids.add_argument("--lr-step", type=positive_int("learning-rate step", 100_000), default=AIDS.lr_step,
                      metavar="N", help="step schedule: epochs between two decays (default: %(default)s)")
    aids.add_argument("--lr-gamma", type=gamma, default=AIDS.lr_gamma, metavar="G",
                      help="step schedule: the factor of each decay (default: %(default)s)")
    aids.add_argument("--warmup", type=non_negative_int("warm-up", 100_000), default=AIDS.warmup_epochs,
                      metavar="W", help="raise the rate linearly over the first W epochs, lr·(e+1)/(W+1); the "
                      "schedule starts after them (default: %(default)s)")
    aids.add_argument("--weight-decay", type=non_negative_number("weight decay"), default=AIDS.weight_decay,
                      metavar="X", help="pull the weights toward 0: L2 for sgd and momentum, decoupled (AdamW) "
                      "for adam; biases are not decayed (default: %(default)s)")
    aids.add_argument("--early-stopping", type=non_negative_int("early stopping patience", 100_000),
                      default=AIDS.early_stopping, metavar="P",
                      help="stop after P epochs without a lower validation loss and keep the best epoch's "
                      "weights (default: 0, off)")
    aids.add_argument("--augment", type=augmentation, default=AIDS.augment, metavar="LIST",
                      help=f"change each training batch at random, e.g. flip,shift:2,crop:4,color:20 "
                      f"({KINDS_HELP}; flips only when asked)")
    record = p.add_argument_group("run history")
    record.add_argument("--runs-dir", metavar="DIR", help=f"keep the run in DIR (default: ${RUNS_ENV}, else "
                        "the runs folder in the user's data folder)")
    record.add_argument("--no-record", action="store_true", help="do not keep this run in the run history")


def aid_settings(args) -> dict:
    """The TrainSettings fields of the training aids from parsed arguments."""
    return dict(lr_schedule=args.lr_schedule, lr_step=args.lr_step, lr_gamma=args.lr_gamma,
                warmup_epochs=args.warmup, weight_decay=args.weight_decay, early_stopping=args.early_stopping,
                augment=args.augment)


def check_aids(args, dataset) -> None:
    """UserError for aids that can't work with these epochs, this validation fraction or these images."""
    if args.warmup and args.warmup >= args.epochs:
        raise UserError(f"--warmup {args.warmup} leaves none of the {args.epochs} epochs at the full rate; "
                        "use fewer warm-up epochs than --epochs")
    if args.early_stopping and args.validation == 0:
        raise UserError(f"--early-stopping {args.early_stopping} watches the validation loss, and --validation "
                        "0 holds no images out; use --validation 0.1 (for example)")
    problem = Augmentation.parse(args.augment).problem(dataset.image_shape)
    if problem:
        raise UserError(f"--augment {args.augment}: dataset '{dataset.name}' has "
                        f"{'×'.join(map(str, dataset.image_shape))} images; {problem.removeprefix('augment: ')}")
