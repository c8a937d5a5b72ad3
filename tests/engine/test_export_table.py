"""`summary --format`: Markdown, CSV and LaTeX carry exactly the numbers of `--json`, parsed back cell by cell."""
import csv
import io
import json
import re
from pathlib import Path

import pytest

from engine import load_spec, summarize
from engine.cli import main
from engine.export.table import latex_escape, to_csv, to_latex, to_markdown, to_text, to_tsv

ROOT = Path(__file__).resolve().parents[2]
PRESETS = sorted((ROOT / "resources" / "presets").glob("*.json"))

# A design whose third layer can't work: the rows after it have no numbers, in every format.
BROKEN = {"format": "cnn-designer/1", "name": "Broken & 50% {odd}_name",
          "input": {"shape": [8, 8, 1]},
          "layers": [{"type": "conv", "name": "conv_1", "filters": 4, "size": 3},
                     {"type": "pool", "size": 2},
                     {"type": "conv", "filters": 4, "size": 7},
                     {"type": "dense", "units": 10, "activation": "softmax"}]}


def cli(capsys, *args):
    status = main([str(a) for a in args])
    out = capsys.readouterr()
    return status, out.out, out.err


def parse_shape(text):
    text = text.strip()
    if text in ("", "—", "---"):
        return None
    dims = [int(d) for d in text.strip("()").split(",")]
    return dims[:1] if len(dims) == 2 and dims[1] == 1 else dims   # (120,1) is the course's vector


def parse_number(text):
    text = text.strip()
    return None if text in ("", "—", "---") else int(text.replace(",", ""))


def parsed(rows):
    """[name, shape, size, params, macs] per layer row, and the totals row's (size, params, macs). A table of
    a design with blocks has a Branch column after the name and indented names: both are taken out."""
    if rows and len(rows[0]) in (7, 9):          # Layer, Branch, ... (+ Depth, Parent in CSV)
        rows = [[r[0].replace(r"\quad ", "").strip()] + r[2:7] for r in rows]
    *layers, total = rows
    assert total[0] == "Total"
    return ([[r[0], parse_shape(r[1]), parse_number(r[2]), parse_number(r[3]), parse_number(r[4])] for r in layers],
            tuple(parse_number(c) for c in total[2:5]))


def markdown_rows(text):
    lines = [line for line in text.splitlines() if line.startswith("|")]
    assert lines[0].startswith("| Layer |") and set(lines[1].replace("|", "").split()) <= {"---", "---:"}
    return [[c.strip().replace("\\|", "|") for c in line.strip("|").split(" | ")] for line in lines[2:]]


def csv_rows(text, delimiter=","):
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    nested = rows[0][1] == "Branch"                 # a design with blocks
    header = rows[0][:1] + rows[0][2:] if nested else rows[0]
    assert header[:5] == ["Layer", "Activation shape", "Activation size", "# parameters", "MACs"]
    if nested:
        assert rows[0][-2:] == ["Depth", "Parent"]
    numbers = slice(3, 6) if nested else slice(2, 5)
    assert all("," not in "".join(r[numbers]) for r in rows[1:]), "CSV numbers carry no thousands separators"
    return rows[1:]


def latex_rows(text):
    unescape = {r"\_": "_", r"\&": "&", r"\%": "%", r"\{": "{", r"\}": "}", "---": "—"}
    rows = []
    for line in text.splitlines():
        if line.endswith(r"\\"):
            cells = [c.strip() for c in re.split(r"(?<!\\)&", line[:-2])]
            for old, new in unescape.items():
                cells[0] = cells[0].replace(old, new)
            rows.append(cells)
    assert rows[0][0] == "Layer"
    return rows[1:]


def flat_json_rows(rows):
    """The JSON rows in table order: a block's row, then the rows nested under its paths."""
    for r in rows:
        yield r
        for path in r.get("paths", []):
            yield from flat_json_rows(path["rows"])


def json_rows(doc):
    layers = [[r["name"], r["output_shape"], r["activation_size"], r["params"], r["macs"]]
              for r in flat_json_rows(doc["rows"])]
    return layers, (doc["total_activation_size"], doc["total_params"], doc["total_macs"])


PARSERS = {"markdown": markdown_rows, "csv": csv_rows, "latex": latex_rows}


@pytest.fixture
def broken_file(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(BROKEN), encoding="utf-8")
    return path


@pytest.mark.parametrize("fmt", sorted(PARSERS))
@pytest.mark.parametrize("preset", PRESETS, ids=lambda p: p.stem)
def test_every_format_carries_the_numbers_of_json(capsys, fmt, preset):
    status, out, _ = cli(capsys, "summary", preset, "--json")
    assert status == 0
    expected = json_rows(json.loads(out))
    status, out, err = cli(capsys, "summary", preset, "--format", fmt)
    assert status == 0, err
    assert parsed(PARSERS[fmt](out)) == expected
    assert expected[1][1] == summarize(load_spec(preset)).total_params   # and those are the engine's


@pytest.mark.parametrize("fmt", sorted(PARSERS))
def test_a_broken_design_keeps_its_rows_without_numbers(capsys, broken_file, fmt):
    status, out, _ = cli(capsys, "summary", broken_file, "--format", "json")
    assert status == 2
    doc = json.loads(out)
    status, out, err = cli(capsys, "summary", broken_file, "--format", fmt)
    assert status == 2 and err.startswith("error: ") and len(err.splitlines()) == 1
    layers, totals = parsed(PARSERS[fmt](out))
    assert (layers, totals) == json_rows(doc)
    assert layers[3][1:] == [None, None, None, None] and "larger than" in out   # CONV3's row says why
    assert "conv_1" in out or "conv\\_1" in out


def test_json_flag_is_format_json(capsys):
    preset = ROOT / "resources" / "presets" / "lenet5.json"
    assert cli(capsys, "summary", preset, "--json")[1] == cli(capsys, "summary", preset, "--format", "json")[1]


def test_text_is_the_default_and_unchanged(capsys):
    preset = ROOT / "resources" / "presets" / "lenet5.json"
    status, out, _ = cli(capsys, "summary", preset)
    assert status == 0 and out == to_text(summarize(load_spec(preset)), "LeNet-5 (course)") + "\n"
    assert cli(capsys, "summary", preset, "--format", "text")[1] == out
    lines = out.splitlines()
    assert lines[1].split() == ["Layer", "Activation", "shape", "Activation", "size", "#", "parameters", "MACs",
                                "Formula"]
    assert set(lines[2]) == {"-"} and set(lines[-2]) == {"-"} and lines[-1].split()[:4] == ["Total", "13,126",
                                                                                           "62,958", "849,320"]


def test_unknown_format_is_one_line_and_exit_2(capsys):
    status, out, err = cli(capsys, "summary", PRESETS[0], "--format", "docx")
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and "docx" in err and "markdown" in err


def test_latex_escapes_specials_and_course_symbols():
    assert latex_escape("a_b & 50% #1 {x} $y ~^\\") == (r"a\_b \& 50\% \#1 \{x\} \$y "
                                                        r"\textasciitilde{}\textasciicircum{}\textbackslash{}")
    spec = load_spec(ROOT / "resources" / "presets" / "lenet5.json")
    text = to_latex(summarize(spec), "Net_1 (8×8)")
    assert r"\caption{Net\_1 (8$\times$8)}" in text
    assert r"\begin{tabular}{llrrrl}" in text and r"\end{tabular}" in text and "booktabs" not in text
    assert all(ord(ch) < 128 for ch in text), "pdflatex without extra packages needs ASCII"


def test_markdown_escapes_pipes(broken_file):
    spec = load_spec(broken_file)
    spec.layers[0].name = "a|b"
    text = to_markdown(summarize(spec), "t|t")
    assert "| a\\|b |" in text and "**t\\|t**" in text
    assert all(line.count(" | ") == 5 for line in text.splitlines() if line.startswith("| "))


def test_tsv_selected_rows_and_header():
    summary = summarize(load_spec(ROOT / "resources" / "presets" / "lenet5.json"))
    lines = to_tsv(summary, [1, 5]).splitlines()
    assert lines[0].split("\t")[:3] == ["Layer", "Activation shape", "Activation size"]
    assert [line.split("\t")[:5] for line in lines[1:]] == [["CONV1", "(28,28,8)", "6272", "608", "470400"],
                                                           ["FC3", "(120,1)", "120", "48120", "48000"]]
    assert len(to_tsv(summary).splitlines()) == 1 + len(summary.rows) + 1    # header, rows, Total
    assert to_csv(summary).replace(",", "\t").count("\n") == to_tsv(summary).count("\n")


def test_json_and_another_format_together_are_refused_in_one_line(capsys):
    from engine.cli import main
    assert main(["summary", "lenet5", "--json", "--format", "csv"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--json and --format csv ask for two formats" in err
    assert main(["summary", "lenet5", "--json", "--format", "json"]) == 0
