"""`explain RUN.npz --dataset D --index I [--class K] [--layer NAME] [-o why.png] [--json]`: why saved weights
predict what they predict for one test image — the prediction, the saliency map and the Grad-CAM map
(engine.explanation), as text, one JSON document, and/or a PNG of the three side by side."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from ..explanation import check_grad_cam_layer, explain
from ..export.explanation_png import explanation_picture, write_png
from ..fileio import check_writable
from ..heatmaps import peak, resize_bilinear
from ..memory import check_memory
from ..train import check_dataset_fits
from .common import (DATASET_HELP, DATASET_METAVAR, UserError, _convert, add_dataset_options, load_dataset_arg,
                     load_network, seed_option)

BLEND = 0.5    # the PNG's mix of heat map and image (the window has a slider)


def whole_number(text: str) -> int:
    value = _convert(text, int, "index", "a whole number")
    if value < 0:
        raise argparse.ArgumentTypeError(f"index must be 0 or more, got {value}")
    return value


def class_arg(text: str, class_names: list) -> int:
    """--class as an index 0..k − 1, or a class name of the dataset."""
    k = len(class_names)
    try:
        value = int(text)
    except ValueError:
        if text in class_names:
            return class_names.index(text)
        raise UserError(f"--class {text!r} is neither a class number (0..{k - 1}) nor a class name of the "
                        f"dataset ({', '.join(class_names)})") from None
    if not 0 <= value < k:
        raise UserError(f"--class {value} is outside 0..{k - 1} (the dataset has {k} classes)")
    return value


def _name(class_names, k: int) -> str:
    return str(class_names[k]) if 0 <= k < len(class_names) else str(k)


def _map_report(values, image_shape) -> dict:
    """Shape, peak (row, column) in the map and in the image (the map resized to the image), largest value."""
    row, col = peak(values)
    report = {"shape": list(values.shape), "peak": [row, col],
              "peak_in_image": list(peak(resize_bilinear(values, image_shape))), "max": float(np.max(values))}
    return report


def run(args) -> int:
    if args.output is not None:
        check_writable(args.output, example="why.png")
        if Path(args.output).suffix.lower() != ".png":
            raise UserError(f"-o {args.output}: the picture is written as PNG; give a file name ending in .png")
    net = load_network(args.weights)     # saved weights or an ONNX model
    # A probe pass keeps what a backward pass needs, as a training step of one image does.
    check_memory(net.summary, purpose="train", batch_size=1, optimizer="sgd", dtype=net.dtype, what=args.weights)
    dataset = load_dataset_arg(args.dataset, args.seed, args)
    check_dataset_fits(net, dataset, saved_weights=True)
    count = len(dataset.y_test)
    if count == 0:
        raise UserError(f"dataset '{dataset.name}' has no test images to explain")
    if args.index >= count:
        raise UserError(f"--index {args.index} is outside 0..{count - 1} (the test images of '{dataset.name}')")
    class_index = None if args.class_ is None else class_arg(args.class_, list(dataset.class_names))
    if args.layer is not None:
        try:
            check_grad_cam_layer(net, args.layer)
        except ValueError as exc:
            raise UserError(f"--layer: {exc}") from None

    image = dataset.x_test[args.index]
    result = explain(net, image[None], class_index, args.layer)
    names = dataset.class_names
    label, predicted, explained = int(dataset.y_test[args.index]), int(result.predicted[0]), int(result.classes[0])
    probabilities = result.probabilities[0]
    image_shape = image.shape[:2]
    saliency_report = _map_report(result.saliency[0], image_shape)
    cam_report = None
    if result.grad_cam is not None:
        cam_report = {"layer": result.layer, **_map_report(result.grad_cam[0], image_shape)}

    if args.output is not None:
        title = [f"{dataset.name} test image {args.index}: label {_name(names, label)}, predicted "
                 f"{_name(names, predicted)} ({100 * probabilities[predicted]:.1f}%)",
                 f"explaining class {_name(names, explained)}"
                 + (" (the predicted class)" if class_index is None else f" ({100 * probabilities[explained]:.1f}%)")]
        picture = explanation_picture(image, result.saliency[0], None if result.grad_cam is None else result.grad_cam[0],
                                      title, cam_label=f"Grad-CAM of {result.layer}", blend=BLEND)
        write_png(args.output, picture)

    if args.json:
        print(json.dumps({
            "weights": str(args.weights), "dataset": dataset.name, "index": args.index,
            "label": label, "label_name": _name(names, label),
            "predicted": predicted, "predicted_name": _name(names, predicted),
            "probabilities": [float(p) for p in probabilities],
            "class": explained, "class_name": _name(names, explained), "class_given": class_index is not None,
            "saliency": saliency_report, "grad_cam": cam_report, "output": args.output}))
        return 0
    order = np.argsort(-probabilities, kind="stable")
    others = ", ".join(f"{_name(names, int(k))} {100 * probabilities[k]:.1f}%" for k in order[1:3])
    print(f"{dataset.name} test image {args.index}: label {_name(names, label)}, predicted {_name(names, predicted)} "
          f"({100 * probabilities[predicted]:.1f}%" + (f"; next: {others})" if others else ")"))
    print(f"explaining class {_name(names, explained)}"
          + (" (the predicted class)" if class_index is None else f" ({100 * probabilities[explained]:.1f}%)"))
    print(_map_line("saliency", saliency_report))
    if cam_report is None:
        print("Grad-CAM: the design has no layer with a volume output")
    else:
        print(_map_line(f"Grad-CAM of {result.layer}", cam_report))
    if args.output is not None:
        print(f"wrote {args.output}")
    sys.stdout.flush()
    return 0


def _map_line(what: str, report: dict) -> str:
    h, w = report["shape"]
    (row, col), (image_row, image_col) = report["peak"], report["peak_in_image"]
    where = f"peak at row {row}, column {col}"
    if [row, col] != [image_row, image_col]:
        where += f" (row {image_row}, column {image_col} in the image)"
    return f"{what}: {h}×{w}, {where}"


def add_parser(sub) -> None:
    p = sub.add_parser("explain", help="why saved weights predict what they do for a test image: saliency and "
                                       "Grad-CAM")
    p.add_argument("weights", metavar="RUN.npz|MODEL.onnx",
                   help="weights saved by the window or by train --save, or an ONNX model with its weights")
    p.add_argument("--dataset", required=True, metavar=DATASET_METAVAR, help=DATASET_HELP)
    p.add_argument("--index", required=True, type=whole_number, metavar="I",
                   help="which test image (0 is the first)")
    p.add_argument("--class", dest="class_", metavar="K",
                   help="the class to explain, a number or a class name (default: the predicted class)")
    p.add_argument("--layer", metavar="NAME",
                   help="the layer for Grad-CAM (default: the last layer with a volume output)")
    p.add_argument("-o", "--output", metavar="WHY.png", help="also draw the image, saliency and Grad-CAM in a PNG")
    p.add_argument("--json", action="store_true", help="print one JSON document")
    add_dataset_options(p)
    seed_option(p)
    p.set_defaults(run=run)
