"""The command line's training aids and run history: `train --lr-schedule … --augment …`, the JSON it adds,
runs recorded by `train` and shown by `runs list|show|compare|rename|notes|delete`, one-line errors."""
import csv
import io
import json
import math

import pytest

from engine.cli import main

TRAIN = ["train", "digits_net", "--dataset", "digits", "--batch-size", "128"]


def cli(capsys, *argv):
    """Run the command line in-process; (status, stdout, stderr)."""
    status = main([str(a) for a in argv])
    out = capsys.readouterr()
    return status, out.out, out.err


def one_error(capsys, *argv) -> str:
    status, _, err = cli(capsys, *argv)
    lines = err.strip().splitlines()
    assert status == 2 and len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0]


def test_train_json_has_the_rates_best_epoch_stopped_early_and_run_id(capsys, isolated_runs_folder):
    status, out, err = cli(capsys, *TRAIN, "--epochs", "4", "--optimizer", "sgd", "--lr", "0.2",
                           "--lr-schedule", "cosine", "--warmup", "1", "--json")
    assert status == 0, err
    doc = json.loads(out)
    history = doc["history"]
    assert history["lr"] == [0.1] + [0.2 * (1 + math.cos(math.pi * t / 3)) / 2 for t in range(3)]
    assert history["best_epoch"] == history["val_loss"].index(min(history["val_loss"])) + 1
    assert history["stopped_early"] is False
    assert (isolated_runs_folder / doc["run_id"] / "run.json").is_file()
    assert f"recorded run {doc['run_id']}" in err and "lr 0.1" in err


def test_early_stopping_saves_the_best_weights_that_evaluate_to_the_reported_accuracy(capsys, tmp_path):
    weights = tmp_path / "best.npz"
    status, out, err = cli(capsys, "train", "digits_net", "--dataset", "digits", "--epochs", "60",
                           "--batch-size", "16", "--lr", "0.02", "--validation", "0.5", "--early-stopping", "2",
                           "--save", weights, "--json")
    assert status == 0, err
    doc = json.loads(out)
    history = doc["history"]
    assert history["stopped_early"] and history["epochs_completed"] == history["best_epoch"] + 2
    assert f"the weights are those of epoch {history['best_epoch']}" in err
    status, out, err = cli(capsys, "evaluate", weights, "--dataset", "digits", "--json")
    assert status == 0, err
    assert json.loads(out)["test_accuracy"] == pytest.approx(doc["test_accuracy"])


def test_runs_recorded_by_train_appear_in_list_show_and_compare(capsys, isolated_runs_folder):
    ids = []
    for extra in ([], ["--augment", "shift:1", "--weight-decay", "0.0001"], ["--lr-schedule", "step"]):
        status, out, err = cli(capsys, *TRAIN, "--epochs", "2", *extra, "--json")
        assert status == 0, err
        ids.append(json.loads(out)["run_id"])
    assert len(set(ids)) == 3
    status, out, _ = cli(capsys, "runs", "list")
    assert status == 0 and all(run_id in out for run_id in ids) and out.count("digits") >= 3
    status, out, _ = cli(capsys, "runs", "list", "--json")
    assert [entry["id"] for entry in json.loads(out)] == ids
    status, out, _ = cli(capsys, "runs", "compare", *ids, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert status == 0 and [row["run"] for row in rows] == ids
    assert rows[1]["augment"] == "shift:1" and rows[1]["weight decay"] == "0.0001" and rows[2]["schedule"] == "step"
    status, out, _ = cli(capsys, "runs", "compare", "--format", "markdown")   # no ids: every run
    assert status == 0 and len(out.strip().splitlines()) == 2 + 3
    status, out, _ = cli(capsys, "runs", "show", ids[1])
    assert status == 0 and "augment shift:1" in out and "epoch  lr" in out
    status, out, _ = cli(capsys, "runs", "show", ids[1], "--json")
    assert json.loads(out)["settings"]["augment"] == "shift:1"


def test_rename_notes_and_delete_from_the_command_line(capsys, tmp_path):
    runs = tmp_path / "elsewhere"
    status, out, err = cli(capsys, *TRAIN, "--epochs", "1", "--runs-dir", runs, "--json")
    run_id = json.loads(out)["run_id"]
    assert status == 0 and (runs / run_id).is_dir()
    assert cli(capsys, "runs", "rename", run_id, "baseline", "--runs-dir", runs)[0] == 0
    assert cli(capsys, "runs", "notes", run_id, "first try", "--runs-dir", runs)[0] == 0
    doc = json.loads(cli(capsys, "runs", "show", run_id, "--json", "--runs-dir", runs)[1])
    assert doc["name"] == "baseline" and doc["notes"] == "first try"
    status, out, _ = cli(capsys, "runs", "delete", run_id, "--runs-dir", runs)
    assert status == 0 and f"deleted run {run_id}" in out and not (runs / run_id).exists()


def test_no_record_keeps_nothing(capsys, isolated_runs_folder):
    status, out, err = cli(capsys, *TRAIN, "--epochs", "1", "--no-record", "--json")
    assert status == 0 and json.loads(out)["run_id"] is None
    assert not isolated_runs_folder.exists() or not any(isolated_runs_folder.iterdir())


def test_a_damaged_run_is_a_note_not_a_failure(capsys, isolated_runs_folder):
    (isolated_runs_folder / "broken").mkdir(parents=True)
    (isolated_runs_folder / "broken" / "run.json").write_text("{")
    status, out, err = cli(capsys, "runs", "list")
    assert status == 0 and "no runs" in out
    assert err.startswith("note: run broken: run.json can't be read") and "skipped" in err


@pytest.mark.parametrize("argv, words", [
    (["runs", "show", "nope"], "no run 'nope'"),
    (["runs", "compare", "nope", "other"], "no run 'nope'"),
    (["runs", "delete", "nope"], "no run 'nope'"),
    (["runs", "compare", "--format", "latex"], "invalid choice: 'latex'"),
    (["runs"], "say what to do"),
    ([*TRAIN, "--lr-schedule", "exp"], "invalid choice: 'exp'"),
    ([*TRAIN, "--lr-step", "0"], "learning-rate step must be at least 1"),
    ([*TRAIN, "--lr-gamma", "0"], "gamma must be above 0 and at most 1"),
    ([*TRAIN, "--lr-gamma", "x"], "gamma must be a number, got 'x'"),
    ([*TRAIN, "--warmup", "-1"], "warm-up must be 0 or more"),
    ([*TRAIN, "--warmup", "5", "--epochs", "5"], "--warmup 5 leaves none of the 5 epochs"),
    ([*TRAIN, "--weight-decay", "nan"], "weight decay must be 0 or a positive number"),
    ([*TRAIN, "--early-stopping", "x"], "early stopping patience must be a whole number"),
    ([*TRAIN, "--early-stopping", "3", "--validation", "0"], "--early-stopping 3 watches the validation loss"),
    ([*TRAIN, "--augment", "blur"], "unknown kind 'blur'"),
    ([*TRAIN, "--augment", "shift:8"], "shift:8 is as large as the 8×8 images"),
    ([*TRAIN, "--augment", "color:20"], "these images have 1 channel"),
])
def test_every_bad_value_is_one_error_line(capsys, argv, words):
    assert words in one_error(capsys, *argv)


def test_a_runs_folder_that_cannot_be_written_is_refused_before_training(capsys, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    line = one_error(capsys, *TRAIN, "--epochs", "1", "--runs-dir", blocker / "runs")
    assert f"cannot keep runs in {blocker / 'runs'}" in line and "--no-record" in line
