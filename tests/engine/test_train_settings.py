"""TrainSettings is the one home of training defaults: every front end's default is read from it.

Nothing here changes a setting: each check compares a front end's default with `TrainSettings()`, so a
second home with its own number fails as soon as the two differ.
"""
import inspect
import re

import numpy as np

from engine import Adam, Network, load_spec, summarize
from engine.cli import build_parser
from engine.export.pytorch import pytorch_source
from engine.memory import check_memory, estimate_memory
from engine.optim import DEFAULT_LR
from engine.resources import preset_path
from engine.train import Trainer, TrainSettings

DEFAULTS = TrainSettings()


def _digits_spec():
    return load_spec(preset_path("digits_net"))


def test_the_command_lines_defaults_are_train_settings():
    parser = build_parser()
    train = parser.parse_args(["train", "digits_net", "--dataset", "digits"])
    assert (train.epochs, train.batch_size, train.optimizer, train.validation, train.seed) == (
        DEFAULTS.epochs, DEFAULTS.batch_size, DEFAULTS.optimizer, DEFAULTS.validation_fraction, DEFAULTS.seed)
    assert train.lr is None and DEFAULTS.learning_rate is None      # the optimizer's usual rate, filled in by main
    for command in (["evaluate", "run.npz", "--dataset", "shapes"], ["data", "shapes"]):
        assert parser.parse_args(command).seed == DEFAULTS.seed
    train_help = next(a for a in parser._actions if a.dest == "command").choices["train"].format_help()
    assert f"(default: {DEFAULTS.epochs})" in train_help and f"(default: {DEFAULTS.batch_size})" in train_help


def test_the_trainers_defaults_are_train_settings():
    trainer = Trainer(Network.from_spec(_digits_spec()), Adam())
    assert (trainer.batch_size, trainer.seed, trainer.validation_fraction) == (
        DEFAULTS.batch_size, DEFAULTS.seed, DEFAULTS.validation_fraction)
    assert inspect.signature(Trainer.fit).parameters["epochs"].default == DEFAULTS.epochs
    assert Adam().lr == DEFAULTS.lr == DEFAULT_LR[DEFAULTS.optimizer]


def test_the_memory_estimates_defaults_are_train_settings():
    summary = summarize(_digits_spec())
    estimate = estimate_memory(summary)
    assert (estimate.batch_size, estimate.optimizer) == (DEFAULTS.batch_size, DEFAULTS.optimizer)
    assert check_memory(summary, available=1 << 40) == estimate


def test_the_exported_scripts_defaults_are_train_settings():
    source = pytorch_source(_digits_spec())
    adam = TrainSettings(optimizer="adam")             # the exported script trains with Adam
    found = dict(re.findall(r"^(DEFAULT_EPOCHS|DEFAULT_BATCH_SIZE|DEFAULT_LR|DEFAULT_SEED) = (\S+)$", source, re.M))
    assert found == {"DEFAULT_EPOCHS": str(adam.epochs), "DEFAULT_BATCH_SIZE": str(adam.batch_size),
                     "DEFAULT_LR": repr(adam.lr), "DEFAULT_SEED": str(adam.seed)}
    assert 'default=DEFAULT_BATCH_SIZE' in source and "default=64" not in source
    assert np.isclose(float(found["DEFAULT_LR"]), DEFAULT_LR["adam"])
