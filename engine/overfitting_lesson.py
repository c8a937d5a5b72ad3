"""The over-fitting lesson (Help › Course examples › Over-fitting): a small training subset of the digits,
trained without any aid and then with each training aid, every run recorded so the Runs view shows them
side by side.

With 120 training images the plain run learns them all (100 % training accuracy) while its validation loss
climbs after its first epochs: it memorises instead of generalising. Augmentation, weight decay and early
stopping each fight that in their own way, and the comparison shows how.
"""
from __future__ import annotations

import time
from dataclasses import replace
from typing import Callable, Optional

import numpy as np

from .data import Dataset, load_dataset
from .network import Network
from .resources import preset_path
from .runs import Run, record_run
from .spec import load_spec
from .train import EpochInfo, Trainer
from .train_settings import TrainSettings

TRAIN_IMAGES = 120
DESIGN = "digits_net"
BASE = TrainSettings(epochs=60, batch_size=16, learning_rate=0.01, validation_fraction=0.25, seed=0)
# (the run's name, what changes from BASE)
RUNS = (("over-fitting: no aids", {}),
        ("over-fitting: augmentation (shift:1)", {"augment": "shift:1"}),
        ("over-fitting: weight decay 0.1", {"weight_decay": 0.1}),
        ("over-fitting: early stopping (patience 5)", {"early_stopping": 5}))


def lesson_dataset() -> Dataset:
    """120 training images drawn (seeded) from the digits, and the whole digits test set."""
    digits = load_dataset("digits")
    chosen = np.sort(np.random.default_rng(0).permutation(len(digits.y_train))[:TRAIN_IMAGES])
    return Dataset(f"digits, {TRAIN_IMAGES} training images", digits.x_train[chosen], digits.y_train[chosen],
                   digits.x_test, digits.y_test, list(digits.class_names), source=digits.source,
                   notes=[f"{TRAIN_IMAGES} of the {len(digits.y_train):,} training images (the over-fitting lesson)"])


def lesson_settings() -> list[tuple[str, TrainSettings]]:
    return [(name, replace(BASE, **changes)) for name, changes in RUNS]


def run_lesson(folder, should_stop: Optional[Callable[[], bool]] = None,
               on_run: Optional[Callable[[int, int, str], None]] = None,
               on_epoch: Optional[Callable[[EpochInfo], None]] = None) -> list[Run]:
    """Train and record the lesson's runs in the runs `folder`, one after the other; the recorded runs.

    on_run(index, count, name) is called before each run and on_epoch(EpochInfo) after each of its
    epochs; should_stop() is asked before every batch, and a stop ends the lesson after recording the
    run it stopped (marked "stopped").
    """
    dataset = lesson_dataset()
    spec = load_spec(preset_path(DESIGN))
    recorded = []
    for index, (name, settings) in enumerate(lesson_settings()):
        if on_run is not None:
            on_run(index, len(RUNS), name)
        net = Network.from_spec(spec, seed=settings.seed)
        trainer = Trainer.from_settings(net, settings)
        started = time.perf_counter()
        history = trainer.fit(dataset, epochs=settings.epochs, should_stop=should_stop, on_epoch=on_epoch)
        seconds = time.perf_counter() - started
        test_loss, test_accuracy = net.evaluate(dataset.x_test, dataset.y_test)
        recorded.append(record_run(folder, net=net, dataset=dataset, settings=settings, history=history,
                                   test_loss=test_loss, test_accuracy=test_accuracy, seconds=seconds,
                                   dataset_argument="digits", last_weights=trainer.last_weights,
                                   source="lesson", name=name))
        if history.stopped:
            break
    return recorded
