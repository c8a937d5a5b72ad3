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
