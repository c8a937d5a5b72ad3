"""Recorded runs side by side: one row per run (design, parameters, dataset, settings, the accuracies of the
weights the run kept, time) as data, and that table as plain text, Markdown or CSV.

The accuracies are those of the epoch whose weights the run ended with: the best epoch's when early
stopping restored them, else the last epoch's. Nothing here computes a number the run did not record.
"""
from __future__ import annotations

import csv
import io
import math

from .runs import Run

FORMATS = ("text", "markdown", "csv")
NO_VALUE = "—"

# (key, header) of the text and Markdown tables; CSV spells the settings out in columns of their own.
COLUMNS = (("run", "Run"), ("name", "Name"), ("design", "Design"), ("parameters", "Parameters"),
           ("dataset", "Dataset"), ("settings", "Settings"), ("epochs", "Epochs"),
           ("train_accuracy", "Train acc"), ("validation_accuracy", "Val acc"), ("test_accuracy", "Test acc"),
           ("seconds", "Time"))
SETTING_COLUMNS = (("optimizer", "optimizer"), ("lr", "learning rate"), ("batch_size", "batch size"),
                   ("lr_schedule", "schedule"), ("warmup_epochs", "warm-up"), ("weight_decay", "weight decay"),
                   ("early_stopping", "early stopping"), ("augment", "augment"), ("seed", "seed"))
CSV_HEADER = ("run", "name", "design", "parameters", "dataset", *(h for _, h in SETTING_COLUMNS), "epochs",
              "epochs planned", "train accuracy", "validation accuracy", "test accuracy", "seconds", "status")


def settings_text(settings: dict) -> str:
    """"adam lr 0.001, batch 64, cosine, warm-up 2, weight decay 0.0005, early stopping 3, augment shift:2":
    the optimizer, rate and batch, then only the training aids that were on."""
    parts = [f"{settings.get('optimizer', '?')} lr {_g(settings.get('lr'))}", f"batch {settings.get('batch_size')}"]
    schedule = settings.get("lr_schedule", "constant")
    if schedule == "step":
        parts.append(f"step ×{_g(settings.get('lr_gamma'))} every {settings.get('lr_step')}")
    elif schedule != "constant":
        parts.append(str(schedule))
    if settings.get("warmup_epochs"):
        parts.append(f"warm-up {settings['warmup_epochs']}")
    if settings.get("weight_decay"):
        parts.append(f"weight decay {_g(settings['weight_decay'])}")
    if settings.get("early_stopping"):
        parts.append(f"early stopping {settings['early_stopping']}")
    if settings.get("augment"):
        parts.append(f"augment {settings['augment']}")
    return ", ".join(parts)


def _g(value) -> str:
    return f"{value:g}" if isinstance(value, (int, float)) else str(value)


def compare_rows(runs: list[Run]) -> list[dict]:
    """One dict per run: the keys of COLUMNS (accuracies as fractions or None, seconds as a number) plus
    "settings_values" (the settings dict), "epochs_completed", "epochs_planned" and "status"."""
    rows = []
    for run in runs:
        history, settings = run.history, run.settings
        rows.append({
            "run": run.id, "name": run.name, "design": run.design_name, "parameters": run.data.get("params"),
            "dataset": run.dataset_name, "settings": settings_text(settings),
            "epochs": f"{history['epochs_completed']}/{settings.get('epochs', history['epochs_completed'])}",
            "train_accuracy": run.epoch_value("train_accuracy"),
            "validation_accuracy": run.epoch_value("val_accuracy"),
            "test_accuracy": run.test_accuracy, "seconds": run.data.get("seconds"),
            "settings_values": settings, "epochs_completed": history["epochs_completed"],
            "epochs_planned": settings.get("epochs"), "status": run.data.get("status", ""),
        })
    return rows


def percent(value) -> str:
    return NO_VALUE if not isinstance(value, (int, float)) or not math.isfinite(value) else f"{100 * value:.1f}%"


def duration(seconds) -> str:
    """"8.4 s", "3 min 05 s", "1 h 02 min"."""
    if not isinstance(seconds, (int, float)) or not math.isfinite(seconds):
        return NO_VALUE
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(round(seconds)), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def _cells(row: dict) -> list[str]:
    parameters = row["parameters"]
    shown = {"parameters": f"{parameters:,}" if isinstance(parameters, int) else NO_VALUE,
             "train_accuracy": percent(row["train_accuracy"]),
             "validation_accuracy": percent(row["validation_accuracy"]),
             "test_accuracy": percent(row["test_accuracy"]), "seconds": duration(row["seconds"])}
    return [shown.get(key, str(row[key])) for key, _ in COLUMNS]


def to_text(rows: list[dict]) -> str:
    """Aligned columns, numbers right-aligned, a rule under the header."""
    table = [[header for _, header in COLUMNS]] + [_cells(row) for row in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(COLUMNS))]
    right = {"parameters", "epochs", "train_accuracy", "validation_accuracy", "test_accuracy", "seconds"}

    def line(cells):
        return "  ".join(cell.rjust(w) if key in right else cell.ljust(w)
                         for cell, w, (key, _) in zip(cells, widths, COLUMNS)).rstrip()
    return "\n".join([line(table[0]), "  ".join("-" * w for w in widths)] + [line(c) for c in table[1:]]) + "\n"


def to_markdown(rows: list[dict]) -> str:
    def cell(text: str) -> str:
        return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")
    header = "| " + " | ".join(h for _, h in COLUMNS) + " |"
    align = "|" + "|".join("---:" if key in ("parameters", "train_accuracy", "validation_accuracy",
                                             "test_accuracy", "seconds") else "---" for key, _ in COLUMNS) + "|"
    body = ["| " + " | ".join(cell(c) for c in _cells(row)) + " |" for row in rows]
    return "\n".join([header, align, *body]) + "\n"


def to_csv(rows: list[dict]) -> str:
    """Plain numbers (accuracies as fractions, seconds) and the settings in columns of their own."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for row in rows:
        values = row["settings_values"]
        writer.writerow([row["run"], row["name"], row["design"], _plain(row["parameters"]), row["dataset"],
                         *(_plain(values.get(key)) for key, _ in SETTING_COLUMNS), row["epochs_completed"],
                         _plain(row["epochs_planned"]), _plain(row["train_accuracy"]),
                         _plain(row["validation_accuracy"]), _plain(row["test_accuracy"]),
                         _plain(row["seconds"]), row["status"]])
    return out.getvalue()


def _plain(value) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    return repr(value) if isinstance(value, float) else str(value)


def format_comparison(runs: list[Run], fmt: str = "text") -> str:
    """The comparison of `runs` in one of FORMATS."""
    rows = compare_rows(runs)
    if fmt == "markdown":
        return to_markdown(rows)
    if fmt == "csv":
        return to_csv(rows)
    if fmt == "text":
        return to_text(rows)
    raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
