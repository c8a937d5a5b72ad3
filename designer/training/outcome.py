"""Did a finished run learn anything? The warning the Train tab shows instead of a green "finished".

A run with a wild learning rate (Adam at 100,000) can end every epoch without a NaN: the loss sits at
3.9e24 and the accuracy at chance. `run_warning` looks at the run's history and test result and says
so in one sentence; None when the run looks healthy. No widgets here.
"""
from __future__ import annotations

import math
from typing import Optional

from .text import percent
from .worker import TrainingResult

#: The loss "exploded" when the last epoch's mean loss is more than this many times the first batch's.
LOSS_GROWTH_LIMIT = 10.0
#: Accuracy up to chance (1/k) plus this margin counts as "stayed at chance".
CHANCE_MARGIN = 0.02


def _final_accuracy(result: TrainingResult) -> tuple[float, str]:
    """The best measure of the run's accuracy: test, else the last validation, else the last training."""
    if result.has_test_result:
        return result.test_accuracy, "test accuracy"
    history = result.history
    for values, what in ((history.val_accuracy, "validation accuracy"), (history.train_accuracy, "training accuracy")):
        finite = [v for v in values if isinstance(v, float) and math.isfinite(v)]
        if finite:
            return finite[-1], what
    return float("nan"), ""


def loss_problem(result: TrainingResult) -> Optional[str]:
    """"the loss grew from 2.3 to 3.9e+24" (or became non-finite); None when it didn't explode."""
    losses = result.history.batch_loss
    if not losses:
        return None
    first = losses[0]
    epoch_means = [v for v in result.history.train_loss if v is not None]
    last = epoch_means[-1] if epoch_means else losses[-1]
    if not all(math.isfinite(v) for v in (first, last)):
        return "the loss became non-finite"
    if len(losses) > 1 and last > LOSS_GROWTH_LIMIT * first:
        return f"the loss grew from {first:.3g} to {last:.3g}"
    return None


def chance_problem(result: TrainingResult, num_classes: int) -> Optional[str]:
    """"the test accuracy 10.2 % is chance for 10 classes"; None when it is clearly above chance.

    Only when the training accuracy stayed at chance too: a short run on a small test set can measure
    chance while the network is visibly learning the training images."""
    if num_classes < 2:
        return None
    chance = 1 / num_classes + CHANCE_MARGIN
    accuracy, what = _final_accuracy(result)
    if not math.isfinite(accuracy) or accuracy > chance:
        return None
    trained = [v for v in result.history.train_accuracy if isinstance(v, float) and math.isfinite(v)]
    if trained and trained[-1] > chance:
        return None
    return f"the {what} {percent(accuracy)} is chance for {num_classes} classes"


def run_warning(result: TrainingResult, num_classes: int, learning_rate: Optional[float] = None,
                optimizer_title: str = "", usual_rate: Optional[float] = None) -> Optional[str]:
    """One sentence when a completed or stopped run didn't learn; None otherwise.

    `learning_rate`, `optimizer_title` and `usual_rate` (the optimizer's usual rate) add the advice.
    """
    if result.status not in ("completed", "stopped"):
        return None
    problems = [p for p in (loss_problem(result), chance_problem(result, num_classes)) if p]
    if not problems:
        return None
    text = f"The network didn't learn: {' and '.join(problems)}."
    if learning_rate is not None and usual_rate is not None and learning_rate > usual_rate * 1.0001:
        text += (f" The learning rate {learning_rate:g} is probably too large; {optimizer_title or 'this optimizer'} "
                 f"usually uses {usual_rate:g}.")
    elif learning_rate is not None:
        text += " Try another learning rate, more epochs or a different design."
    return text
