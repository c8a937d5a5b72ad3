"""`runs list|show|compare|rename|notes|delete`: the run history that `train` keeps (engine.runs)."""
from __future__ import annotations

import json
import sys

from ..runs import RUNS_ENV, RunError, delete_run, list_runs, load_run, rename_run, runs_folder, set_notes
from ..runs_compare import FORMATS, duration, format_comparison, percent, settings_text
from .common import UserError


def _folder(args):
    return runs_folder(args.runs_dir)


def _notes(notes: list[str]) -> None:
    for note in notes:
        print(f"note: {note}", file=sys.stderr)


def _runs(args, ids: list[str]):
    """The runs named by `ids` (every run when none is named); UserError for an unknown id."""
    folder = _folder(args)
    try:
        if ids:
            return [load_run(folder, run_id) for run_id in ids]
    except RunError as exc:
        raise UserError(str(exc)) from None
    runs, notes = list_runs(folder)
    _notes(notes)
    return runs


def run_list(args) -> int:
    runs, notes = list_runs(_folder(args))
    _notes(notes)
    if args.json:
        print(json.dumps([{"id": r.id, "name": r.name, "design": r.design_name, "dataset": r.dataset_name,
                           "created": r.created, "status": r.data.get("status", ""),
                           "epochs": r.history["epochs_completed"], "test_accuracy": r.test_accuracy,
                           "seconds": r.data.get("seconds"), "notes": r.notes} for r in runs], indent=2))
        return 0
    if not runs:
        print(f"no runs in {_folder(args)} yet: every `train` keeps one")
        return 0
    table = [("id", "name", "dataset", "epochs", "test acc", "time", "status")]
    for r in runs:
        table.append((r.id, r.name, r.dataset_name, str(r.history["epochs_completed"]), percent(r.test_accuracy),
                      duration(r.data.get("seconds")), r.data.get("status", "")))
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    for row in table:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
    return 0


def run_show(args) -> int:
    (run,) = _runs(args, [args.id])
    if args.json:
        print(json.dumps(dict(run.data, folder=str(run.folder)), indent=2))
        return 0
    data, history = run.data, run.history
    test = data["test"]
    lines = [f"run {run.id}: {run.name}", f"  design      {run.design_name} ({data.get('params', 0):,} parameters)",
             f"  dataset     {data['dataset'].get('description', run.dataset_name)}",
             f"  settings    {settings_text(run.settings)}, {run.settings.get('epochs')} epochs, seed "
             f"{run.settings.get('seed')}",
             f"  result      {data.get('status', '')} after {history['epochs_completed']} epochs; test accuracy "
             f"{percent(test.get('accuracy'))} on {test.get('count', 0)} images"
             + (f"; weights of epoch {history['best_epoch']} (best)" if history.get("restored_best") else ""),
             f"  time        {duration(data.get('seconds'))} on {data.get('machine', {}).get('system', '?')}, "
             f"recorded {run.created}, app {data.get('app_version', '?')}",
             f"  folder      {run.folder}"]
    note = data.get("weights", {}).get("note")
    if note:
        lines.append(f"  weights     {note}")
    if run.notes:
        lines.append(f"  notes       {run.notes}")
    lines.append("")
    lines.append("  epoch  lr          train loss  train acc  val loss  val acc")
    for i in range(history["epochs_completed"]):
        def at(key):
            values = history.get(key, [])
            return values[i] if i < len(values) else None
        marker = "  ← best" if history.get("best_epoch") == i + 1 else ""
        lines.append(f"  {i + 1:5d}  {_num(at('lr'), '.4g'):10}  {_num(at('train_loss'), '.4f'):>10}  "
                     f"{percent(at('train_accuracy')):>9}  {_num(at('val_loss'), '.4f'):>8}  "
                     f"{percent(at('val_accuracy')):>7}{marker}")
    print("\n".join(lines))
    return 0


def _num(value, spec: str) -> str:
    return format(value, spec) if isinstance(value, (int, float)) else "—"


def run_compare(args) -> int:
    runs = _runs(args, args.ids)
    if not runs:
        raise UserError(f"no runs to compare in {_folder(args)}")
    sys.stdout.write(format_comparison(runs, args.format))
    return 0


def _change(args, what: str, change) -> int:
    try:
        run = change(_folder(args), args.id)
    except RunError as exc:
        raise UserError(str(exc)) from None
    print(f"run {run.id}: {what}")
    return 0


def run_rename(args) -> int:
    return _change(args, f"named {args.name!r}", lambda folder, run_id: rename_run(folder, run_id, args.name))


def run_notes(args) -> int:
    return _change(args, "notes saved", lambda folder, run_id: set_notes(folder, run_id, args.text))


def run_delete(args) -> int:
    try:
        delete_run(_folder(args), args.id)
    except RunError as exc:
        raise UserError(str(exc)) from None
    print(f"deleted run {args.id}")
    return 0


def add_parser(sub) -> None:
    p = sub.add_parser("runs", help="the run history: list, show, compare, rename, add notes to or delete runs")
    p.set_defaults(run=lambda args: p.error("say what to do: list, show, compare, rename, notes or delete"))
    commands = p.add_subparsers(dest="runs_command", metavar="list|show|compare|rename|notes|delete",
                                parser_class=type(p))

    def command(name, function, text):
        c = commands.add_parser(name, help=text)
        c.add_argument("--runs-dir", metavar="DIR", help=f"the runs folder (default: ${RUNS_ENV}, else the "
                       "runs folder in the user's data folder)")
        c.set_defaults(run=function)
        return c

    c = command("list", run_list, "every recorded run, oldest first")
    c.add_argument("--json", action="store_true", help="one JSON list")
    c = command("show", run_show, "one run's settings, result and per-epoch history")
    c.add_argument("id", metavar="ID")
    c.add_argument("--json", action="store_true", help="the whole run record as JSON")
    c = command("compare", run_compare, "runs side by side, a row per run (every run when no ID is given)")
    c.add_argument("ids", nargs="*", metavar="ID")
    c.add_argument("--format", choices=FORMATS, default="text", metavar="|".join(FORMATS),
                   help="table format (default: %(default)s)")
    c = command("rename", run_rename, "give a run a name (\"\" for the design's name)")
    c.add_argument("id", metavar="ID")
    c.add_argument("name", metavar="NAME")
    c = command("notes", run_notes, "replace a run's notes")
    c.add_argument("id", metavar="ID")
    c.add_argument("text", metavar="TEXT")
    c = command("delete", run_delete, "delete a run's folder")
    c.add_argument("id", metavar="ID")
