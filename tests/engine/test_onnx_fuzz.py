"""Damaged ONNX files: exported models (with and without their stored design) with bytes overwritten anywhere,
mostly in the graph's structure near the start: reading one gives a design or one SpecError line, never
another exception. CNN_FUZZ_EXAMPLES=2000 explores further when hunting a bug; the suite runs the default."""
import os

import numpy as np
import pytest

pytest.importorskip("onnx", reason='ONNX import needs the onnx package (pip install "cnn-designer[onnx]")')

from engine import Network, SpecError, load_spec  # noqa: E402
from engine.export.onnx_graph import onnx_model  # noqa: E402
from engine.onnx_import import import_onnx  # noqa: E402
from engine.resources import preset_path  # noqa: E402

EXAMPLES = int(os.environ.get("CNN_FUZZ_EXAMPLES", "150"))
LEAKS = ("Traceback", "protobuf", "google.", "numpy.", "Errno")


def exported_files():
    files = []
    for name in ("lenet5", "resnet_small", "mobilenet_small"):
        spec = load_spec(preset_path(name))
        net = Network.from_spec(spec)
        model = onnx_model(spec, net.params, net.state)
        files.append(model.SerializeToString())
        del model.metadata_props[:]
        files.append(model.SerializeToString())
    return files


def test_damaged_files_give_a_design_or_one_line(tmp_path):
    files = exported_files()
    rng = np.random.default_rng(2026)
    path = tmp_path / "damaged.onnx"
    outcomes = {"design": 0, "refused": 0}
    for _ in range(EXAMPLES):
        data = bytearray(files[rng.integers(len(files))])
        for _ in range(rng.integers(1, 6)):
            where = rng.integers(len(data)) if rng.random() < 0.3 else rng.integers(min(len(data), 4000))
            data[where] = rng.integers(256)
        path.write_bytes(bytes(data))
        try:
            import_onnx(path)
            outcomes["design"] += 1
        except SpecError as exc:
            message = str(exc)
            assert message.startswith("damaged.onnx") and "\n" not in message, message
            assert not any(leak in message for leak in LEAKS), message
            outcomes["refused"] += 1
    assert outcomes["design"] and outcomes["refused"]      # both outcomes were reached
