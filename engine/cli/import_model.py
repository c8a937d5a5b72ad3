"""`import MODEL.onnx -o DESIGN.json [--weights WEIGHTS.npz]`: an ONNX model as a design (and its weights).

The mapping lives in engine.onnx_import; this command checks the output paths first, writes the files
atomically and says what came across.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..fileio import check_not_an_input, check_writable
from ..network import Network
from ..onnx_import import import_onnx
from ..shapes import summarize
from ..spec import save_spec
from .common import UserError, input_files


def run(args) -> int:
    check_writable(args.output, example="design.json")
    check_not_an_input(args.output, input_files(model=args.model))     # the model is never written over
    if args.weights:
        check_writable(args.weights, example="weights.npz")
        check_not_an_input(args.weights, input_files(model=args.model))
        if Path(args.weights).resolve() == Path(args.output).resolve():
            raise UserError("the design (-o) and the weights (--weights) need two different files")
    imported = import_onnx(args.model, weights=bool(args.weights))
    spec = imported.spec
    summary = summarize(spec)
    save_spec(spec, args.output)
    how = "the design CNN Designer stored in it" if imported.from_metadata else "its graph"
    print(f"wrote {args.output}: {spec.name or Path(args.model).stem}, {len(summary.rows) - 1} layers, "
          f"{summary.total_params:,} parameters (from {how})")
    if args.weights:
        Network(spec, imported.params, np.float32, state=imported.state).save(args.weights)
        print(f"wrote {args.weights}: the weights, with the design inside (main.py evaluate {args.weights} ...)")
    return 0


def add_parser(sub) -> None:
    p = sub.add_parser("import", help="turn an ONNX model (PyTorch, Keras, a model zoo) into a design and weights")
    p.add_argument("model", metavar="MODEL.onnx", help="the ONNX file")
    p.add_argument("-o", "--output", required=True, metavar="DESIGN.json", help="where to write the design")
    p.add_argument("--weights", metavar="WEIGHTS.npz", help="also write the model's weights here (CNN Designer's .npz)")
    p.set_defaults(run=run)
