"""Run history: every training run kept as one folder, so runs can be listed, compared and reopened.

The runs folder is, in order: the folder a caller names (``--runs-dir``), ``$CNN_DESIGNER_RUNS_DIR``, or
``runs`` in the user's data folder (engine.userdata). Each run is a sub-folder named by its id
(``20250314-101500-digits-net``, when it was recorded and the design's name) holding:

    run.json            everything about the run (format "cnn-designer-run/1"): the design, the dataset's
                        description, all settings, the per-epoch history, the test result, the duration, the
                        machine, the app version, the user's name and notes for it, and which weights are kept
    design.json         the design as a cnn-designer/1 file (to open it again)
    weights-final.npz   the weights at the end of the last epoch (Network.save: design included)
    weights-best.npz    the best epoch's weights, when early stopping restored them (then the ones tested)

Weights larger than a limit (MAX_WEIGHTS_BYTES) are not kept; run.json says so. A run folder appears at
once (written as a hidden folder, then renamed), and run.json is rewritten atomically on rename or notes.
A damaged run folder is skipped with a note by `list_runs`, never an exception.
"""
from __future__ import annotations

import json
import math
import os
import platform
import re
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np

from .fileio import atomic_write
from .spec import NetworkSpec, SpecError, save_spec
from .userdata import user_data_folder
from .version import version

RUN_FORMAT = "cnn-designer-run/1"
RUNS_ENV = "CNN_DESIGNER_RUNS_DIR"
RUN_FILE = "run.json"
DESIGN_FILE = "design.json"
FINAL_WEIGHTS = "weights-final.npz"
BEST_WEIGHTS = "weights-best.npz"
MAX_WEIGHTS_BYTES = 200 * 1024 ** 2     # per weights file; a huge design's runs keep their numbers only
MAX_RUN_FILE_BYTES = 32 * 1024 ** 2     # a run.json larger than this is not read (damaged or hostile)
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


class RunError(Exception):
    """A run that can't be found, read or written; the message names the run (or folder) and the reason."""


def runs_folder(explicit: str | os.PathLike | None = None) -> Path:
    """The runs folder: `explicit` if given, else $CNN_DESIGNER_RUNS_DIR, else <user data folder>/runs."""
    if explicit:
        return Path(explicit).expanduser()
    from_env = os.environ.get(RUNS_ENV, "").strip()
    return Path(from_env).expanduser() if from_env else user_data_folder() / "runs"


def prepare_runs_folder(folder: Path) -> Path:
    """Make the runs folder if needed and check that it takes new files (before a long run, so the run
    isn't lost to a bad folder); RunError otherwise."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".probe-", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise RunError(f"cannot keep runs in {folder}: {(exc.strerror or str(exc)).lower()}") from None
    return folder


# ----- one run ------------------------------------------------------------------------------------

@dataclass
class Run:
    """One recorded run: its id, its folder and the contents of its run.json (`data`)."""

    id: str
    folder: Path
    data: dict = field(repr=False)

    @property
    def name(self) -> str:
        """The user's name for the run, or the design's name when none was given."""
        return self.data.get("name") or self.design_name

    @property
    def notes(self) -> str:
        return self.data.get("notes", "")

    @property
    def design_name(self) -> str:
        return str(self.data["design"].get("name") or "unnamed design")

    @property
    def dataset_name(self) -> str:
        return str(self.data["dataset"].get("name", ""))

    @property
    def created(self) -> str:
        return self.data["created"]

    @property
    def history(self) -> dict:
        return self.data["history"]

    @property
    def settings(self) -> dict:
        return self.data["settings"]

    @property
    def kept_epoch(self) -> int | None:
        """The 1-based epoch whose weights the run ended with (the best with early stopping), or None."""
        history = self.history
        if history.get("restored_best") and history.get("best_epoch"):
            return int(history["best_epoch"])
        return int(history["epochs_completed"]) or None

    def epoch_value(self, key: str) -> float | None:
        """`key` ("train_accuracy", "val_loss", ...) of the kept epoch, None if there is none."""
        epoch = self.kept_epoch
        values = self.history.get(key, [])
        return values[epoch - 1] if epoch and epoch <= len(values) else None

    @property
    def test_accuracy(self) -> float | None:
        return self.data["test"].get("accuracy")

    def design(self) -> NetworkSpec:
        """The design that was trained (SpecError if run.json holds a damaged one)."""
        return NetworkSpec.from_dict(self.data["design"])

    def weights_path(self, which: str = "tested") -> Path | None:
        """The weights file ("tested": the ones the test result is for, "final", "best"), None if not kept."""
        weights = self.data.get("weights", {})
        if which == "tested":
            which = weights.get("tested", "final")
        name = weights.get(which)
        path = self.folder / name if isinstance(name, str) and _ID.match(name) else None
        return path if path is not None and path.is_file() else None


def _now() -> str:
    """Local time with its offset, to the millisecond (runs recorded in one second keep their order)."""
    return datetime.now().astimezone().isoformat(timespec="milliseconds")


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:40].strip("-") or "run"


def machine() -> dict:
    """What the run ran on: system, processor, cores, Python and NumPy versions, and the host name."""
    return {"system": f"{platform.system()} {platform.release()}".strip(), "machine": platform.machine(),
            "processor": platform.processor(), "cpus": os.cpu_count(), "python": platform.python_version(),
            "numpy": np.__version__, "host": platform.node()}


def _finite(value):
    return value if isinstance(value, (int, float)) and math.isfinite(value) else None


def _status(history, interrupted: bool) -> str:
    if interrupted:
        return "interrupted"
    if history.diverged:
        return "diverged"
    if history.stopped:
        return "stopped"
    return "stopped early" if history.stopped_early else "finished"


def record_run(folder: str | os.PathLike, *, net, dataset, settings, history, test_loss: float,
               test_accuracy: float, seconds: float, dataset_argument: str = "", last_weights=None,
               source: str = "cli", interrupted: bool = False, name: str = "",
               max_weights_bytes: int = MAX_WEIGHTS_BYTES) -> Run:
    """Keep a finished run in the runs `folder` and return it.

    net: the trained Network (its weights are the tested ones); dataset: the Dataset it trained on
    (``dataset_argument``: how it was named, e.g. "digits" or a path); settings: the TrainSettings;
    history: the History of Trainer.fit; last_weights: Trainer.last_weights (the last epoch's weights when
    early stopping restored the best, else None); source: "cli", "window" or "lesson"; name: the run's
    name ("" shows the design's). RunError if the folder can't take the run.
    """
    folder = prepare_runs_folder(Path(folder))
    spec = net.spec
    weight_bytes = int(sum(value.nbytes for value in (*net.params.values(), *net.state.values())))
    history_data = history.to_dict()
    history_data.pop("batch_loss", None)        # per step: thousands of numbers no comparison needs
    dataset_info = dataset.info()
    dataset_info.update(argument=dataset_argument, description=dataset.describe())
    settings_data = asdict(settings)
    settings_data["lr"] = settings.lr
    weights: dict = {"bytes": weight_bytes}
    data = {"format": RUN_FORMAT, "id": "", "name": name.strip(), "notes": "", "created": _now(), "source": source,
            "status": _status(history, interrupted), "design": spec.to_dict(),
            "params": int(net.num_params), "dataset": dataset_info, "settings": settings_data,
            "history": history_data,
            "test": {"loss": _finite(test_loss), "accuracy": _finite(test_accuracy),
                     "count": int(len(dataset.y_test))},
            "seconds": round(float(seconds), 3), "machine": machine(), "app_version": version(),
            "weights": weights}
    staging = Path(tempfile.mkdtemp(prefix=".incoming-", dir=folder))
    try:
        os.chmod(staging, 0o755)      # mkdtemp makes it private; a run folder is as readable as the others
        save_spec(spec, staging / DESIGN_FILE)
        if weight_bytes > max_weights_bytes:
            weights["note"] = (f"weights not kept: they take {_megabytes(weight_bytes)}, more than the "
                               f"{_megabytes(max_weights_bytes)} a run keeps; save them with --save or the "
                               "Train tab's Save weights")
        elif last_weights is not None and history.restored_best:
            net.save(staging / BEST_WEIGHTS)
            last = net.copy()
            last_weights.restore(last)
            last.save(staging / FINAL_WEIGHTS)
            weights.update(best=BEST_WEIGHTS, final=FINAL_WEIGHTS, tested="best")
        else:
            net.save(staging / FINAL_WEIGHTS)
            weights.update(final=FINAL_WEIGHTS, tested="final")
            if history.restored_best:            # the best epoch was the last one: one file is both
                weights["best"] = FINAL_WEIGHTS
        run_id = _place(staging, folder, f"{time.strftime('%Y%m%d-%H%M%S')}-{_slug(spec.name or 'design')}",
                        data)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return Run(run_id, folder / run_id, data)


def _megabytes(n: int) -> str:
    return f"{n / 1024 ** 2:,.0f} MB"


def _place(staging: Path, folder: Path, stem: str, data: dict) -> str:
    """Write run.json into `staging` under a free id and rename the folder to that id; the id."""
    for attempt in range(1, 1000):
        run_id = stem if attempt == 1 else f"{stem}-{attempt}"
        target = folder / run_id
        if target.exists():
            continue
        data["id"] = run_id
        _write_json(staging / RUN_FILE, data)
        try:
            os.rename(staging, target)   # fails if another process took the id in the meantime
        except OSError:
            if target.exists():
                continue
            raise
        return run_id
    raise RunError(f"cannot keep the run in {folder}: no free name for {stem}")


def _write_json(path: Path, data: dict) -> None:
    atomic_write(path, lambda handle: json.dump(data, handle, indent=1, allow_nan=False))


# ----- reading --------------------------------------------------------------------------------------

_REQUIRED = {"id": str, "created": str, "design": dict, "dataset": dict, "settings": dict, "history": dict,
             "test": dict}
_HISTORY_LISTS = ("train_loss", "train_accuracy", "val_loss", "val_accuracy", "lr")


def _damage(doc) -> str | None:
    """What is wrong with a run.json document, or None."""
    if not isinstance(doc, dict):
        return "not a JSON object"
    if doc.get("format") != RUN_FORMAT:
        return f"unknown format {doc.get('format')!r} (this version reads {RUN_FORMAT!r})"
    for key, kind in _REQUIRED.items():
        if not isinstance(doc.get(key), kind):
            return f"{key} is missing or not a {'text' if kind is str else 'JSON object'}"
    history = doc["history"]
    if not isinstance(history.get("epochs_completed"), int):
        return "history.epochs_completed is missing"
    for key in _HISTORY_LISTS:
        values = history.get(key, [])
        if not isinstance(values, list) or not all(v is None or isinstance(v, (int, float)) for v in values):
            return f"history.{key} is not a list of numbers"
    if not (history.get("best_epoch") is None or isinstance(history.get("best_epoch"), int)):
        return "history.best_epoch is not a whole number"
    for key in ("accuracy", "loss"):
        if not (doc["test"].get(key) is None or isinstance(doc["test"].get(key), (int, float))):
            return f"test.{key} is not a number"
    for key in ("name", "notes"):
        if not isinstance(doc.get(key, ""), str):
            return f"{key} is not text"
    if not isinstance(doc.get("weights", {}), dict):
        return "weights is not a JSON object"
    return None


def _read_run(path: Path) -> Run:
    """The run in folder `path`; RunError naming the run and what is wrong with it."""
    run_file = path / RUN_FILE
    if not run_file.is_file():
        raise RunError(f"run {path.name}: no {RUN_FILE} in its folder")
    try:
        size = run_file.stat().st_size
        if size > MAX_RUN_FILE_BYTES:
            raise RunError(f"run {path.name}: {RUN_FILE} is {_megabytes(size)}, more than a run ever writes")
        doc = json.loads(run_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise RunError(f"run {path.name}: {RUN_FILE} can't be read ({exc})") from None
    problem = _damage(doc)
    if problem:
        raise RunError(f"run {path.name}: {RUN_FILE} is damaged: {problem}")
    return Run(path.name, path, doc)


def list_runs(folder: str | os.PathLike) -> tuple[list[Run], list[str]]:
    """Every run in `folder`, oldest first, and a note for each run folder that was skipped as damaged.
    A folder that doesn't exist yet has no runs."""
    folder = Path(folder)
    runs, notes = [], []
    try:
        entries = sorted(folder.iterdir()) if folder.is_dir() else []
    except OSError as exc:
        return [], [f"cannot read the runs folder {folder}: {(exc.strerror or str(exc)).lower()}"]
    for entry in entries:
        if entry.name.startswith(".") or not entry.is_dir():
            continue
        try:
            runs.append(_read_run(entry))
        except RunError as exc:
            notes.append(f"{exc}; skipped")
    runs.sort(key=lambda run: (run.created, run.id))
    return runs, notes


def _run_folder(folder: str | os.PathLike, run_id: str) -> Path:
    folder = Path(folder)
    if not isinstance(run_id, str) or not _ID.match(run_id) or not (folder / run_id / RUN_FILE).is_file():
        raise RunError(f"no run {run_id!r} in {folder} (`runs list` shows the ids)")
    return folder / run_id


def load_run(folder: str | os.PathLike, run_id: str) -> Run:
    """The run `run_id`; RunError if there is no such run or it is damaged."""
    return _read_run(_run_folder(folder, run_id))


def _update(folder, run_id: str, key: str, value: str) -> Run:
    if not isinstance(value, str):
        raise RunError(f"run {run_id}: {key} must be text")
    run = load_run(folder, run_id)
    run.data[key] = value
    _write_json(run.folder / RUN_FILE, run.data)
    return run


def rename_run(folder: str | os.PathLike, run_id: str, name: str) -> Run:
    """Give the run a name of the user's ("" goes back to the design's name); the id stays."""
    return _update(folder, run_id, "name", name.strip())


def set_notes(folder: str | os.PathLike, run_id: str, notes: str) -> Run:
    """Replace the run's notes (free text)."""
    return _update(folder, run_id, "notes", notes)


def delete_run(folder: str | os.PathLike, run_id: str) -> None:
    """Remove the run's folder (only a folder holding a run.json: never anything else in the runs folder)."""
    path = _run_folder(folder, run_id)
    try:
        shutil.rmtree(path)
    except OSError as exc:
        raise RunError(f"cannot delete run {run_id}: {(exc.strerror or str(exc)).lower()}") from None


def open_design(run: Run) -> NetworkSpec:
    """The run's design, RunError (not SpecError) if its stored copy is damaged."""
    try:
        return run.design()
    except SpecError as exc:
        raise RunError(f"run {run.id}: the stored design is invalid: {exc}") from None
