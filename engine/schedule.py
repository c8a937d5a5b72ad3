"""Learning-rate schedules: the rate of every epoch of a run, from the base rate and the schedule's settings.

The rate is set once per epoch. With a warm-up of W epochs (0 ≤ W < E, the run's E epochs counted from 0):

    warm-up, e < W:       lr · (e + 1) / (W + 1)          (a linear ramp that reaches lr at epoch W)
    then, t = e − W of T = E − W epochs (the schedule's clock starts when the warm-up ends):
    constant              lr
    step                  lr · gamma^⌊t / N⌋              (× gamma every N epochs)
    cosine                lr · (1 + cos(π · t / T)) / 2   (from lr down towards 0, never reaching it)

Without warm-up t = e and T = E, the formulas of the course's schedules.
"""
from __future__ import annotations

import math

SCHEDULES = ("constant", "step", "cosine")


def schedule_problem(schedule: str, step: int, gamma: float, warmup: int) -> str | None:
    """Why these schedule settings can't be used (one sentence naming the setting and value), or None."""
    if schedule not in SCHEDULES:
        return f"learning-rate schedule must be one of {', '.join(SCHEDULES)}, got {schedule!r}"
    if isinstance(step, bool) or not isinstance(step, int) or step < 1:
        return f"learning-rate step must be a whole number of epochs ≥ 1, got {step!r}"
    if isinstance(gamma, bool) or not isinstance(gamma, (int, float)) or not 0 < gamma <= 1:
        return f"learning-rate gamma must be above 0 and at most 1 (the factor of each step), got {gamma!r}"
    if isinstance(warmup, bool) or not isinstance(warmup, int) or warmup < 0:
        return f"warm-up must be a whole number of epochs ≥ 0, got {warmup!r}"
    return None


def epoch_rates(base: float, epochs: int, schedule: str = "constant", step: int = 10, gamma: float = 0.1,
                warmup: int = 0) -> list[float]:
    """The learning rate of each of `epochs` epochs (a list of `epochs` floats), by the formulas above.

    ValueError for settings `schedule_problem` refuses, for a base rate that is not positive, or for a
    warm-up that leaves no epoch after it (warmup ≥ epochs).
    """
    problem = schedule_problem(schedule, step, gamma, warmup)
    if problem:
        raise ValueError(problem)
    base = float(base)
    if not math.isfinite(base) or base <= 0:
        raise ValueError(f"learning rate must be a positive number, got {base}")
    if warmup >= epochs:
        raise ValueError(f"a warm-up of {warmup} epochs leaves none of the {epochs} epochs to train at the "
                         f"full rate; use fewer warm-up epochs than epochs")
    rates = [base * (e + 1) / (warmup + 1) for e in range(warmup)]
    total = epochs - warmup
    for t in range(total):
        if schedule == "step":
            rates.append(base * gamma ** (t // step))
        elif schedule == "cosine":
            rates.append(base * (1 + math.cos(math.pi * t / total)) / 2)
        else:
            rates.append(base)
    return rates
