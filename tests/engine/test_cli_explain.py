"""`main.py explain RUN.npz --dataset D --index I [--class K] [--layer NAME] [-o why.png] [--json]`: the
prediction and both maps of one test image as text, JSON and a PNG (image, saliency, Grad-CAM side by side,
drawn with Pillow); every wrong input one `error:` line and exit status 2, nothing written. Also the heat-map
pieces the PNG and the window share (engine.heatmaps): resizing against PyTorch, colours, the blend."""
import json

import numpy as np
import pytest
from PIL import Image

from engine import Network, NetworkSpec, Trainer, SGD, load_dataset, load_spec
from engine.cli import main
from engine.data import Dataset
from engine.data.npz import save_dataset_npz
from engine.export.explanation_png import PANEL, explanation_picture
from engine.heatmaps import (HEAT_STOPS, display_image, heat_colours, heat_overlay, peak, resize_bilinear,
                             resize_nearest, scale_map, to_uint8)
from engine.inspection import explain, grad_cam, saliency
from engine.resources import preset_path
from engine.spec import FORMAT


@pytest.fixture(scope="module")
def digits_run(tmp_path_factory):
    """digits_net after one epoch on digits, saved; (path, network, dataset)."""
    dataset = load_dataset("digits")
    net = Network.from_spec(load_spec(preset_path("digits_net")), seed=0)
    Trainer(net, SGD(lr=0.1, momentum=0.9), batch_size=32, seed=0).fit(dataset, epochs=1)
    path = tmp_path_factory.mktemp("run") / "digits.npz"
    net.save(path)
    return path, Network.load(path), dataset


def run_json(capsys, *argv):
    assert main(["explain", *map(str, argv), "--json"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    return json.loads(captured.out)


def test_json_gives_the_prediction_and_both_maps(digits_run, capsys):
    path, net, dataset = digits_run
    x = dataset.x_test[5:6]
    doc = run_json(capsys, path, "--dataset", "digits", "--index", 5)
    probabilities = net.predict_proba(x)[0]
    assert doc["predicted"] == int(np.argmax(probabilities)) == doc["class"] and doc["class_given"] is False
    assert doc["label"] == int(dataset.y_test[5]) and doc["label_name"] == dataset.class_names[doc["label"]]
    np.testing.assert_allclose(doc["probabilities"], probabilities, rtol=1e-6)
    sal = saliency(net, x)[0]
    assert doc["saliency"]["shape"] == [8, 8] and doc["saliency"]["peak"] == list(peak(sal))
    assert doc["saliency"]["max"] == pytest.approx(float(sal.max()), rel=1e-6)
    cam = grad_cam(net, x)[0]
    assert doc["grad_cam"]["layer"] == "POOL2" and doc["grad_cam"]["shape"] == [2, 2]
    assert doc["grad_cam"]["peak"] == list(peak(cam))
    assert doc["grad_cam"]["peak_in_image"] == list(peak(resize_bilinear(cam, (8, 8))))
    assert doc["output"] is None


def test_class_and_layer_are_chosen(digits_run, capsys):
    path, net, dataset = digits_run
    x = dataset.x_test[7:8]
    doc = run_json(capsys, path, "--dataset", "digits", "--index", 7, "--class", 3, "--layer", "CONV2")
    assert doc["class"] == 3 and doc["class_name"] == "3" and doc["class_given"] is True
    cam = grad_cam(net, x, "CONV2", 3)[0]
    assert doc["grad_cam"]["layer"] == "CONV2" and doc["grad_cam"]["shape"] == [4, 4]
    assert doc["grad_cam"]["peak"] == list(peak(cam))
    assert doc["grad_cam"]["max"] == pytest.approx(float(cam.max()), rel=1e-6, abs=1e-12)
    assert doc["saliency"]["peak"] == list(peak(saliency(net, x, 3)[0]))


def test_text_output(digits_run, capsys):
    path, net, dataset = digits_run
    assert main(["explain", str(path), "--dataset", "digits", "--index", "0"]) == 0
    lines = capsys.readouterr().out.splitlines()
    predicted = int(net.predict(dataset.x_test[:1])[0])
    assert lines[0].startswith(f"digits test image 0: label {dataset.y_test[0]}, predicted {predicted} (")
    assert lines[1] == f"explaining class {predicted} (the predicted class)"
    row, col = peak(saliency(net, dataset.x_test[:1])[0])
    assert lines[2] == f"saliency: 8×8, peak at row {row}, column {col}"
    assert lines[3].startswith("Grad-CAM of POOL2: 2×2, peak at row ")
    assert len(lines) == 4


def test_the_png_is_the_image_saliency_and_grad_cam_side_by_side(digits_run, tmp_path, capsys):
    path, net, dataset = digits_run
    out = tmp_path / "why.png"
    assert main(["explain", str(path), "--dataset", "digits", "--index", "2", "-o", str(out)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == f"wrote {out}"
    with Image.open(out) as image:
        assert image.format == "PNG" and image.mode == "RGB"
        written = np.asarray(image)
    image = dataset.x_test[2]
    result = explain(net, image[None])
    scale = PANEL // 8
    # the three panels, at the positions explanation_picture puts them
    expected = explanation_picture(image, result.saliency[0], result.grad_cam[0], ["a", "b"], "Grad-CAM of POOL2")
    assert written.shape == expected.shape == (expected.shape[0], 10 + 3 * (8 * scale + 10), 3)
    panels = [to_uint8(resize_nearest(display_image(image), (8 * scale, 8 * scale))),
              to_uint8(heat_overlay(image, result.saliency[0], 0.5, scale, smooth=False)),
              to_uint8(heat_overlay(image, result.grad_cam[0], 0.5, scale, smooth=True))]
    top = next(y for y in range(written.shape[0]) if np.array_equal(written[y, 10:10 + 8 * scale], panels[0][0]))
    for i, panel in enumerate(panels):
        left = 10 + i * (8 * scale + 10)
        np.testing.assert_array_equal(written[top:top + 8 * scale, left:left + 8 * scale], panel)
    assert not np.array_equal(panels[1], panels[2])


def test_a_sigmoid_design_and_class_names(tmp_path, capsys):
    """Class names as --class; a single sigmoid unit (two classes); a design without a volume has no Grad-CAM."""
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (12, 6, 6, 1), dtype=np.uint8)
    labels = np.arange(12) % 2
    data = tmp_path / "yesno.npz"
    save_dataset_npz(Dataset("yesno", images[:8], labels[:8], images[8:], labels[8:], ["no", "yes"]), data)
    spec = NetworkSpec.from_dict({"format": FORMAT, "input": {"shape": [6, 6, 1]},
                                  "layers": [{"type": "flatten"}, {"type": "dense", "units": 1, "activation": "sigmoid"}]})
    weights = tmp_path / "yesno_run.npz"
    Network.from_spec(spec, seed=1).save(weights)
    doc = run_json(capsys, weights, "--dataset", data, "--index", 1, "--class", "no")
    assert doc["class"] == 0 and doc["class_name"] == "no" and doc["grad_cam"] is None
    assert len(doc["probabilities"]) == 2 and sum(doc["probabilities"]) == pytest.approx(1)
    out = tmp_path / "yesno.png"
    assert main(["explain", str(weights), "--dataset", str(data), "--index", "1", "-o", str(out)]) == 0
    assert "Grad-CAM: the design has no layer with a volume output" in capsys.readouterr().out
    with Image.open(out) as image:                     # two panels
        assert image.size[0] == 10 + 2 * (PANEL + 10)


def one_error(capsys, *argv) -> str:
    assert main(["explain", *map(str, argv)]) == 2
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in err, err
    return lines[0]


def test_wrong_input_is_one_line(digits_run, tmp_path, capsys):
    path, _, _ = digits_run
    run = ["--dataset", "digits"]
    cases = [
        ([path, *run, "--index", 360], "error: --index 360 is outside 0..359 (the test images of 'digits')"),
        ([path, *run, "--index", -1], "index must be 0 or more, got -1"),
        ([path, *run, "--index", "first"], "index must be a whole number, got 'first'"),
        ([path, *run], "the following arguments are required: --index"),
        ([path, *run, "--index", 0, "--class", 10], "error: --class 10 is outside 0..9 (the dataset has 10 classes)"),
        ([path, *run, "--index", 0, "--class", "seven"], "--class 'seven' is neither a class number (0..9) nor a class name"),
        ([path, *run, "--index", 0, "--layer", "FC3"], "error: --layer: FC3: its output is the vector (64,), not a volume"),
        ([path, *run, "--index", 0, "--layer", "conv1"],
         "error: --layer: no layer 'conv1' in this network (layers with a volume output: CONV1, POOL1, CONV2, POOL2)"),
        ([path, *run, "--index", 0, "-o", tmp_path / "why.jpg"], "the picture is written as PNG; give a file name ending in .png"),
        ([path, *run, "--index", 0, "-o", tmp_path / "missing" / "why.png"], "does not exist"),
        ([path, *run, "--index", 0, "-o", tmp_path], "it is a folder"),
        ([tmp_path / "nothing.npz", *run, "--index", 0], "no such weights file"),
        ([preset_path("digits_net"), *run, "--index", 0], "it is an architecture JSON; train it first"),
        ([path, "--dataset", "shapes", "--index", 0], "trained on 8×8×1 images but dataset 'shapes' has 32×32×3 images"),
    ]
    for argv, expected in cases:
        assert expected in one_error(capsys, *argv), argv
    assert sorted(p.name for p in tmp_path.iterdir()) == []        # nothing written


def test_a_dataset_without_test_images(tmp_path, capsys):
    # Two images a class in a CSV: nothing can be held out for test.
    rng = np.random.default_rng(0)
    rows = ["label," + ",".join(f"pixel{j}" for j in range(64))]
    rows += [f"{label}," + ",".join(str(v) for v in rng.integers(0, 256, 64)) for label in (0, 1, 0, 1)]
    data = tmp_path / "tiny.csv"
    data.write_text("\n".join(rows) + "\n", encoding="utf-8")
    spec = NetworkSpec.from_dict({"format": FORMAT, "input": {"shape": [8, 8, 1]}, "layers": [
        {"type": "conv", "filters": 2, "size": 3}, {"type": "dense", "units": 2, "activation": "softmax"}]})
    weights = tmp_path / "tiny.npz"
    Network.from_spec(spec).save(weights)
    assert one_error(capsys, weights, "--dataset", data, "--index", 0) == \
        "error: dataset 'tiny' has no test images to explain"


def test_help_names_the_arguments(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["explain", "--help"])
    assert exit_.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    for word in ("RUN.npz", "--dataset", "--index I", "--class K", "--layer NAME", "-o WHY.png", "--json"):
        assert word in text


# ----- the heat-map pieces ---------------------------------------------------------------------------------

def test_bilinear_resizing_is_pytorchs():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    for (h, w), size in [((2, 2), (8, 8)), ((3, 5), (7, 11)), ((4, 4), (4, 4)), ((5, 3), (2, 9)), ((1, 1), (3, 3))]:
        values = rng.random((h, w))
        reference = torch.nn.functional.interpolate(torch.tensor(values)[None, None], size=size, mode="bilinear",
                                                    align_corners=False)[0, 0].numpy()
        np.testing.assert_allclose(resize_bilinear(values, size), reference, rtol=1e-12, atol=1e-12)


def test_nearest_resizing_and_peak():
    values = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(resize_nearest(values, (4, 6)), np.repeat(np.repeat(values, 2, 0), 2, 1))
    assert peak(values) == (1, 2) and peak(np.array([[1.0, 3.0], [3.0, 0.0]])) == (0, 1)


def test_colours_blend_and_display_images():
    np.testing.assert_allclose(heat_colours(np.array([0.0, 1.0, 2.0])), HEAT_STOPS[[0, -1, -1]])
    np.testing.assert_allclose(scale_map(np.array([[0.0, 2.0], [1.0, 4.0]])), [[0, 0.5], [0.25, 1]])
    np.testing.assert_array_equal(scale_map(np.zeros((2, 2))), np.zeros((2, 2)))
    image = np.arange(4, dtype=np.uint8).reshape(2, 2, 1) * 80
    heat = np.array([[0.0, 1.0], [2.0, 4.0]])
    grey = np.repeat(image / 255, 3, axis=2)
    np.testing.assert_allclose(heat_overlay(image, heat, 0.0), grey)
    np.testing.assert_allclose(heat_overlay(image, heat, 1.0, smooth=False), heat_colours(heat / 4))
    np.testing.assert_allclose(heat_overlay(image, heat, 0.25, smooth=False), 0.75 * grey + 0.25 * heat_colours(heat / 4))
    assert heat_overlay(image, heat, 0.5, scale=3).shape == (6, 6, 3)
    with pytest.raises(ValueError, match="blend must be from 0 to 1, got 1.5"):
        heat_overlay(image, heat, 1.5)
    np.testing.assert_allclose(display_image(np.full((1, 1, 3), 0.25, np.float32)), 0.25)
    np.testing.assert_allclose(display_image(np.array([[[-1.0]], [[3.0]]])).ravel(), [0, 0, 0, 1, 1, 1])
    np.testing.assert_allclose(display_image(np.array([[[0.2, 0.4]]])), [[[0.3, 0.3, 0.3]]])
