"""The table formats carry a design's nesting: text, Markdown and LaTeX indent the inner rows and add a
Branch column; CSV and TSV add Branch, Depth and Parent; JSON (and `summary --json`) nests the inner rows
under their block's paths. A design without blocks keeps exactly its old tables."""
import csv
import io
import json

from engine import NetworkSpec, summarize
from engine.cli import main
from engine.export.table import HEADER, to_csv, to_json, to_latex, to_markdown, to_text, to_tsv
from engine.spec import FORMAT

DOC = {"format": FORMAT, "name": "tiny", "input": {"shape": [6, 6, 2]}, "layers": [
    {"type": "conv", "filters": 2, "size": 3, "padding": "same"},
    {"type": "residual", "layers": [
        {"type": "concat", "branches": [[{"type": "conv", "filters": 1, "size": 1}], []]},
        {"type": "conv", "filters": 2, "size": 1}, {"type": "batchnorm"}]},
    {"type": "dense", "units": 2, "activation": "softmax"}]}


def summary():
    return summarize(NetworkSpec.from_dict(DOC))


def test_text_indents_inner_rows_and_names_their_branch():
    lines = to_text(summary()).splitlines()
    assert lines[0].split()[:2] == ["Layer", "Branch"]
    rows = {line.split()[0]: line for line in lines[2:]}
    assert [line[:19].rstrip() for line in lines[4:9]] == ["RES1", "  CONCAT1  main", "    CONV2  branch 1",
                                                          "  CONV3    main", "  BN3      main"]
    assert "main + shortcut (identity) = 6×6×2" in rows["RES1"]


def test_csv_and_tsv_add_branch_depth_and_parent():
    rows = list(csv.reader(io.StringIO(to_csv(summary()))))
    assert rows[0] == ["Layer", "Branch", *HEADER[1:], "Depth", "Parent"]
    by_name = {r[0]: r for r in rows[1:]}
    assert by_name["CONV2"][1] == "branch 1" and by_name["CONV2"][-2:] == ["2", "CONCAT1"]
    assert by_name["RES1"][-2:] == ["0", ""] and by_name["Total"][0] == "Total"
    assert to_tsv(summary()).replace("\t", ",").splitlines()[0] == ",".join(rows[0])
    selected = list(csv.reader(io.StringIO(to_tsv(summary(), rows=[3, 4])), delimiter="\t"))
    assert [r[0] for r in selected[1:]] == ["CONCAT1", "CONV2"]


def test_markdown_and_latex_indent_too():
    md = [line for line in to_markdown(summary()).splitlines() if line.startswith("|")]
    assert md[0].startswith("| Layer | Branch |") and "| \u00a0\u00a0\u00a0\u00a0CONV2 | branch 1 |" in md[6]
    latex = to_latex(summary())
    assert r"\begin{tabular}{lllrrrl}" in latex and r"\quad \quad CONV2 & branch 1 &" in latex


def test_json_nests_the_inner_rows_under_their_block():
    doc = json.loads(to_json(summary()))
    assert [r["name"] for r in doc["rows"]] == ["Input", "CONV1", "RES1", "Softmax"]
    res = doc["rows"][2]
    assert [p["label"] for p in res["paths"]] == ["main", "shortcut"]
    assert res["paths"][1]["rows"] == [] and res["paths"][1]["output_shape"] == [6, 6, 2]
    concat = res["paths"][0]["rows"][0]
    assert concat["name"] == "CONCAT1" and [p["label"] for p in concat["paths"]] == ["branch 1", "branch 2"]
    assert concat["paths"][0]["rows"][0]["name"] == "CONV2"
    assert doc["total_params"] == summarize(NetworkSpec.from_dict(DOC)).total_params


def test_summary_json_on_the_command_line_nests(capsys, tmp_path):
    path = tmp_path / "tiny.json"
    path.write_text(json.dumps(DOC), encoding="utf-8")
    assert main(["summary", str(path), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["rows"][2]["paths"][0]["rows"][2]["name"] == "BN3"


def test_a_flat_design_keeps_its_old_columns():
    flat = summarize(NetworkSpec.from_dict({**DOC, "layers": [DOC["layers"][0], DOC["layers"][2]]}))
    assert to_text(flat).splitlines()[0].split()[:2] == ["Layer", "Activation"]
    assert next(csv.reader(io.StringIO(to_csv(flat)))) == list(HEADER)
    assert "paths" not in json.dumps(flat.to_dict())
