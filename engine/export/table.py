"""The course table (`engine.summarize`) as text a teacher pastes: plain text, Markdown, CSV, LaTeX,
tab-separated text for the clipboard, and JSON.

Every function here only formats a `Summary`; none computes a number. All formats carry the same
columns — layer, activation shape, activation size, # parameters, MACs, formula — one row per layer
(the input first) and a final "Total" row. A row that cannot be computed shows why in its formula
cell and has no numbers.
"""
from __future__ import annotations

import csv
import io
import json

from ..shapes import Summary, SummaryRow, format_shape, row_status

HEADER = ("Layer", "Activation shape", "Activation size", "# parameters", "MACs", "Formula")
TOTAL = "Total"
FORMATS = ("text", "markdown", "csv", "latex", "json")
NO_VALUE = "—"


def _note(row: SummaryRow) -> str:
    """The formula cell of a row: its formula, or why it has no numbers."""
    return row_status(row) or row.formula


def _cells(summary: Summary, number, missing: str) -> list[tuple[str, ...]]:
    """The table as rows of six strings (header excluded, "Total" row last). `number` formats an int;
    a row without numbers gets `missing` in its shape and number cells."""
    rows = []
    for row in summary.rows:
        if row.computable:
            rows.append((row.name, format_shape(row.output_shape), number(row.activation_size),
                         number(row.params), number(row.macs), _note(row)))
        else:
            rows.append((row.name, missing, missing, missing, missing, _note(row)))
    rows.append((TOTAL, "", number(summary.total_activation_size), number(summary.total_params),
                 number(summary.total_macs), ""))
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
    header = list(HEADER)
    right = [False, False, True, True, True]
    rows = [list(cells) for cells in _cells(summary, _grouped, NO_VALUE)]
    if why:
        header.insert(4, "FC would need")
        right.insert(4, True)
        for cells, row in zip(rows, summary.rows):
            dense = row.dense_equivalent_params
            cells.insert(4, NO_VALUE if not row.computable else ("" if dense is None else _grouped(dense)))
        rows[-1].insert(4, "")
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
    lines = [f"**{_markdown_cell(title)}**", ""] if title else []
    for cells in [HEADER, align] + _cells(summary, _grouped, NO_VALUE):
        lines.append("| " + " | ".join(_markdown_cell(c) if cells is not align else c for c in cells) + " |")
    return "\n".join(lines) + "\n"


# ----- CSV and TSV ------------------------------------------------------------------------------

def _delimited(summary: Summary, delimiter: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(_cells(summary, _plain, ""))
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
    table = _cells(summary, _plain, "")
    if rows is not None:
        table = [table[i] for i in sorted(set(rows)) if 0 <= i < len(table)]
    out = io.StringIO()
    writer = csv.writer(out, delimiter="\t", lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(table)
    return out.getvalue()


# ----- LaTeX -------------------------------------------------------------------------------------

_LATEX_SPECIALS = {
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
    "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
    "<": r"\textless{}", ">": r"\textgreater{}",
    # The course's symbols, so the table compiles with a plain pdflatex (no unicode-math packages).
    "·": r"$\cdot$", "⌊": r"$\lfloor$", "⌋": r"$\rfloor$", "−": "$-$", "×": r"$\times$", "—": "---",
    "≥": r"$\geq$", "≤": r"$\leq$", "→": r"$\rightarrow$", "…": r"\ldots{}", "–": "--",
}


def latex_escape(text: str) -> str:
    """`text` with LaTeX's special characters and the course's math symbols made safe for a tabular."""
    return "".join(_LATEX_SPECIALS.get(ch, ch) for ch in text)


def to_latex(summary: Summary, title: str | None = None) -> str:
    """A `table` with a plain `tabular` (\\hline rules, no packages needed); the title is its caption."""
    lines = [r"\begin{table}[ht]", r"\centering"]
    if title:
        lines.append(r"\caption{" + latex_escape(title) + "}")
    lines += [r"\begin{tabular}{llrrrl}", r"\hline"]
    body = _cells(summary, _grouped, NO_VALUE)

    def row(cells):
        return " & ".join(latex_escape(c) for c in cells) + r" \\"

    lines.append(row(HEADER))
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
