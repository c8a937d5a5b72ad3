"""`diagram ARCH.json -o net.svg`: the volume diagram of a design as SVG (no display needed)."""
from __future__ import annotations

import sys

from ..export.diagram import diagram_layout, render_svg
from ..fileio import atomic_write, check_not_an_input, check_writable
from ..shapes import summarize
from .common import DESIGN_METAVAR, design_help, input_files, load_design


def run(args) -> int:
    writes_file = args.output not in (None, "-")
    if writes_file:
        check_writable(args.output, example="diagram.svg")
        check_not_an_input(args.output, input_files(design=args.arch))
    spec = load_design(args.arch)
    summary = summarize(spec)
    svg = render_svg(diagram_layout(spec, summary))
    if not writes_file:
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
    p.add_argument("arch", metavar=DESIGN_METAVAR, help=design_help())
    p.add_argument("-o", "--output", metavar="FILE.svg", help="where to write the SVG (default: standard output)")
    p.set_defaults(run=run)
