"""`summary ARCH.json [--format text|markdown|csv|latex|json]`: the course table of a design.

The formatting lives in engine.export.table; this command only picks one format.
"""
from __future__ import annotations

from ..export.table import FORMATS, format_table, to_text
from ..shapes import summarize
from .common import DESIGN_METAVAR, UserError, design_help, load_design


def run(args) -> int:
    spec = load_design(args.arch)
    summary = summarize(spec)
    if args.json and args.format not in ("text", "json"):
        raise UserError(f"--json and --format {args.format} ask for two formats; use one of them")
    fmt = "json" if args.json else args.format
    if args.why and fmt != "text":
        raise UserError("--why adds a column to the text table; use it without --format/--json")
    text = to_text(summary, spec.name, why=True) if args.why else format_table(summary, fmt, spec.name)
    print(text, end="" if text.endswith("\n") else "\n")
    if not summary.ok:
        raise UserError(f"{args.arch}: {summary.error}")
    return 0


def table_format(text: str) -> str:
    key = text.strip().lower()
    if key not in FORMATS:
        raise UserError(f"summary: unknown format {text!r} (known: {', '.join(FORMATS)})")
    return key


def add_parser(sub) -> None:
    p = sub.add_parser("summary", help="print the layer table (shapes, sizes, parameters) of an architecture JSON")
    p.add_argument("arch", metavar=DESIGN_METAVAR, help=design_help())
    p.add_argument("--format", type=table_format, default="text", metavar="|".join(FORMATS),
                   help="text (default), markdown, csv, latex or json")
    p.add_argument("--json", action="store_true", help="the same as --format json")
    p.add_argument("--why", action="store_true",
                   help="add a column: the parameters a fully connected layer would need in place of each conv")
    p.set_defaults(run=run)
