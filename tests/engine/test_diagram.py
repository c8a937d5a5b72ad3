"""The volume diagram: layout data and SVG without Qt, and `main.py diagram`."""
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from engine import NetworkSpec, load_spec
from engine.export.diagram import BAR, BLOCKED, BROKEN, THIN, VOLUME, diagram_layout, render_svg

ROOT = Path(__file__).resolve().parents[2]
PRESETS = ROOT / "resources" / "presets"
SVG = "{http://www.w3.org/2000/svg}"

LENET_LABELS = {"Input": "32×32×3", "CONV1": "28×28×8", "POOL1": "14×14×8", "CONV2": "10×10×16",
                "POOL2": "5×5×16", "FC3": "120", "FC4": "84", "Softmax": "10"}


def layer_labels(svg_text: str) -> dict:
    """{layer name: volume label} read back from the SVG's text elements."""
    root = ET.fromstring(svg_text.encode("utf-8"))
    labels = {}
    for group in root.iter(f"{SVG}g"):
        texts = {t.get("class"): t.text for t in group.iter(f"{SVG}text")}
        labels[texts["name"]] = texts["volume"]
    return labels


def test_lenet_layout_one_box_per_row_in_course_style():
    layout = diagram_layout(load_spec(PRESETS / "lenet5.json"))
    kinds = [b.kind for b in layout.boxes]
    assert kinds == [VOLUME, VOLUME, THIN, VOLUME, THIN, BAR, BAR, BAR]
    assert [b.label for b in layout.boxes] == list(LENET_LABELS.values())
    assert [a.label for a in layout.arrows][:4] == ["f=5 s=1", "max f=2 s=2", "f=5 s=1", "max f=2 s=2"]
    # Left to right without overlaps, all inside the canvas.
    for left, right in zip(layout.boxes, layout.boxes[1:]):
        assert left.bounds[0] + left.bounds[2] < right.bounds[0]
    for box in layout.boxes:
        x, y, w, h = box.bounds
        assert 0 <= x and x + w <= layout.width and 0 <= y and y + h <= layout.height
    # Pooling is thinner than the conv before it; a smaller volume is drawn smaller.
    assert layout.boxes[2].w < layout.boxes[1].w and layout.boxes[3].h < layout.boxes[1].h
    assert layout.box_at(layout.boxes[3].x + 1, layout.boxes[3].y + 1).name == "CONV2"


def test_svg_is_well_formed_and_names_every_layer_with_its_volume():
    assert layer_labels(render_svg(diagram_layout(load_spec(PRESETS / "lenet5.json")))) == LENET_LABELS


def test_broken_layer_is_red_and_names_are_escaped():
    spec = NetworkSpec.from_dict({"format": "cnn-designer/1", "input": {"shape": [8, 8, 1]}, "layers": [
        {"type": "conv", "name": "A<&>\"B", "filters": 4, "size": 3},
        {"type": "conv", "name": "BIG", "filters": 4, "size": 9},
        {"type": "dense", "units": 10, "activation": "softmax"}]})
    layout = diagram_layout(spec)
    assert [b.kind for b in layout.boxes] == [VOLUME, VOLUME, BROKEN, BLOCKED]
    assert "larger" in layout.boxes[2].error
    svg = render_svg(diagram_layout(spec), selected=0)
    assert layer_labels(svg)["A<&>\"B"] == "6×6×4"
    assert "#b3261e" in svg


def test_cli_diagram_writes_svg(tmp_path):
    out = tmp_path / "net.svg"
    result = subprocess.run([sys.executable, str(ROOT / "main.py"), "diagram", str(PRESETS / "example_convnet.json"),
                             "-o", str(out)], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 0, result.stderr
    labels = layer_labels(out.read_text(encoding="utf-8"))
    assert labels["CONV3"] == "7×7×40" and labels["FLATTEN"] == "1,960" and labels["Softmax"] == "10"
    result = subprocess.run([sys.executable, str(ROOT / "main.py"), "diagram", str(tmp_path / "missing.json"),
                             "-o", str(out)], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 2 and result.stderr.startswith("error:") and len(result.stderr.splitlines()) == 1


# ----- blocks: a residual's skip arrow, a concat's branches side by side ---------------------------------

def test_a_residual_block_draws_its_main_path_a_skip_arrow_and_a_join():
    from engine.export.diagram import ADD
    spec = load_spec(PRESETS / "resnet_small.json")
    layout = diagram_layout(spec)
    walked = spec.walk()
    # Every layer has its box, inner layers included, each named by its path.
    assert [box.path for box in layout.boxes if box.path] and \
        {box.path for box in layout.boxes} == {()} | {entry.path for entry in walked}
    first = next(entry for entry in walked if entry.layer.type == "residual")
    block, main = layout.box_for(first.path), [layout.box_for(first.path + (0, i)) for i in range(4)]
    # The main path runs on the line, left to right, before the block's joined volume.
    assert all(a.x < b.x for a, b in zip(main, main[1:] + [block]))
    assert all(abs((box.y + box.h / 2) - (block.y + block.h / 2)) < 1e-6 for box in main)
    # An identity shortcut is a skip arrow over the main path into a ⊕ between the path and the volume.
    join = next(j for j in layout.joins if j.name == first.name)
    assert join.kind == ADD and main[-1].x < join.x < block.x
    skip = next(link for link in layout.links if link.skip and link.label == "shortcut (identity)")
    xs, ys = [p[0] for p in skip.points], [p[1] for p in skip.points]
    assert min(xs) < main[0].x and max(xs) == join.x and min(ys) < min(box.y - box.depth for box in main)
    # A shortcut with layers runs in a lane under the main path.
    second = next(entry for entry in walked if entry.layer.type == "residual" and entry.layer.shortcut)
    lane = layout.box_for(second.path + (1, 0))
    assert lane.y > layout.box_for(second.path + (0, 0)).y + layout.box_for(second.path + (0, 0)).h


def test_a_concat_draws_its_branches_side_by_side_joining_in_one_volume():
    from engine.export.diagram import STACK
    layout = diagram_layout(load_spec(PRESETS / "inception_module.json"))
    firsts = [layout.box_for((0, branch, 0)) for branch in range(4)]
    # One lane per branch, one under the other, all starting at the same x.
    assert all(a.y + a.h < b.y for a, b in zip(firsts, firsts[1:]))
    assert len({round(box.x - (box.w + box.depth) / 2) for box in firsts}) <= 4
    join = next(j for j in layout.joins if j.name == "INCEPTION")
    block = layout.box_for((0,))
    lasts = [layout.box_for((0, 0, 0)), layout.box_for((0, 1, 1)), layout.box_for((0, 2, 1)), layout.box_for((0, 3, 1))]
    assert join.kind == STACK and all(box.x + box.w < join.x for box in lasts) and join.x < block.x
    assert block.label == "28×28×256"
    for box in layout.boxes:          # nothing outside the canvas
        x, y, w, h = box.bounds
        assert 0 <= x and x + w <= layout.width and 0 <= y and y + h <= layout.height
    svg = render_svg(layout)
    assert svg.count('class="join"') == 1 and "branch 4" in svg
    labels = layer_labels(svg)
    assert labels["INCEPTION"] == "28×28×256" and labels["CONV5"] == "28×28×32"


def test_cli_diagram_of_a_resnet_has_its_joins(tmp_path):
    out = tmp_path / "resnet.svg"
    result = subprocess.run([sys.executable, str(ROOT / "main.py"), "diagram", "resnet_small", "-o", str(out)],
                            capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 0, result.stderr
    svg = out.read_text(encoding="utf-8")
    assert svg.count('class="join"') == 3 and 'class="skip"' in svg and "shortcut (identity)" in svg
    assert layer_labels(svg)["RES3"] == "8×8×64"
