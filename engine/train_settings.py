"""TrainSettings: the one home of training defaults.

The command line's flags (and their --help), Trainer's keyword defaults, the memory estimate, the
exported PyTorch script's defaults and the window's hyperparameter box all start from ``TrainSettings()``.
It lives apart from engine.train so that engine.memory (which engine.train needs) can read it too;
``from engine.train import TrainSettings`` is the public way to reach it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from .augment import Augmentation
from .optim import DEFAULT_LR, OPTIMIZERS
from .schedule import schedule_problem


@dataclass(frozen=True)
class TrainSettings:
    """Settings of a training run, with the defaults every front end shares.

    learning_rate None means the optimizer's usual rate (`DEFAULT_LR`); `lr` gives the rate in use.
    The training aids are off by default: a constant rate (engine.schedule has the formulas of step,
    cosine and the warm-up), no weight decay, no early stopping, no augmentation (engine.augment's text).
    Settings that can't work raise ValueError naming the setting and the value.
    """

    epochs: int = 10
    batch_size: int = 64
    optimizer: str = "adam"              # one of engine.optim.OPTIMIZERS
    learning_rate: float | None = None
    validation_fraction: float = 0.1
    seed: int = 0
    lr_schedule: str = "constant"        # one of engine.schedule.SCHEDULES
    lr_step: int = 10                    # step: epochs between two decays
    lr_gamma: float = 0.1                # step: the factor of each decay
    warmup_epochs: int = 0               # linear warm-up before the schedule starts
    weight_decay: float = 0.0            # L2 for SGD and momentum, decoupled (AdamW) for Adam
    early_stopping: int = 0              # patience in epochs without a lower validation loss; 0 = off
    augment: str = ""                    # e.g. "flip,shift:2"; "" = none (engine.augment.Augmentation.parse)

    def __post_init__(self):
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {self.optimizer!r} (known: {', '.join(OPTIMIZERS)})")
        problem = schedule_problem(self.lr_schedule, self.lr_step, self.lr_gamma, self.warmup_epochs)
        if problem:
            raise ValueError(problem)
        if not (isinstance(self.weight_decay, (int, float)) and math.isfinite(self.weight_decay)
                and self.weight_decay >= 0):
            raise ValueError(f"weight decay must be 0 or a positive number, got {self.weight_decay!r}")
        if isinstance(self.early_stopping, bool) or not isinstance(self.early_stopping, int) \
                or self.early_stopping < 0:
            raise ValueError(f"early stopping patience must be a whole number of epochs ≥ 0, "
                             f"got {self.early_stopping!r}")
        # The canonical text (the fixed order of engine.augment); AugmentError (a ValueError) if unreadable.
        object.__setattr__(self, "augment", str(Augmentation.parse(self.augment)))

    @property
    def augmentation(self) -> Augmentation:
        return Augmentation.parse(self.augment)

    @property
    def lr(self) -> float:
        """The learning rate this run uses: the one set, else the optimizer's default."""
        return DEFAULT_LR[self.optimizer] if self.learning_rate is None else float(self.learning_rate)
