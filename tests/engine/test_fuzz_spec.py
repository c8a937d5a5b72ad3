"""Fuzzing design files: whatever a file holds, reading it gives a design or one SpecError line.

Generated and mutated documents (wrong types everywhere, huge / negative / NaN / infinite numbers, missing
and extra keys, deep nesting, control characters and odd unicode in names) are written to a file and read
with load_spec, then summarized and estimated; the same file goes through `main.py summary`. Hypothesis is
derandomized (the same examples every run) and keeps no database. The defects it found have plain
regression tests at the end.
"""
import contextlib
import io
import json
import math
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import SpecError, load_spec, summarize
from engine.cli import main as cli_main
from engine.memory import estimate_memory
from engine.kinds import type_names
from engine.spec import FORMAT

FUZZ = settings(derandomize=True, database=None, deadline=None, max_examples=150,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

# ----- strategies ---------------------------------------------------------------------------------------

# Any character at all, lone surrogates and control characters included.
odd_text = st.text(st.characters(exclude_categories=()), max_size=12)
names = st.one_of(odd_text, st.sampled_from(["CONV1", "FC3", "a\nb", "\x00", "\ud800", "\u2028", "名前", "", " "]))
numbers = st.one_of(
    st.integers(-3, 12), st.integers(-10 ** 30, 10 ** 30), st.sampled_from([0, 1, 4096, 4097, 10 ** 6 + 1]),
    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([0.5, 1.0, -0.0, 1e308, 1e-320]))
scalars = st.one_of(st.none(), st.booleans(), numbers, names,
                    st.sampled_from(list(type_names()) + ["valid", "same", "relu", "softmax", "max", "avg"]))
json_values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                            st.dictionaries(names, inner, max_size=4)),
                           max_leaves=12)

FIELD_VALUES = {
    "type": st.one_of(st.sampled_from(list(type_names())), json_values),
    "filters": numbers, "size": numbers, "stride": numbers, "units": numbers, "rate": numbers,
    "padding": st.one_of(st.sampled_from(["valid", "same", "SAME", 0, 1, 2, -1]), json_values),
    "activation": st.one_of(st.sampled_from(["relu", "tanh", "sigmoid", "linear", "softmax", "leaky_relu"]),
                            json_values),
    "mode": st.one_of(st.sampled_from(["max", "avg"]), json_values),
    "name": st.one_of(names, json_values),
}


@st.composite
def layers(draw):
    """A layer object with a random choice of real fields (sensible or not) and sometimes a stray one."""
    keys = draw(st.lists(st.sampled_from(sorted(FIELD_VALUES)), unique=True, max_size=6))
    layer = {"type": draw(FIELD_VALUES["type"])}
    for key in keys:
        layer[key] = draw(FIELD_VALUES[key])
    if draw(st.booleans()) and draw(st.booleans()):
        layer[draw(names)] = draw(json_values)
    return layer


@st.composite
def documents(draw):
    """A design document, each part either plausible or replaced by any JSON value."""
    sides = st.one_of(st.lists(numbers, max_size=4), json_values)
    doc = {
        "format": draw(st.one_of(st.just(FORMAT), json_values)),
        "name": draw(st.one_of(names, json_values)),
        "input": draw(st.one_of(st.fixed_dictionaries({"shape": sides}),
                                st.fixed_dictionaries({"shape": st.lists(st.integers(1, 40), min_size=3, max_size=3)}),
                                json_values)),
        "layers": draw(st.one_of(st.lists(layers(), max_size=6), json_values)),
    }
    for key in draw(st.lists(st.sampled_from(sorted(doc)), unique=True, max_size=2)):
        del doc[key]  # missing keys
    if draw(st.integers(0, 5)) == 0:
        doc[draw(names)] = draw(json_values)  # an extra key
    return doc if draw(st.integers(0, 9)) else draw(json_values)  # sometimes not an object at all


def _nested(depth: int, bracket: str) -> str:
    close = {"[": "]", "{": "}"}[bracket]
    if bracket == "{":
        return '{"a": ' * depth + "1" + close * depth
    return bracket * depth + close * depth


@st.composite
def raw_texts(draw):
    """File contents a JSON encoder would never write: NaN / Infinity literals, deep nesting, cut-off or
    garbled text, numbers thousands of digits long."""
    doc = draw(documents())
    text = json.dumps(doc, ensure_ascii=draw(st.booleans()), allow_nan=True)
    mutation = draw(st.sampled_from(["as-is", "nest", "cut", "splice", "long-number"]))
    if mutation == "nest":
        deep = _nested(draw(st.sampled_from([10, 900, 1100, 5000, 100_000])), draw(st.sampled_from("[{")))
        text = json.dumps({"format": FORMAT, "input": {"shape": [8, 8, 1]}, "layers": "HOLE"}).replace('"HOLE"', deep)
    elif mutation == "cut":
        text = text[:draw(st.integers(0, len(text)))]
    elif mutation == "splice":
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.text(string.printable + "\x00\ufeff\u2028", max_size=5)) + text[at:]
    elif mutation == "long-number":
        text = json.dumps({"format": FORMAT, "input": {"shape": [8, 8, 1]},
                           "layers": [{"type": "dense", "units": "HOLE"}]}).replace('"HOLE"', "9" * 5000)
    return text


# ----- the properties -------------------------------------------------------------------------------------

def _load_and_summarize(path):
    """load_spec, summarize and estimate; the only exception allowed out is a one-line SpecError."""
    try:
        spec = load_spec(path)
    except SpecError as exc:
        message = str(exc)
        assert message and "\n" not in message and "\r" not in message, repr(message)
        message.encode("utf-8")  # printable on any UTF-8 terminal: no lone surrogates
        return
    summary = summarize(spec)
    if summary.error is not None:
        assert "\n" not in summary.error, repr(summary.error)
    estimate = estimate_memory(summary, "train", 64, "adam")
    assert estimate.total >= 0 and "\n" not in estimate.advice


def _run_cli_summary(path):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = cli_main(["summary", str(path)])
    assert status in (0, 2), (status, err.getvalue())
    assert "Traceback" not in err.getvalue()
    (out.getvalue() + err.getvalue()).encode("utf-8")   # what a UTF-8 terminal can show
    if status == 2:
        errors = [line for line in err.getvalue().splitlines() if line.startswith("error:")]
        assert len(errors) == 1 and len(err.getvalue().strip().splitlines()) == 1, err.getvalue()


@pytest.fixture(scope="module")
def design_file(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz") / "design.json"


@FUZZ
@given(doc=documents(), ascii_only=st.booleans())
def test_generated_documents_load_or_give_one_line(design_file, doc, ascii_only):
    design_file.write_text(json.dumps(doc, ensure_ascii=ascii_only, allow_nan=True), encoding="utf-8",
                           errors="surrogatepass")
    _load_and_summarize(design_file)
    _run_cli_summary(design_file)


@FUZZ
@given(text=raw_texts())
def test_mangled_files_load_or_give_one_line(design_file, text):
    design_file.write_text(text, encoding="utf-8", errors="surrogatepass")
    _load_and_summarize(design_file)
    _run_cli_summary(design_file)


@st.composite
def near_valid_designs(draw):
    """Designs that parse: the interesting part is the shape arithmetic at the limits, which must stay
    instant and exact (Python ints) however big the numbers get."""
    side = st.integers(1, 4096)
    layer = st.one_of(
        st.fixed_dictionaries({"type": st.just("conv"), "filters": st.integers(1, 4096), "size": st.integers(1, 255),
                               "stride": st.integers(1, 255), "padding": st.one_of(st.sampled_from(["valid", "same"]),
                                                                                  st.integers(0, 255))}),
        st.fixed_dictionaries({"type": st.just("pool"), "size": st.integers(1, 255), "stride": st.integers(1, 255)}),
        st.fixed_dictionaries({"type": st.just("dense"), "units": st.integers(1, 10 ** 6)}),
        st.fixed_dictionaries({"type": st.just("dropout"), "rate": st.floats(0, 0.99)}),
        st.just({"type": "flatten"}))
    return {"format": FORMAT, "input": {"shape": [draw(side), draw(side), draw(st.integers(1, 4096))]},
            "layers": draw(st.lists(layer, max_size=8)) + [{"type": "dense", "units": 10, "activation": "softmax"}]}


@FUZZ
@given(doc=near_valid_designs())
def test_valid_designs_at_the_limits_summarize_and_estimate(design_file, doc):
    design_file.write_text(json.dumps(doc), encoding="utf-8")
    spec = load_spec(design_file)
    summary = summarize(spec)
    for purpose in ("train", "infer", "weights"):
        estimate = estimate_memory(summary, purpose, 10 ** 6, "adam")
        assert estimate.total >= estimate.weights >= 0
    if summary.ok:
        assert summary.total_params == sum(row.params for row in summary.rows)
        assert math.prod(spec.input.shape) == summary.rows[0].activation_size


# ----- regression tests for what the fuzzing found ----------------------------------------------------------

def _write(tmp_path, text):
    path = tmp_path / "net.json"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    return path


def _design(layers, **top):
    return {"format": FORMAT, "input": {"shape": [8, 8, 1]}, "layers": layers, **top}


@pytest.mark.parametrize("kind", [[], {}, 3, True, ["conv"]])
def test_a_layer_type_that_is_not_text_names_the_layer_and_the_field(tmp_path, kind):
    with pytest.raises(SpecError, match=r"layer 1: field 'type' must be text, one of conv, pool"):
        load_spec(_write(tmp_path, json.dumps(_design([{"type": kind}]))))


@pytest.mark.parametrize("bracket", ["[", "{"])
def test_deeply_nested_json_is_nested_too_deeply(tmp_path, bracket):
    text = json.dumps(_design("HOLE")).replace('"HOLE"', _nested(100_000, bracket))
    with pytest.raises(SpecError, match="nested too deeply"):
        load_spec(_write(tmp_path, text))


@pytest.mark.parametrize("word", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_literals_are_not_json_numbers(tmp_path, word):
    text = json.dumps(_design([{"type": "dropout", "rate": "HOLE"}])).replace('"HOLE"', word)
    with pytest.raises(SpecError, match=f"not valid JSON: {word} is not a number JSON allows"):
        load_spec(_write(tmp_path, text))


def test_a_number_thousands_of_digits_long_is_refused_in_words(tmp_path):
    text = json.dumps(_design([{"type": "dense", "units": "HOLE"}])).replace('"HOLE"', "9" * 5000)
    with pytest.raises(SpecError, match="a number thousands of digits long"):
        load_spec(_write(tmp_path, text))


@pytest.mark.parametrize("name", ["a\nb", "tab\there", "\x00", "\ud800", "line\u2028break"])
def test_names_with_control_characters_or_lone_surrogates_are_refused(tmp_path, name):
    softmax = {"type": "dense", "units": 3, "activation": "softmax"}
    for doc, where in ((_design([{"type": "dense", "units": 4, "name": name}, softmax]), "layer 1"),
                       (_design([softmax], name=name), "design")):
        with pytest.raises(SpecError) as info:
            load_spec(_write(tmp_path, json.dumps(doc)))
        message = str(info.value)
        assert f"{where}: field 'name' must be one line of text" in message
        assert "\n" not in message and repr(name) in message
        message.encode("utf-8")


def test_an_error_in_a_layer_with_a_strange_name_stays_on_one_line(tmp_path):
    # The label of a layer in messages is made before its name is checked.
    doc = _design([{"type": "dense", "units": -1, "name": "x\ny"}])
    with pytest.raises(SpecError) as info:
        load_spec(_write(tmp_path, json.dumps(doc)))
    assert "layer 1 ('x\\ny')" in str(info.value) and "\n" not in str(info.value)


def test_cli_summary_of_a_file_with_a_surrogate_name_is_one_error_line(tmp_path, capsys):
    doc = _design([{"type": "dense", "units": 3, "activation": "softmax", "name": "\ud800"}])
    assert cli_main(["summary", str(_write(tmp_path, json.dumps(doc)))]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and err.count("\n") == 1
