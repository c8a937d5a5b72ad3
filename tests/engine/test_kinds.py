"""Layer kinds: a toy kind defined only here works end to end through the registry; validation
never changes the spec it checks; a non-text layer type is a SpecError; and nothing outside
engine/kinds/ (and the designer's visuals) dispatches on a layer's type."""
import ast
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from engine import Network, NetworkSpec, SpecError, load_spec, save_spec, summarize
from engine.kinds import FieldInfo, LayerKind, LayerShape, ShapeError, kind_for, register, type_names, unregister
from engine.kinds.checks import is_number
from engine.layers import Layer
from engine import ConvSpec, DenseSpec, DropoutSpec, InputSpec
from engine.spec import validate_layer
from finite_differences import centred_differences   # tests/engine is on sys.path under pytest

ROOT = Path(__file__).resolve().parents[2]


# ----- the toy kind: y = factor · w ⊙ x, one trainable weight per channel -------------------------

@dataclass
class ScaleSpec:
    factor: float = 1.0
    name: str | None = None
    type: str = field(default="scale", init=False, repr=False)


class Scale(Layer):
    """x (m, ..., n_C) → factor · w · x, w (n_C,) broadcast over the last axis."""

    def __init__(self, name, params, factor):
        super().__init__(name)
        self.params, self.factor = params, factor
        self.key = f"{name}.w"
        self.param_keys = (self.key,)

    def forward(self, x, training=False):
        if training:
            self._x = x
        return self.factor * self.params[self.key] * x

    def backward(self, dout, grads, need_input_grad=True):
        axes = tuple(range(dout.ndim - 1))
        grads[self.key] = self.factor * np.sum(dout * self._x, axis=axes)
        self._x = None
        return self.factor * self.params[self.key] * dout if need_input_grad else None


class ScaleKind(LayerKind):
    type_name = "scale"
    spec_class = ScaleSpec
    label = "Scale"
    title = "Scale layer"
    hint = "Multiplies each channel by factor · w, with w learned."
    editable = (FieldInfo("factor", "Factor", "float", "The fixed factor in front.", low=0.0, high=10.0,
                          step=0.5, decimals=1),)

    def validate(self, layer, where):
        if not is_number(layer.factor) or layer.factor <= 0:
            raise SpecError(f"{where}: field 'factor' must be a positive number, got {layer.factor!r}")

    def normalize(self, layer):
        return ScaleSpec(float(layer.factor), layer.name)

    def output(self, layer, in_shape, is_last):
        n_C = in_shape[-1]
        if n_C > 1000:
            raise ShapeError(f"{n_C} channels is too many for a scale layer")
        return LayerShape(tuple(in_shape), n_C, int(np.prod(in_shape)), f"{layer.factor:g}·w·x; {n_C} weights",
                          {"w": (n_C,)})

    def init_params(self, layer, param_shapes, rng, dtype):
        return {"w": np.ones(param_shapes["w"], dtype=dtype)}

    def build(self, layer, context):
        return Scale(context.name, context.params, layer.factor)


@pytest.fixture
def scale_kind():
    kind = register(ScaleKind())
    yield kind
    unregister("scale")


def _doc(*layers, shape=(6, 6, 2)):
    return {"format": "cnn-designer/1", "input": {"shape": list(shape)}, "layers": list(layers)}


TOY_DOC = _doc({"type": "conv", "filters": 3, "size": 3, "stride": 1, "padding": "valid", "activation": "relu"},
               {"type": "scale", "factor": 1.5},
               {"type": "dense", "units": 3, "activation": "softmax"})


def test_toy_kind_json_round_trip(scale_kind, tmp_path):
    spec = NetworkSpec.from_dict(TOY_DOC)
    assert spec.layers[1] == ScaleSpec(1.5)
    assert spec.to_dict() == TOY_DOC
    path = tmp_path / "toy.json"
    save_spec(spec, path)
    assert load_spec(path).to_dict() == TOY_DOC
    assert json.loads(path.read_text())["layers"][1] == {"type": "scale", "factor": 1.5}
    with pytest.raises(SpecError, match=r"layer 2: field 'factor' must be a positive number, got -1"):
        NetworkSpec.from_dict(_doc({"type": "conv", "filters": 3, "size": 3}, {"type": "scale", "factor": -1}))
    with pytest.raises(SpecError, match=r"unknown field 'gain' for a scale layer \(known: factor, name\)"):
        NetworkSpec.from_dict(_doc({"type": "scale", "gain": 2}))


def test_toy_kind_row_in_the_table(scale_kind):
    summary = summarize(NetworkSpec.from_dict(TOY_DOC))
    row = summary.rows[2]
    assert (row.name, row.kind, row.output_shape, row.params) == ("SCALE1", "scale", (4, 4, 3), 3)
    assert row.formula == "1.5·w·x; 3 weights"
    assert summary.total_params == (3 * 3 * 2 + 1) * 3 + 3 + (48 * 3 + 3)
    broken = summarize(NetworkSpec.from_dict(_doc({"type": "scale"}, shape=(2, 2, 2000))))
    assert broken.rows[1].error == "2000 channels is too many for a scale layer"


def test_toy_kind_forward_backward_matches_finite_differences(scale_kind):
    spec = NetworkSpec.from_dict(TOY_DOC)
    net = Network.from_spec(spec, seed=0, dtype=np.float64)
    assert net.params["SCALE1.w"].tolist() == [1.0, 1.0, 1.0]
    rng = np.random.default_rng(0)
    for value in net.params.values():
        value += 0.1 * rng.standard_normal(value.shape)
    x = rng.standard_normal((3, 6, 6, 2))
    y = np.array([0, 2, 1])
    _, grads = net.loss_and_grads(x, y)
    assert set(grads) == set(net.params)
    eps = 1e-6
    for key, w in net.params.items():
        indices = rng.choice(w.size, size=min(6, w.size), replace=False)
        for idx, numeric in centred_differences(net, x, y, key, indices, eps):
            analytic = grads[key][idx]
            assert abs(analytic - numeric) / max(1e-8, abs(analytic) + abs(numeric)) < 1e-5, key


def test_toy_kind_is_gone_after_unregister(scale_kind):
    assert "scale" in type_names()
    unregister("scale")
    with pytest.raises(SpecError, match="unknown layer type 'scale'"):
        NetworkSpec.from_dict(TOY_DOC)
    register(scale_kind)    # the fixture unregisters it again


def test_registering_a_type_twice_or_as_input_is_refused():
    with pytest.raises(ValueError, match="already registered"):
        register(kind_for("conv"))

    class InputKind(ScaleKind):
        type_name = "input"
    with pytest.raises(ValueError, match="input"):
        register(InputKind())


def test_one_output_size_formula_for_the_table_and_the_playground():
    from engine.shapes import output_size_formula
    assert output_size_formula(6, 3, 0, 1) == "⌊(6 + 2·0 − 3)/1⌋ + 1 = 4"
    assert output_size_formula(7, 3, 1, 2) == "⌊(7 + 2·1 − 3)/2⌋ + 1 = 4"
    assert output_size_formula(6, 4, None, 1) == "⌊(6 + 2p − 4)/1⌋ + 1: p undefined"
    row = summarize(NetworkSpec.from_dict(_doc({"type": "conv", "filters": 2, "size": 3, "stride": 2,
                                                "padding": 1}, shape=(7, 5, 1)))).rows[1]
    assert row.formula.startswith(f"{output_size_formula(7, 3, 1, 2)}, {output_size_formula(5, 3, 1, 2)}; ")


# ----- validation leaves the spec alone; parsing normalises ------------------------------------

def test_validate_layer_does_not_change_the_layer():
    layer = DropoutSpec(rate=0)
    validate_layer(layer, "layer 1")
    assert type(layer.rate) is int and layer.rate == 0


def test_parsing_normalises_the_rate_to_a_float():
    spec = NetworkSpec.from_dict(_doc({"type": "dropout", "rate": 0}))
    assert type(spec.layers[0].rate) is float
    assert spec.to_json() == json.dumps(_doc({"type": "dropout", "rate": 0.0}), indent=2)


@pytest.mark.parametrize("bad_type", [[], {}, 3, 2.5, True])
def test_a_layer_type_that_is_not_text_is_a_spec_error(bad_type):
    with pytest.raises(SpecError) as info:
        NetworkSpec.from_dict(_doc({"type": "conv", "filters": 2, "size": 3}, {"type": bad_type, "name": "X"}))
    message = str(info.value)
    assert "layer 2 (X)" in message and "field 'type' must be text" in message and repr(bad_type) in message


# ----- nothing else dispatches on the layer type -----------------------------------------------

BUILTIN_TYPES = {"conv", "pool", "dense", "flatten", "dropout", "batchnorm", "depthwise", "globalpool", "residual", "concat"}
# The kinds themselves, and the designer's visuals registry (colour and letter per kind).
ALLOWED = {"engine/kinds", "designer/design/kind_visuals.py"}
# Being rewritten on another branch: the "use dataset's classes" check there must call
# engine.kinds.class_count_field(spec) instead of `last.type == "dense"`. Remove this entry then.
KNOWN_ELSEWHERE: set = set()


def _type_dispatch(path: Path) -> list[str]:
    """Lines that compare a `.type` with text, or name a built-in layer type as a string."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if any(isinstance(side, ast.Attribute) and side.attr == "type" for side in sides) and any(
                    isinstance(side, ast.Constant) and isinstance(side.value, str)
                    or isinstance(side, (ast.Tuple, ast.List, ast.Set)) for side in sides):
                found.append(f"{node.lineno}: compares .type")
        elif isinstance(node, ast.Constant) and node.value in BUILTIN_TYPES:
            found.append(f"{node.lineno}: {node.value!r}")
    return found


def test_no_module_outside_the_kinds_dispatches_on_the_layer_type():
    offenders, scanned = [], 0
    for package in ("engine", "designer"):
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if any(relative == allowed or relative.startswith(allowed + "/") for allowed in ALLOWED):
                continue
            scanned += 1
            if relative in KNOWN_ELSEWHERE:
                continue
            offenders += [f"{relative}:{hit}" for hit in _type_dispatch(path)]
    assert offenders == []
    assert scanned > 30   # the scan really looked at both packages


def test_the_dispatch_scan_finds_what_it_looks_for(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text('if layer.type == "conv":\n    pass\nx = layer.type in ("a", "b")\nkind = "dropout"\n')
    assert sorted(_type_dispatch(sample)) == ["1: 'conv'", "1: compares .type", "3: compares .type", "4: 'dropout'"]


def test_builtin_specs_keep_their_public_homes():
    import engine
    import engine.kinds
    for name in ("ConvSpec", "PoolSpec", "DenseSpec", "FlattenSpec", "DropoutSpec"):
        assert getattr(engine, name) is getattr(engine.kinds, name) is kind_for(name[:-4].lower()).spec_class
    assert NetworkSpec(InputSpec((8, 8, 1)), [ConvSpec(2, 3), DenseSpec(2, "softmax")]).layer_names() == [
        "CONV1", "Softmax"]
