"""`summary ARCH.json`: the course table of a design, as text or JSON."""
from __future__ import annotations

import json

from ..shapes import Summary, format_shape, row_status, summarize
from ..spec import load_spec
from .common import UserError


def format_summary(summary: Summary, title: str | None = None, why: bool = False) -> str:
    """The course table as plain text: layer, activation shape, size, # parameters, MACs, formula.

    With `why`, a column "FC would need" after # parameters: for each conv row, the parameters a
    fully connected layer with the same input and output volumes would need (the course's "why
    convolutions"); blank for other rows."""
    header = ["Layer", "Activation shape", "Activation size", "# parameters", "MACs", "Formula"]
    right = [False, False, True, True, True]
    if why:
        header.insert(4, "FC would need")
        right.insert(4, True)
    rows = []
    for row in summary.rows:
        status = row_status(row)
        if status:
            cells = [row.name, "—", "—", "—", "—", status]
            dense = "—"
        else:
            cells = [row.name, format_shape(row.output_shape), f"{row.activation_size:,}", f"{row.params:,}",
                     f"{row.macs:,}", row.formula]
            dense = "" if row.dense_equivalent_params is None else f"{row.dense_equivalent_params:,}"
        if why:
            cells.insert(4, dense)
        rows.append(cells)
    total = ["Total", "", f"{summary.total_activation_size:,}", f"{summary.total_params:,}",
             f"{summary.total_macs:,}", ""]
    if why:
        total.insert(4, "")
    rows.append(total)
    n = len(right)  # the columns padded to a width; the formula (last) is not
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(n)]

    def line(cells):
        parts = [c.rjust(w) if r else c.ljust(w) for c, w, r in zip(cells[:n], widths, right)]
        return "  ".join(parts + [cells[n]]).rstrip()

    rule = "-" * (sum(widths) + 2 * n + len(header[n]))
    out = [title] if title else []
    out += [line(header), rule] + [line(r) for r in rows[:-1]] + [rule, line(rows[-1])]
    return "\n".join(out)


def run(args) -> int:
    spec = load_spec(args.arch)
    summary = summarize(spec)
    if args.json:
        doc = {"name": spec.name, **summary.to_dict()}
        print(json.dumps(doc, indent=2, ensure_ascii=False))
    else:
        print(format_summary(summary, spec.name, why=args.why))
    if not summary.ok:
        raise UserError(f"{args.arch}: {summary.error}")
    return 0




def add_parser(sub) -> None:
    p = sub.add_parser("summary", help="print the layer table (shapes, sizes, parameters) of an architecture JSON")
    p.add_argument("arch", metavar="ARCH.json")
    p.add_argument("--json", action="store_true", help="print one JSON document instead of the table")
    p.add_argument("--why", action="store_true",
                   help="add a column: the parameters a fully connected layer would need in place of each conv")
    p.set_defaults(run=run)
