"""`evaluate RUN.npz --dataset D`: the test accuracy of saved weights."""
from __future__ import annotations

import json

from ..memory import check_memory
from ..train import check_dataset_fits
from .common import (DATASET_HELP, DATASET_METAVAR, add_dataset_options, finite_or_none, load_dataset_arg,
                     load_network, seed_option, test_result_line)

EVALUATE_BATCH = 256   # examples per forward pass


def run(args) -> int:
    net = load_network(args.weights)     # saved weights or an ONNX model; refuses what can't fit
    check_memory(net.summary, purpose="infer", batch_size=EVALUATE_BATCH, dtype=net.dtype, what=args.weights)
    dataset = load_dataset_arg(args.dataset, args.seed, args)
    check_dataset_fits(net, dataset, saved_weights=True)
    loss, acc = net.evaluate(dataset.x_test, dataset.y_test, batch_size=EVALUATE_BATCH)
    if args.json:
        print(json.dumps({"dataset": dataset.name, "test_accuracy": finite_or_none(acc),
                          "test_loss": finite_or_none(loss), "test_examples": len(dataset.y_test)}))
    else:
        print(f"{test_result_line(acc, loss, len(dataset.y_test))} on {dataset.describe()}")
    return 0



def add_parser(sub) -> None:
    p = sub.add_parser("evaluate", help="report the test accuracy of saved weights")
    p.add_argument("weights", metavar="RUN.npz|MODEL.onnx",
                   help="weights saved by the window or by train --save, or an ONNX model with its weights")
    p.add_argument("--dataset", required=True, metavar=DATASET_METAVAR, help=DATASET_HELP)
    add_dataset_options(p)
    seed_option(p)
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.set_defaults(run=run)
