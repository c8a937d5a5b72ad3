"""`summary ARCH.json`: the course table of a design, as text or JSON."""
from __future__ import annotations

import json

from ..shapes import Summary, format_shape, summarize
from .common import DESIGN_METAVAR, UserError, design_help, load_design


def format_summary(summary: Summary, title: str | None = None) -> str:
    """The course table as plain text: layer, activation shape, size, # parameters, MACs, formula."""
    header = ("Layer", "Activation shape", "Activation size", "# parameters", "MACs", "Formula")
    rows = []
    for row in summary.rows:
        if row.error:
            rows.append((row.name, "—", "—", "—", "—", f"ERROR: {row.error}"))
        elif not row.computable:
            rows.append((row.name, "—", "—", "—", "—", f"(not computed: {row.blocked_by} above has an error)"))
        else:
            rows.append((row.name, format_shape(row.output_shape), f"{row.activation_size:,}", f"{row.params:,}",
                         f"{row.macs:,}", row.formula))
    rows.append(("Total", "", f"{summary.total_activation_size:,}", f"{summary.total_params:,}",
                 f"{summary.total_macs:,}", ""))
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(5)]
    right = (False, False, True, True, True)

    def line(cells):
        parts = [c.rjust(w) if r else c.ljust(w) for c, w, r in zip(cells[:5], widths, right)]
        return "  ".join(parts + [cells[5]]).rstrip()

    rule = "-" * (sum(widths) + 2 * 5 + len(header[5]))
    out = [title] if title else []
    out += [line(header), rule] + [line(r) for r in rows[:-1]] + [rule, line(rows[-1])]
    return "\n".join(out)



def run(args) -> int:
    spec = load_design(args.arch)
    summary = summarize(spec)
    if args.json:
        doc = {"name": spec.name, **summary.to_dict()}
        print(json.dumps(doc, indent=2, ensure_ascii=False))
    else:
        print(format_summary(summary, spec.name))
    if not summary.ok:
        raise UserError(f"{args.arch}: {summary.error}")
    return 0




def add_parser(sub) -> None:
    p = sub.add_parser("summary", help="print the layer table (shapes, sizes, parameters) of an architecture JSON")
    p.add_argument("arch", metavar=DESIGN_METAVAR, help=design_help())
    p.add_argument("--json", action="store_true", help="print one JSON document instead of the table")
    p.set_defaults(run=run)
