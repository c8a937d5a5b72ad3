"""The run history (engine.runs, engine.runs_compare): recording, listing, reading back, renaming, notes,
deleting, damaged folders skipped with a note, the weights limit, and the comparison tables."""
import csv
import io
import json
import os

import numpy as np
import pytest

from engine import Dataset, Network, load_dataset, load_spec
from engine.resources import preset_path
from engine.runs import (RUN_FORMAT, RunError, delete_run, list_runs, load_run, open_design, record_run,
                         rename_run, runs_folder, set_notes)
from engine.runs_compare import compare_rows, format_comparison, settings_text
from engine.train import Trainer, TrainSettings
from engine.userdata import user_data_folder


def _train_and_record(folder, name="Digits net", early_stopping=0, epochs=2, **record):
    spec = load_spec(preset_path("digits_net"))
    spec.name = name
    net = Network.from_spec(spec, seed=0)
    full = load_dataset("digits")
    dataset = Dataset("digits", full.x_train[:200], full.y_train[:200], full.x_test, full.y_test,
                      full.class_names)
    settings = TrainSettings(epochs=epochs, batch_size=32, validation_fraction=0.3,
                             learning_rate=0.01 if early_stopping else None, early_stopping=early_stopping)
    trainer = Trainer.from_settings(net, settings)
    history = trainer.fit(dataset, epochs=settings.epochs)
    test_loss, test_accuracy = net.evaluate(dataset.x_test, dataset.y_test)
    run = record_run(folder, net=net, dataset=dataset, settings=settings, history=history, test_loss=test_loss,
                     test_accuracy=test_accuracy, seconds=1.5, dataset_argument="digits",
                     last_weights=trainer.last_weights, **record)
    return run, net, dataset, history


def test_a_recorded_run_keeps_everything_and_reads_back(tmp_path):
    run, net, dataset, history = _train_and_record(tmp_path / "runs")
    (again,), notes = list_runs(tmp_path / "runs")
    assert notes == [] and again.id == run.id == load_run(tmp_path / "runs", run.id).id
    data = again.data
    assert data["format"] == RUN_FORMAT and data["source"] == "cli" and data["status"] == "finished"
    assert data["design"] == net.spec.to_dict() and data["params"] == net.num_params
    assert data["dataset"]["name"] == "digits" and data["dataset"]["train_examples"] == 200
    assert data["settings"]["epochs"] == 2 and data["settings"]["lr"] == 1e-3
    assert data["history"]["val_loss"] == history.val_loss and data["history"]["lr"] == [1e-3, 1e-3]
    assert "batch_loss" not in data["history"]
    assert data["test"]["count"] == len(dataset.y_test) and data["seconds"] == 1.5
    assert data["machine"]["cpus"] == os.cpu_count() and data["app_version"]
    assert open_design(again).to_dict() == net.spec.to_dict()
    assert (again.folder / "design.json").is_file()
    weights = Network.load(again.weights_path())
    assert weights.evaluate(dataset.x_test, dataset.y_test)[1] == pytest.approx(data["test"]["accuracy"])
    assert again.weights_path("best") is None


def test_early_stopping_keeps_best_and_final_weights_and_the_best_are_the_tested_ones(tmp_path):
    run, net, dataset, history = _train_and_record(tmp_path, early_stopping=2, epochs=40)
    assert history.stopped_early and run.data["status"] == "stopped early"
    best, final = run.weights_path("best"), run.weights_path("final")
    assert run.weights_path() == best and best.name == "weights-best.npz" and final.name == "weights-final.npz"
    accuracy = run.data["test"]["accuracy"]
    assert Network.load(best).evaluate(dataset.x_test, dataset.y_test)[1] == pytest.approx(accuracy)
    assert not np.array_equal(Network.load(final).params["FC3.W"], Network.load(best).params["FC3.W"])
    assert run.kept_epoch == history.best_epoch
    assert compare_rows([run])[0]["validation_accuracy"] == history.val_accuracy[history.best_epoch - 1]


def test_huge_weights_are_not_kept_and_run_json_says_why(tmp_path):
    run, *_ = _train_and_record(tmp_path, max_weights_bytes=1000)
    note = run.data["weights"]["note"]
    assert "weights not kept" in note and "--save" in note
    assert run.weights_path() is None and not list(run.folder.glob("*.npz"))


def test_rename_and_notes_persist_and_delete_removes_the_folder(tmp_path):
    run, *_ = _train_and_record(tmp_path)
    rename_run(tmp_path, run.id, "  baseline  ")
    set_notes(tmp_path, run.id, "no augmentation\nlr 1e-3")
    again = load_run(tmp_path, run.id)
    assert again.name == "baseline" and again.notes == "no augmentation\nlr 1e-3"
    rename_run(tmp_path, run.id, "")
    assert load_run(tmp_path, run.id).name == "Digits net"
    assert not list(tmp_path.glob(f"{run.id}/.*"))          # no temporary files left beside run.json
    delete_run(tmp_path, run.id)
    assert not run.folder.exists() and list_runs(tmp_path) == ([], [])


@pytest.mark.parametrize("run_id", ["nope", "../outside", "", ".hidden", "a/b"])
def test_an_unknown_or_unsafe_id_is_a_run_error_and_nothing_is_deleted(tmp_path, run_id):
    (tmp_path / "outside").mkdir()
    (tmp_path / "runs").mkdir()
    for action in (lambda: load_run(tmp_path / "runs", run_id), lambda: delete_run(tmp_path / "runs", run_id),
                   lambda: rename_run(tmp_path / "runs", run_id, "x")):
        with pytest.raises(RunError, match="no run"):
            action()
    assert (tmp_path / "outside").is_dir()


def test_a_folder_without_run_json_is_not_deleted(tmp_path):
    (tmp_path / "photos").mkdir()
    with pytest.raises(RunError):
        delete_run(tmp_path, "photos")
    assert (tmp_path / "photos").is_dir()


def test_damaged_run_folders_are_skipped_with_a_note(tmp_path):
    good, *_ = _train_and_record(tmp_path)
    (tmp_path / "empty-folder").mkdir()
    for name, text in [("bad-json", "{"), ("wrong-format", '{"format": "other/1"}'),
                       ("bad-history", json.dumps(dict(good.data, history={"epochs_completed": 1,
                                                                           "val_loss": ["x"]}))),
                       ("not-utf8", b"\xff\xfe".decode("latin-1"))]:
        (tmp_path / name).mkdir()
        (tmp_path / name / "run.json").write_text(text, encoding="latin-1")
    (tmp_path / "stray-file.txt").write_text("hello")
    (tmp_path / ".incoming-abc").mkdir()                       # a run being written: not a run yet
    runs, notes = list_runs(tmp_path)
    assert [r.id for r in runs] == [good.id]
    assert len(notes) == 5 and all(note.endswith("skipped") for note in notes)
    text = "\n".join(notes)
    assert "empty-folder: no run.json" in text and "bad-json: run.json can't be read" in text
    assert "wrong-format: run.json is damaged: unknown format 'other/1'" in text
    assert "bad-history: run.json is damaged: history.val_loss is not a list of numbers" in text


def test_a_run_json_too_large_to_be_real_is_not_read(tmp_path, monkeypatch):
    monkeypatch.setattr("engine.runs.MAX_RUN_FILE_BYTES", 100)
    (tmp_path / "big").mkdir()
    (tmp_path / "big" / "run.json").write_text(" " * 200)
    runs, notes = list_runs(tmp_path)
    assert runs == [] and "more than a run ever writes" in notes[0]


def test_a_failed_recording_leaves_nothing_behind(tmp_path, monkeypatch):
    def broken_save(*args, **kwargs):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(Network, "save", broken_save)
    with pytest.raises(OSError):
        _train_and_record(tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_two_runs_of_one_design_in_the_same_second_get_two_ids(tmp_path, monkeypatch):
    monkeypatch.setattr("engine.runs.time.strftime", lambda fmt: "20250101-120000")
    first, *_ = _train_and_record(tmp_path)
    second, *_ = _train_and_record(tmp_path)
    assert (first.id, second.id) == ("20250101-120000-digits-net", "20250101-120000-digits-net-2")


def test_the_comparison_has_a_row_per_run_in_every_format(tmp_path):
    first, *_ = _train_and_record(tmp_path, name="Small | net")
    second, *_ = _train_and_record(tmp_path, early_stopping=2, epochs=40)
    runs, _ = list_runs(tmp_path)
    rows = list(csv.DictReader(io.StringIO(format_comparison(runs, "csv"))))
    assert [row["run"] for row in rows] == [first.id, second.id]
    assert rows[0]["design"] == "Small | net" and rows[1]["early stopping"] == "2"
    assert float(rows[0]["test accuracy"]) == pytest.approx(first.data["test"]["accuracy"])
    assert rows[1]["status"] == "stopped early" and rows[0]["epochs"] == "2"
    markdown = format_comparison(runs, "markdown").splitlines()
    assert len(markdown) == 4 and "Small \\| net" in markdown[2]
    text = format_comparison(runs, "text").splitlines()
    assert len(text) == 4 and text[2].startswith(first.id) and "early stopping 2" in text[3]
    with pytest.raises(ValueError, match="format must be one of"):
        format_comparison(runs, "latex")


def test_settings_text_names_only_the_aids_that_were_on():
    plain = TrainSettings()
    assert settings_text(dict(vars(plain), lr=plain.lr)) == "adam lr 0.001, batch 64"
    aided = TrainSettings(optimizer="sgd", learning_rate=0.1, lr_schedule="step", lr_step=3, lr_gamma=0.5,
                          warmup_epochs=1, weight_decay=5e-4, early_stopping=3, augment="flip")
    assert settings_text(dict(vars(aided), lr=aided.lr)) == ("sgd lr 0.1, batch 64, step ×0.5 every 3, warm-up 1, "
                                                             "weight decay 0.0005, early stopping 3, augment flip")


def test_the_runs_folder_comes_from_the_argument_then_the_environment_then_the_data_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("CNN_DESIGNER_RUNS_DIR", str(tmp_path / "env"))
    assert runs_folder(tmp_path / "given") == tmp_path / "given"
    assert runs_folder() == tmp_path / "env"
    monkeypatch.delenv("CNN_DESIGNER_RUNS_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    if os.name == "posix" and not os.uname().sysname == "Darwin":
        assert runs_folder() == tmp_path / "xdg" / "CNN Designer" / "runs"
    assert runs_folder() == user_data_folder() / "runs"


def test_every_test_records_into_a_temporary_runs_folder(isolated_runs_folder):
    assert runs_folder() == isolated_runs_folder
    assert os.path.commonpath([runs_folder(), user_data_folder()]) != str(user_data_folder())


def test_the_over_fitting_lesson_records_a_plain_run_that_over_fits_and_one_run_per_aid(tmp_path):
    from engine.overfitting_lesson import RUNS, run_lesson
    seen, epochs = [], []
    runs = run_lesson(tmp_path, on_run=lambda index, count, name: seen.append((index, count, name)),
                      on_epoch=epochs.append)
    assert [name for _, _, name in seen] == [name for name, _ in RUNS] == [run.name for run in runs]
    assert len(epochs) == sum(run.history["epochs_completed"] for run in runs)      # progress per epoch
    assert [info.lr for info in epochs[:3]] == runs[0].history["lr"][:3]
    assert [r.id for r in list_runs(tmp_path)[0]] == [r.id for r in runs]
    plain, augmented, decayed, stopped = runs
    history = plain.history
    assert history["train_accuracy"][-1] == 1.0                       # every training image memorised
    assert history["val_loss"][-1] > min(history["val_loss"])          # while the validation loss climbs
    assert plain.data["dataset"]["train_examples"] == 120 and plain.data["source"] == "lesson"
    assert augmented.settings["augment"] == "shift:1" and decayed.settings["weight_decay"] == 0.1
    assert stopped.history["stopped_early"] and stopped.history["epochs_completed"] < 60
    assert min(r.history["val_loss"][-1] for r in (augmented, decayed, stopped)) < history["val_loss"][-1]


def test_the_lesson_stops_when_asked_and_keeps_the_run_it_stopped(tmp_path):
    from engine.overfitting_lesson import run_lesson
    runs = run_lesson(tmp_path, should_stop=iter([False] * 30 + [True] * 1000).__next__)
    assert len(runs) == 1 and runs[0].data["status"] == "stopped"
