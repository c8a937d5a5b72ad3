"""`diagram ARCH.json -o net.svg`: the volume diagram of a design as SVG (no display needed)."""
from __future__ import annotations

import sys

from ..export.diagram import diagram_layout, render_svg
from ..fileio import atomic_write
from ..shapes import summarize
from ..spec import load_spec


def run(args) -> int:
    spec = load_spec(args.arch)
    summary = summarize(spec)
    svg = render_svg(diagram_layout(spec, summary))
    if args.output in (None, "-"):
        sys.stdout.write(svg)
    else:
        atomic_write(args.output, lambda handle: handle.write(svg))
        print(f"wrote {args.output} ({len(summary.rows) - 1} layers)")
    if not summary.ok:
        # Still drawn (the broken layer is red), but say so as the summary command does.
        print(f"warning: {summary.error}", file=sys.stderr)
    return 0


def add_parser(sub) -> None:
    p = sub.add_parser("diagram", help="draw the volume diagram of an architecture JSON as SVG")
    p.add_argument("arch", metavar="ARCH.json")
    p.add_argument("-o", "--output", metavar="FILE.svg", help="where to write the SVG (default: standard output)")
    p.set_defaults(run=run)
