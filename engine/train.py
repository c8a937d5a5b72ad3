"""Trainer: seeded mini-batch gradient descent over a Dataset — a plain loop with callbacks, no Qt.

The window's worker thread and the command line both drive this same loop; they differ only in
what their callbacks do with the progress.
"""
from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field
from typing import Callable, Optional

import numpy as np

from .data import Dataset, DatasetError
from .data.pixels import images_to_float
from .kinds import class_count_field, num_classes_of
from .network import Network
from .train_settings import TrainSettings
from .parallel import batch_buffer, workers_for

_DEFAULTS = TrainSettings()


@dataclass
class BatchInfo:
    epoch: int            # 1-based
    epochs: int
    batch: int            # 1-based within the epoch
    batches_per_epoch: int
    iteration: int        # 1-based over the whole run
    total_iterations: int
    loss: float


@dataclass
class EpochInfo:
    epoch: int
    epochs: int
    train_loss: float
    train_accuracy: float
    val_loss: float       # nan without a validation set
    val_accuracy: float
    seconds: float


@dataclass
class History:
    batch_loss: list = field(default_factory=list)       # one per iteration
    train_loss: list = field(default_factory=list)       # one per epoch (mean over its batches)
    train_accuracy: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    val_accuracy: list = field(default_factory=list)
    epochs_completed: int = 0
    stopped: bool = False      # should_stop() asked the loop to end early
    diverged: bool = False     # a loss turned NaN or infinite; the weights are the last good ones
    message: str = ""

    def to_dict(self) -> dict:
        def clean(values):
            return [None if (isinstance(v, float) and not math.isfinite(v)) else v for v in values]
        d = asdict(self)
        for key in ("batch_loss", "train_loss", "train_accuracy", "val_loss", "val_accuracy"):
            d[key] = clean(d[key])
        return d


def dataset_shape_problem(net_or_spec, dataset: Dataset, saved_weights: bool = False) -> str | None:
    """Why `dataset`'s images (n_H, n_W, n_C) don't fit the design's input, saying what to change;
    None when they fit. ``saved_weights``: the network's weights are fixed (loaded from a file), so the
    advice is to use a dataset of the right shape, not to change the input."""
    spec = getattr(net_or_spec, "spec", net_or_spec)
    want = "×".join(map(str, spec.input.shape))
    got = "×".join(map(str, dataset.image_shape))
    if want == got:
        return None
    if saved_weights:
        return (f"these weights were trained on {want} images but dataset '{dataset.name}' has {got} images; "
                f"evaluate them on a dataset of {want} images (class folders can be resized with "
                f"--image-size, CSV rows shaped with --image-shape)")
    return (f"dataset '{dataset.name}' has {got} images but the design's input is {want}; "
            f"set the input to {got}")


def dataset_fit_problem(net_or_spec, dataset: Dataset, saved_weights: bool = False) -> str | None:
    """Why the design can't be trained or evaluated on `dataset` (image shape, class count, label
    range — the first that fails), saying what to change; None when it fits. ``saved_weights`` as
    for `dataset_shape_problem`."""
    shape_problem = dataset_shape_problem(net_or_spec, dataset, saved_weights)
    if shape_problem:
        return shape_problem
    if dataset.num_classes < 2:
        return (f"dataset '{dataset.name}' has only {dataset.num_classes} class; a classifier needs at least "
                "two classes to tell apart (for a yes/no question: two classes, 0 = no and 1 = yes, with one "
                "sigmoid output unit)")
    spec = getattr(net_or_spec, "spec", net_or_spec)
    classes = num_classes_of(spec)
    if dataset.num_classes != classes:
        last = spec.layer_names()[-1]
        count_field = class_count_field(spec)
        fix = (f"set {last}'s {count_field} to {dataset.num_classes}" if count_field and not saved_weights else
               f"use a design whose last layer is softmax with {dataset.num_classes} units")
        return (f"dataset '{dataset.name}' has {dataset.num_classes} classes but the last layer {last} gives "
                f"{classes}; {fix}")
    for label, y in (("training", dataset.y_train), ("test", dataset.y_test)):
        if len(y) and (int(y.min()) < 0 or int(y.max()) >= classes):
            return (f"dataset '{dataset.name}': {label} labels run from {int(y.min())} to "
                    f"{int(y.max())}, outside 0..{classes - 1}")
    return None


def check_dataset_fits(net_or_spec, dataset: Dataset, saved_weights: bool = False) -> None:
    """DatasetError if the dataset's images or classes don't fit the design, saying what to change
    (the message of `dataset_fit_problem`)."""
    problem = dataset_fit_problem(net_or_spec, dataset, saved_weights)
    if problem:
        raise DatasetError(problem)


class Trainer:
    """Mini-batch training of `net` with `optimizer` (SGD / Adam).

    Shuffling is seeded: the same seed, network and data give the same run.
    """

    def __init__(self, net: Network, optimizer, batch_size: int = _DEFAULTS.batch_size, seed: int = _DEFAULTS.seed,
                 validation_fraction: float = _DEFAULTS.validation_fraction):
        if batch_size < 1:
            raise ValueError(f"batch size must be at least 1, got {batch_size}")
        if not 0 <= validation_fraction < 1:
            raise ValueError(f"validation fraction must be from 0 up to (not including) 1, got {validation_fraction}")
        self.net = net
        self.optimizer = optimizer
        self.batch_size = int(batch_size)
        self.seed = seed
        self.validation_fraction = validation_fraction

    def fit(self, dataset: Dataset, epochs: int = _DEFAULTS.epochs,
            on_batch: Optional[Callable[[BatchInfo], None]] = None,
            on_epoch: Optional[Callable[[EpochInfo], None]] = None,
            should_stop: Optional[Callable[[], bool]] = None) -> History:
        """Train for `epochs` passes over the training part (less the validation fraction).

        should_stop() is asked before every batch; returning True ends the run with the weights as
        they are. A NaN or infinite loss ends it too (history.diverged), with the weights restored
        to the last step that gave a finite loss.

        The batches run on the engine's cores (engine.parallel.workers_for: worker processes started
        for this run and stopped at its end, however it ends), unless the network already has a pool.
        """
        if epochs < 1:
            raise ValueError(f"epochs must be at least 1, got {epochs}")
        check_dataset_fits(self.net, dataset)
        with workers_for(self.net, self.batch_size):
            return self._fit(dataset, epochs, on_batch, on_epoch, should_stop)

    def _fit(self, dataset, epochs, on_batch, on_epoch, should_stop) -> History:
        x_train, y_train, x_val, y_val = dataset.split_validation(self.validation_fraction, seed=self.seed)
        if len(x_train) == 0:
            raise DatasetError(f"dataset '{dataset.name}' leaves no training examples after the validation split")
        # uint8 images stay uint8 here; each batch becomes float as it is used (engine/data/pixels.py).
        m = len(x_train)
        batches = math.ceil(m / self.batch_size)
        total = batches * epochs
        rng = np.random.default_rng(self.seed)
        history = History()
        params = self.net.params
        last_good = {key: value.copy() for key, value in params.items()}
        iteration = 0
        for epoch in range(1, epochs + 1):
            started = time.perf_counter()
            order = rng.permutation(m)
            loss_sum, correct, seen = 0.0, 0, 0
            for batch in range(1, batches + 1):
                if should_stop is not None and should_stop():
                    history.stopped = True
                    history.message = f"stopped during epoch {epoch}"
                    return history
                index = order[(batch - 1) * self.batch_size: batch * self.batch_size]
                # Into the worker processes' shared batch buffer when there are workers (no copy per part).
                xb = images_to_float(x_train[index], self.net.dtype, out=batch_buffer(self.net, len(index)))
                yb = y_train[index]
                # A diverging run overflows on its way to NaN; that is reported below, not warned about.
                with np.errstate(over="ignore", invalid="ignore"):
                    loss, grads, logits = self.net.train_step(xb, yb)
                iteration += 1
                if not math.isfinite(loss):
                    for key, value in last_good.items():
                        params[key][...] = value
                    history.diverged = True
                    history.message = (f"the loss became {loss} at epoch {epoch}, batch {batch}: training "
                                       "diverged. Try a learning rate 10× lower; the weights are the last "
                                       "good ones.")
                    return history
                for key, value in params.items():
                    np.copyto(last_good[key], value)
                self.optimizer.step(params, grads)
                history.batch_loss.append(loss)
                loss_sum += loss * len(index)
                seen += len(index)
                correct += int(np.sum(self.net.classes_from_logits(logits) == yb))
                if on_batch is not None:
                    on_batch(BatchInfo(epoch, epochs, batch, batches, iteration, total, loss))
            val_loss, val_acc = self.net.evaluate(x_val, y_val) if len(x_val) else (float("nan"), float("nan"))
            history.train_loss.append(loss_sum / seen)
            history.train_accuracy.append(correct / seen)
            history.val_loss.append(val_loss)
            history.val_accuracy.append(val_acc)
            history.epochs_completed = epoch
            if on_epoch is not None:
                on_epoch(EpochInfo(epoch, epochs, loss_sum / seen, correct / seen, val_loss, val_acc,
                                   time.perf_counter() - started))
        return history
