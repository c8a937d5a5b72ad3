"""TrainSettings: the one home of training defaults.

The command line's flags (and their --help), Trainer's keyword defaults, the memory estimate, the
exported PyTorch script's defaults and the window's hyperparameter box all start from ``TrainSettings()``.
It lives apart from engine.train so that engine.memory (which engine.train needs) can read it too;
``from engine.train import TrainSettings`` is the public way to reach it.
"""
from __future__ import annotations

from dataclasses import dataclass

from .optim import DEFAULT_LR, OPTIMIZERS


@dataclass(frozen=True)
class TrainSettings:
    """Settings of a training run, with the defaults every front end shares.

    learning_rate None means the optimizer's usual rate (`DEFAULT_LR`); `lr` gives the rate in use.
    """

    epochs: int = 10
    batch_size: int = 64
    optimizer: str = "adam"              # one of engine.optim.OPTIMIZERS
    learning_rate: float | None = None
    validation_fraction: float = 0.1
    seed: int = 0

    def __post_init__(self):
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {self.optimizer!r} (known: {', '.join(OPTIMIZERS)})")

    @property
    def lr(self) -> float:
        """The learning rate this run uses: the one set, else the optimizer's default."""
        return DEFAULT_LR[self.optimizer] if self.learning_rate is None else float(self.learning_rate)
