"""The course table (`engine.summarize`) as text a teacher pastes: plain text, Markdown, CSV, LaTeX,
tab-separated text for the clipboard, and JSON.

Every function here only formats a `Summary`; none computes a number. All formats carry the same
columns — layer, activation shape, activation size, # parameters, MACs, formula — one row per layer
(the input first) and a final "Total" row. A row that cannot be computed shows why in its formula
cell and has no numbers.

A design with blocks (residual, concat) keeps the same rows in table order: the block's row, then its
inner rows. Text, Markdown and LaTeX indent the inner rows' names by their depth and add a "Branch"
column after the layer ("main", "shortcut", "branch 2"); CSV and tab-separated text add "Branch" there
too and "Depth" and "Parent" at the end (names stay unindented for a spreadsheet); JSON nests the inner
rows under their block. A design without blocks gives exactly the tables it always gave.
"""
from __future__ import annotations

import csv
import io
import json

from ..shapes import Summary, SummaryRow, format_shape, row_status

HEADER = ("Layer", "Activation shape", "Activation size", "# parameters", "MACs", "Formula")
BRANCH = "Branch"
TOTAL = "Total"
FORMATS = ("text", "markdown", "csv", "latex", "json")
NO_VALUE = "—"
INDENT = "  "            # per level of nesting, in front of an inner row's name (text)


def _note(row: SummaryRow) -> str:
    """The formula cell of a row: its formula, or why it has no numbers."""
    return row_status(row) or row.formula


def _header(summary: Summary) -> tuple[str, ...]:
    return HEADER[:1] + (BRANCH,) + HEADER[1:] if summary.nested else HEADER


def _cells(summary: Summary, number, missing: str, indent: str = "") -> list[tuple[str, ...]]:
    """The table as rows of strings (header excluded, "Total" row last): six cells, or seven with the
    branch after the name for a design with blocks (`indent` repeated per depth before inner names).
    `number` formats an int; a row without numbers gets `missing` in its shape and number cells."""
    nested = summary.nested
    rows = []
    for row in summary.rows:
        name = (indent * row.depth) + row.name
        if row.computable:
            cells = [name, format_shape(row.output_shape), number(row.activation_size), number(row.params),
                     number(row.macs), _note(row)]
        else:
            cells = [name, missing, missing, missing, missing, _note(row)]
        if nested:
            cells.insert(1, row.branch or "")
        rows.append(tuple(cells))
    total = [TOTAL, "", number(summary.total_activation_size), number(summary.total_params),
             number(summary.total_macs), ""]
    if nested:
        total.insert(1, "")
    rows.append(tuple(total))
    return rows


def _grouped(n: int) -> str:
    return f"{n:,}"


def _plain(n: int) -> str:
    return str(n)


# ----- plain text (the command line's default) ----------------------------------------------------

def to_text(summary: Summary, title: str | None = None, why: bool = False) -> str:
    """The course table as aligned plain text, rules above and below the layer rows.

    With `why`, a column "FC would need" after # parameters: for each conv row, the parameters a fully
    connected layer with the same input and output volumes would need (the course's "why
    convolutions"); blank for other rows."""
    header = list(_header(summary))
    right = [False, False, True, True, True]
    if summary.nested:
        right.insert(1, False)
    rows = [list(cells) for cells in _cells(summary, _grouped, NO_VALUE, INDENT)]
    if why:
        at = len(right) - 1       # before MACs
        header.insert(at, "FC would need")
        right.insert(at, True)
        for cells, row in zip(rows, summary.rows):
            dense = row.dense_equivalent_params
            cells.insert(at, NO_VALUE if not row.computable else ("" if dense is None else _grouped(dense)))
        rows[-1].insert(at, "")
    n = len(right)  # the columns padded to a width; the formula (last) is not
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(n)]

    def line(cells):
        parts = [c.rjust(w) if r else c.ljust(w) for c, w, r in zip(cells[:n], widths, right)]
        return "  ".join(parts + [cells[n]]).rstrip()

    rule = "-" * (sum(widths) + 2 * n + len(header[n]))
    out = [title] if title else []
    out += [line(header), rule] + [line(r) for r in rows[:-1]] + [rule, line(rows[-1])]
    return "\n".join(out)


# ----- Markdown ----------------------------------------------------------------------------------

def _markdown_cell(text: str) -> str:
    # A pipe would end the cell; a line break would end the row.
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def to_markdown(summary: Summary, title: str | None = None) -> str:
    """A GitHub-flavoured Markdown table (numbers right-aligned), the title as a bold line above it."""
    align = ("---", "---", "---:", "---:", "---:", "---")
    if summary.nested:
        align = align[:1] + ("---",) + align[1:]
    lines = [f"**{_markdown_cell(title)}**", ""] if title else []
    # Non-breaking spaces indent inner rows (Markdown drops ordinary leading spaces in a cell).
    for cells in [_header(summary), align] + _cells(summary, _grouped, NO_VALUE, "\u00a0\u00a0"):
        lines.append("| " + " | ".join(_markdown_cell(c) if cells is not align else c for c in cells) + " |")
    return "\n".join(lines) + "\n"


# ----- CSV and TSV ------------------------------------------------------------------------------

def _machine_rows(summary: Summary, rows: list[int] | None = None) -> list[tuple[str, ...]]:
    """Header and rows for CSV / TSV: with blocks, "Depth" and "Parent" at the end of every row."""
    table = _cells(summary, _plain, "")
    header = _header(summary)
    if summary.nested:
        header += ("Depth", "Parent")
        table = [cells + (str(row.depth), row.parent or "") for cells, row in zip(table, summary.rows)] + \
                [table[-1] + ("", "")]
    if rows is not None:
        table = [table[i] for i in sorted(set(rows)) if 0 <= i < len(table)]
    return [header] + table


def _delimited(summary: Summary, delimiter: str, rows: list[int] | None = None) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerows(_machine_rows(summary, rows))
    return out.getvalue()


def to_csv(summary: Summary, title: str | None = None) -> str:
    """Comma-separated values with a header row; numbers without thousands separators, empty cells where
    a row has no numbers. `title` is accepted for a uniform signature and not written (CSV has no place
    for it that every spreadsheet reads)."""
    return _delimited(summary, ",")


def to_tsv(summary: Summary, rows: list[int] | None = None) -> str:
    """Tab-separated text with a header row, as spreadsheets paste it from the clipboard.

    `rows` are indices into the table's rows (0 = the input; len(summary.rows) = the "Total" row);
    None means all of them."""
    return _delimited(summary, "\t", rows)


# ----- LaTeX -------------------------------------------------------------------------------------

_LATEX_SPECIALS = {
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
    "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
    "<": r"\textless{}", ">": r"\textgreater{}",
    # The course's symbols, so the table compiles with a plain pdflatex (no unicode-math packages).
    "·": r"$\cdot$", "⌊": r"$\lfloor$", "⌋": r"$\rfloor$", "−": "$-$", "×": r"$\times$", "—": "---",
    "≥": r"$\geq$", "≤": r"$\leq$", "→": r"$\rightarrow$", "…": r"\ldots{}", "–": "--",
    "γ": r"$\gamma$", "β": r"$\beta$", "μ": r"$\mu$", "σ": r"$\sigma$", "ε": r"$\varepsilon$",
    "›": r"$\rangle$",
}


def latex_escape(text: str) -> str:
    """`text` with LaTeX's special characters and the course's math symbols made safe for a tabular."""
    return "".join(_LATEX_SPECIALS.get(ch, ch) for ch in text)


def to_latex(summary: Summary, title: str | None = None) -> str:
    """A `table` with a plain `tabular` (\\hline rules, no packages needed); the title is its caption."""
    lines = [r"\begin{table}[ht]", r"\centering"]
    if title:
        lines.append(r"\caption{" + latex_escape(title) + "}")
    lines += [r"\begin{tabular}{" + ("lllrrrl" if summary.nested else "llrrrl") + "}", r"\hline"]
    body = _cells(summary, _grouped, NO_VALUE, "\t")

    def row(cells):
        # A tab stands for one level of nesting: \quad in front of the (escaped) name.
        name = cells[0]
        depth = len(name) - len(name.lstrip("\t"))
        return " & ".join([r"\quad " * depth + latex_escape(name.lstrip("\t"))]
                          + [latex_escape(c) for c in cells[1:]]) + r" \\"

    lines.append(row(_header(summary)))
    lines.append(r"\hline")
    lines += [row(cells) for cells in body[:-1]]
    lines += [r"\hline", row(body[-1]), r"\hline", r"\end{tabular}", r"\end{table}"]
    return "\n".join(lines) + "\n"


# ----- JSON --------------------------------------------------------------------------------------

def to_json(summary: Summary, title: str | None = None) -> str:
    """One JSON document: {"name": title, "ok", "error", totals, "rows": [...]} (see Summary.to_dict)."""
    return json.dumps({"name": title, **summary.to_dict()}, indent=2, ensure_ascii=False)


FORMATTERS = {"text": to_text, "markdown": to_markdown, "csv": to_csv, "latex": to_latex, "json": to_json}


def format_table(summary: Summary, fmt: str, title: str | None = None) -> str:
    """The table in format `fmt` (one of FORMATS); ValueError naming the known ones otherwise."""
    try:
        formatter = FORMATTERS[fmt]
    except KeyError:
        raise ValueError(f"unknown table format {fmt!r} (known: {', '.join(FORMATS)})") from None
    return formatter(summary, title)
