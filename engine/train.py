"""Trainer: seeded mini-batch gradient descent over a Dataset — a plain loop with callbacks, no Qt.

The window's worker thread and the command line both drive this same loop; they differ only in
what their callbacks do with the progress. The training aids live here too, so both get them alike: a
learning rate per epoch (engine.schedule), weight decay (in the optimizer, engine.optim), early stopping
on the validation loss, and augmentation of the training batches (engine.augment).
"""
from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field
from typing import Callable, Optional

import numpy as np

from .augment import Augmentation
from .data import BUILTIN_DATASETS, BUILTIN_FACTS, Dataset, DatasetError
from .data.pixels import images_to_float
from .kinds import class_count_field, num_classes_of
from .kinds.checks import SpecError
from .network import Network
from .optim import make_optimizer
from .schedule import epoch_rates, schedule_problem
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
    lr: float = float("nan")   # the learning rate of this epoch


@dataclass
class History:
    batch_loss: list = field(default_factory=list)       # one per iteration
    train_loss: list = field(default_factory=list)       # one per epoch (mean over its batches)
    train_accuracy: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    val_accuracy: list = field(default_factory=list)
    lr: list = field(default_factory=list)                # the learning rate of each epoch
    epochs_completed: int = 0
    stopped: bool = False      # should_stop() asked the loop to end early
    diverged: bool = False     # a loss turned NaN or infinite; the weights are the last good ones
    best_epoch: int | None = None   # 1-based epoch of the lowest validation loss; None without validation
    stopped_early: bool = False     # early stopping ended the run (no lower validation loss for `patience` epochs)
    restored_best: bool = False     # the weights at the end are best_epoch's (early stopping restored them)
    message: str = ""

    def to_dict(self) -> dict:
        def clean(values):
            return [None if (isinstance(v, float) and not math.isfinite(v)) else v for v in values]
        d = asdict(self)
        for key in ("batch_loss", "train_loss", "train_accuracy", "val_loss", "val_accuracy", "lr"):
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


def classes_fit(outputs: int, classes: int) -> bool:
    """A design with `outputs` class scores can learn a dataset of `classes` classes. More outputs than
    classes trains (the extra outputs are never a label and learn to stay unlikely: `dataset_fit_note`
    says so); fewer can't give every class a score."""
    return classes <= outputs


def builtin_dataset_for(spec) -> str | None:
    """The first built-in dataset ("digits", "shapes") the design can train on as it is — its images
    have the design's input shape and its classes fit the output — without reading it; None when none
    does (a design without a class output yet counts its input shape only)."""
    for name in BUILTIN_DATASETS:
        shape, classes = BUILTIN_FACTS[name]
        if tuple(spec.input.shape) != shape:
            continue
        try:
            outputs = num_classes_of(spec)
        except SpecError:
            return name
        if classes_fit(outputs, classes):
            return name
    return None


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
    if not classes_fit(classes, dataset.num_classes):
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


def dataset_fit_note(net_or_spec, dataset: Dataset, brief: bool = False) -> str | None:
    """A note (not a problem) when the design fits `dataset` with more softmax outputs than it has classes:
    "Softmax gives 10 outputs for the 4 classes of 'shapes': outputs 4–9 stand for no class and learn to
    stay unlikely; set Softmax's units to 4 to match" (`brief`: "Softmax's outputs 4–9 stand for no
    class"). None otherwise (or when it doesn't fit)."""
    if dataset_fit_problem(net_or_spec, dataset) is not None:
        return None
    spec = getattr(net_or_spec, "spec", net_or_spec)
    classes, k = num_classes_of(spec), dataset.num_classes
    if classes <= k:
        return None
    last = spec.layer_names()[-1]
    extra = f"output {k} stands" if classes == k + 1 else f"outputs {k}–{classes - 1} stand"
    if brief:
        return f"{last}'s {extra} for no class"
    field = class_count_field(spec)
    tidy = f"; set {last}'s {field} to {k} to match" if field else ""
    return (f"{last} gives {classes} outputs for the {k} classes of '{dataset.name}': {extra} for no class "
            f"and learn to stay unlikely{tidy}")


def settings_fit_problem(settings: TrainSettings, image_shape) -> str | None:
    """Why the training aids of `settings` can't work for a run of its epochs on images of `image_shape`
    (n_H, n_W, n_C), naming the setting and saying what to change; None when they can. These are the
    refusals `Trainer.fit` would make after the run started, said before it does."""
    if settings.warmup_epochs and settings.warmup_epochs >= settings.epochs:
        return (f"a warm-up of {settings.warmup_epochs} epochs leaves none of the {settings.epochs} epochs at "
                "the full learning rate; use fewer warm-up epochs than epochs")
    if settings.early_stopping and settings.validation_fraction <= 0:
        return (f"early stopping (patience {settings.early_stopping}) watches the validation loss, and a "
                "validation fraction of 0 holds no images out; set the validation fraction to 0.1 (for example)")
    problem = settings.augmentation.problem(tuple(image_shape))
    if problem:
        return problem.replace("augment: ", "augmentation ", 1)
    return None


def check_dataset_fits(net_or_spec, dataset: Dataset, saved_weights: bool = False) -> None:
    """DatasetError if the dataset's images or classes don't fit the design, saying what to change
    (the message of `dataset_fit_problem`)."""
    problem = dataset_fit_problem(net_or_spec, dataset, saved_weights)
    if problem:
        raise DatasetError(problem)


def _network_state(net: Network) -> dict:
    """The network's non-trainable arrays (e.g. batch-norm running statistics in `net.state`), or {}."""
    state = getattr(net, "state", None)
    return state if isinstance(state, dict) else {}


class WeightsCopy:
    """A copy of a network's weights and non-trainable state, restored in place (layers keep their arrays)."""

    def __init__(self, net: Network):
        self.params = {key: value.copy() for key, value in net.params.items()}
        self.state = {key: np.array(value, copy=True) for key, value in _network_state(net).items()}

    def take(self, net: Network) -> None:
        """Overwrite this copy with the network's current arrays (no new allocation)."""
        for key, value in net.params.items():
            np.copyto(self.params[key], value)
        for key, value in _network_state(net).items():
            if key in self.state and self.state[key].shape == np.shape(value):
                np.copyto(self.state[key], value)
            else:
                self.state[key] = np.array(value, copy=True)

    def restore(self, net: Network) -> None:
        """Put the copied arrays back into the network's own arrays."""
        for key, value in self.params.items():
            net.params[key][...] = value
        state = _network_state(net)
        for key, value in self.state.items():
            if key in state and isinstance(state[key], np.ndarray) and state[key].shape == value.shape:
                state[key][...] = value
            else:
                state[key] = value.copy()


class Trainer:
    """Mini-batch training of `net` with `optimizer` (SGD / Adam), with the training aids.

    Shuffling is seeded: the same seed, network and data give the same run. Augmentation draws from its
    own generator seeded by `seed` too, so turning it on leaves the order of the batches as it was.

    Training aids (keywords; `Trainer.from_settings` takes them from a `TrainSettings`):
        lr_schedule, lr_step, lr_gamma, warmup_epochs: the rate of each epoch (engine.schedule), starting
            from the optimizer's rate; it is set on the optimizer before each epoch.
        early_stopping: patience P ≥ 1 turns it on: after each epoch the validation loss is compared with
            the lowest so far; after P epochs without a lower one the run ends (history.stopped_early), and
            whenever the run ends — stopped early, after its last epoch, stopped or diverged — the weights
            and network state of the best epoch are put back (history.restored_best). Needs a validation
            fraction above 0.
        augment: an `Augmentation` or its text ("flip,shift:2"), applied to training batches only.
    """

    def __init__(self, net: Network, optimizer, batch_size: int = _DEFAULTS.batch_size, seed: int = _DEFAULTS.seed,
                 validation_fraction: float = _DEFAULTS.validation_fraction, *,
                 lr_schedule: str = _DEFAULTS.lr_schedule, lr_step: int = _DEFAULTS.lr_step,
                 lr_gamma: float = _DEFAULTS.lr_gamma, warmup_epochs: int = _DEFAULTS.warmup_epochs,
                 early_stopping: int = _DEFAULTS.early_stopping, augment: Augmentation | str | None = None):
        if batch_size < 1:
            raise ValueError(f"batch size must be at least 1, got {batch_size}")
        if not 0 <= validation_fraction < 1:
            raise ValueError(f"validation fraction must be from 0 up to (not including) 1, got {validation_fraction}")
        problem = schedule_problem(lr_schedule, lr_step, lr_gamma, warmup_epochs)
        if problem:
            raise ValueError(problem)
        if early_stopping < 0:
            raise ValueError(f"early stopping patience must be 0 (off) or more epochs, got {early_stopping}")
        self.net = net
        self.optimizer = optimizer
        self.batch_size = int(batch_size)
        self.seed = seed
        self.validation_fraction = validation_fraction
        self.lr_schedule, self.lr_step, self.lr_gamma = lr_schedule, lr_step, lr_gamma
        self.warmup_epochs = warmup_epochs
        self.early_stopping = int(early_stopping)
        self.augment = augment if isinstance(augment, Augmentation) else Augmentation.parse(augment)
        #: After a run whose best epoch was restored: the weights of its last epoch (a WeightsCopy), else None.
        self.last_weights: WeightsCopy | None = None

    @classmethod
    def from_settings(cls, net: Network, settings: TrainSettings) -> "Trainer":
        """A trainer with the optimizer (and weight decay) and the training aids of `settings`; train it
        with ``fit(dataset, epochs=settings.epochs)``."""
        optimizer = make_optimizer(settings.optimizer, settings.lr, settings.weight_decay)
        return cls(net, optimizer, batch_size=settings.batch_size, seed=settings.seed,
                   validation_fraction=settings.validation_fraction, lr_schedule=settings.lr_schedule,
                   lr_step=settings.lr_step, lr_gamma=settings.lr_gamma, warmup_epochs=settings.warmup_epochs,
                   early_stopping=settings.early_stopping, augment=settings.augmentation)

    def epoch_rates(self, epochs: int) -> list[float]:
        """The learning rate of each epoch of a run of `epochs` (ValueError if the warm-up is too long)."""
        return epoch_rates(self.optimizer.lr, epochs, self.lr_schedule, self.lr_step, self.lr_gamma,
                           self.warmup_epochs)

    def fit(self, dataset: Dataset, epochs: int = _DEFAULTS.epochs,
            on_batch: Optional[Callable[[BatchInfo], None]] = None,
            on_epoch: Optional[Callable[[EpochInfo], None]] = None,
            should_stop: Optional[Callable[[], bool]] = None) -> History:
        """Train for `epochs` passes over the training part (less the validation fraction).

        should_stop() is asked before every batch; returning True ends the run with the weights as
        they are (the best epoch's with early stopping). A NaN or infinite loss ends it too
        (history.diverged), with the weights restored to the last step that gave a finite loss (or to
        the best epoch's with early stopping).

        The batches run on the engine's cores (engine.parallel.workers_for: worker processes started
        for this run and stopped at its end, however it ends), unless the network already has a pool.
        """
        if epochs < 1:
            raise ValueError(f"epochs must be at least 1, got {epochs}")
        check_dataset_fits(self.net, dataset)
        problem = self.augment.problem(dataset.image_shape)
        if problem:
            raise DatasetError(f"dataset '{dataset.name}': {problem}")
        base_lr = self.optimizer.lr
        rates = self.epoch_rates(epochs)
        x_train, y_train, x_val, y_val = dataset.split_validation(self.validation_fraction, seed=self.seed)
        if len(x_train) == 0:
            raise DatasetError(f"dataset '{dataset.name}' leaves no training examples after the validation split")
        if self.early_stopping and len(x_val) == 0:
            raise ValueError("early stopping watches the validation loss, and this run has no validation "
                             f"images (validation fraction {self.validation_fraction}); hold some out")
        history = History()
        self.last_weights = None
        last_good = WeightsCopy(self.net)
        best = WeightsCopy(self.net) if self.early_stopping else None
        try:
            with workers_for(self.net, self.batch_size):
                self._epochs(x_train, y_train, x_val, y_val, rates, history, last_good, best,
                             on_batch, on_epoch, should_stop)
        finally:
            self.optimizer.lr = base_lr
        if best is not None and history.best_epoch is not None:
            if history.best_epoch != history.epochs_completed or history.stopped or history.diverged:
                last_good.take(self.net)         # the buffer is free now: it keeps the last weights
                self.last_weights = last_good
            best.restore(self.net)
            history.restored_best = True
            history.message = self._restored_message(history)
        return history

    def _restored_message(self, history: History) -> str:
        best = history.best_epoch
        note = (f"the weights are those of epoch {best}, the lowest validation loss "
                f"({history.val_loss[best - 1]:.4f})")
        if history.stopped_early:
            return (f"early stopping after epoch {history.epochs_completed}: the validation loss has not gone "
                    f"below epoch {best}'s for {self.early_stopping} epochs; {note}")
        if history.diverged:
            return history.message.replace("the weights are the last good ones.", f"early stopping: {note}.")
        if history.stopped:
            return f"{history.message}; early stopping: {note}"
        return f"early stopping: {note}"

    def _epochs(self, x_train, y_train, x_val, y_val, rates, history, last_good, best,
                on_batch, on_epoch, should_stop) -> None:
        """The loop of `fit`, filling `history`; returns when the run ends for any reason."""
        epochs = len(rates)
        m = len(x_train)
        batches = math.ceil(m / self.batch_size)
        total = batches * epochs
        rng = np.random.default_rng(self.seed)
        augment_rng = np.random.default_rng([self.seed, 1])
        clip = x_train.dtype == np.uint8
        params = self.net.params
        best_loss = math.inf
        iteration = 0
        # uint8 images stay uint8 here; each batch becomes float as it is used (engine/data/pixels.py).
        for epoch in range(1, epochs + 1):
            started = time.perf_counter()
            self.optimizer.lr = rates[epoch - 1]
            order = rng.permutation(m)
            loss_sum, correct, seen = 0.0, 0, 0
            for batch in range(1, batches + 1):
                if should_stop is not None and should_stop():
                    history.stopped = True
                    history.message = f"stopped during epoch {epoch}"
                    return
                index = order[(batch - 1) * self.batch_size: batch * self.batch_size]
                # Into the worker processes' shared batch buffer when there are workers (no copy per part).
                xb = images_to_float(x_train[index], self.net.dtype, out=batch_buffer(self.net, len(index)))
                yb = y_train[index]
                xb = self.augment.apply(xb, augment_rng, clip=clip)
                # A diverging run overflows on its way to NaN; that is reported below, not warned about.
                with np.errstate(over="ignore", invalid="ignore"):
                    loss, grads, logits = self.net.train_step(xb, yb)
                iteration += 1
                if not math.isfinite(loss):
                    last_good.restore(self.net)
                    history.diverged = True
                    history.message = (f"the loss became {loss} at epoch {epoch}, batch {batch}: training "
                                       "diverged. Try a learning rate 10× lower; the weights are the last "
                                       "good ones.")
                    return
                last_good.take(self.net)
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
            history.lr.append(rates[epoch - 1])
            history.epochs_completed = epoch
            if val_loss < best_loss:      # NaN never counts as an improvement
                best_loss, history.best_epoch = val_loss, epoch
                if best is not None:
                    best.take(self.net)
            if on_epoch is not None:
                on_epoch(EpochInfo(epoch, epochs, loss_sum / seen, correct / seen, val_loss, val_acc,
                                   time.perf_counter() - started, rates[epoch - 1]))
            if best is not None and history.best_epoch is not None \
                    and epoch - history.best_epoch >= self.early_stopping and epoch < epochs:
                history.stopped_early = True
                return
