"""Paths into nested layer lists (engine.spec_paths), the shape going into a slot (shapes.shape_at), the
blocks' list edits (a concat's branches added and removed) and the depthwise filter tiles."""
import numpy as np
import pytest

from engine import summarize
from engine.inspection import depthwise_filter_tiles
from engine.kinds import ConcatSpec, ConvSpec, DenseSpec, PoolSpec, ResidualSpec, filter_layout, kind_of
from engine.kinds.concat import MAX_BRANCHES
from engine.shapes import shape_at
from engine.spec import InputSpec, NetworkSpec
from engine.spec_paths import (insert_at, is_layer_path, is_list_path, is_within, layers_before, list_at,
                               path_after_insert, path_after_removal, remove_at, replace_at)


def nested() -> NetworkSpec:
    """conv → residual(main: conv, conv; shortcut: empty) → concat(branch 1: conv; branch 2: pool, conv)."""
    return NetworkSpec(InputSpec((8, 8, 3)), [
        ConvSpec(filters=4, size=3, padding="same", name="A"),
        ResidualSpec(layers=[ConvSpec(filters=4, size=3, padding="same", name="B"),
                             ConvSpec(filters=4, size=3, padding="same", activation="linear", name="C")],
                     shortcut=[], name="R"),
        ConcatSpec(branches=[[ConvSpec(filters=2, size=1, name="D")],
                             [PoolSpec(size=3, stride=1, padding="same", name="E"), ConvSpec(filters=3, size=1, name="F")]],
                   name="K"),
    ])


def test_list_and_layer_paths():
    spec = nested()
    assert is_list_path(()) and is_list_path((1, 0)) and is_layer_path((1,)) and is_layer_path((1, 0, 1))
    assert list_at(spec, ()) is spec.layers
    assert [layer.name for layer in list_at(spec, (1, 0))] == ["B", "C"]
    assert list_at(spec, (1, 1)) == []
    assert [layer.name for layer in list_at(spec, (2, 1))] == ["E", "F"]
    assert [layer.name for layer in layers_before(spec, (2, 1, 1))] == ["E"]
    with pytest.raises(ValueError):
        list_at(spec, (1,))
    with pytest.raises(IndexError):
        list_at(spec, (1, 2))


def test_edits_in_place_at_any_depth():
    spec = nested()
    insert_at(spec, (1, 1, 0), ConvSpec(filters=4, size=1, name="S"))
    assert [layer.name for layer in spec.layers[1].shortcut] == ["S"]
    assert remove_at(spec, (2, 1, 0)).name == "E"
    assert [layer.name for layer in spec.layers[2].branches[1]] == ["F"]
    assert replace_at(spec, (0,), DenseSpec(units=3, name="G")).name == "A" and spec.layers[0].name == "G"
    with pytest.raises(IndexError):
        insert_at(spec, (1, 0, 5), ConvSpec(filters=1, size=1))


def test_paths_follow_removals_and_inserts():
    assert path_after_removal((3, 0, 1), (1,)) == (2, 0, 1)          # a block further down moves up
    assert path_after_removal((2, 1, 3), (2, 1, 0)) == (2, 1, 2)     # same list, later place
    assert path_after_removal((2, 0, 3), (2, 1, 0)) == (2, 0, 3)     # another list of the block
    assert path_after_removal((0,), (2,)) == (0,)
    with pytest.raises(ValueError):
        path_after_removal((2, 1, 0), (2,))                          # inside what is removed
    assert path_after_removal((2, 1, 0), (2, 1, 0), slot=True) == (2, 1, 0)   # the slot before it stays
    assert path_after_removal((2, 1, 2), (2, 1, 0), slot=True) == (2, 1, 1)
    with pytest.raises(ValueError):
        path_after_removal((2, 1, 0), (2,), slot=True)               # a slot inside what is moved
    assert path_after_insert((2, 1, 0), (1,)) == (3, 1, 0)
    assert path_after_insert((2, 1, 0), (2, 1, 0)) == (2, 1, 1)
    assert path_after_insert((2, 0, 0), (2, 1, 0)) == (2, 0, 0)
    assert is_within((2, 1, 0), (2,)) and is_within((2,), (2,)) and not is_within((3, 0, 0), (2,))


def test_shape_at_a_slot_is_what_a_layer_put_there_would_get():
    summary = summarize(nested())
    assert shape_at(summary, (0,)) == (8, 8, 3)                 # first: the input
    assert shape_at(summary, (1,)) == (8, 8, 4)                 # after A
    assert shape_at(summary, (1, 1, 0)) == (8, 8, 4)            # first in the shortcut: the block's input
    assert shape_at(summary, (2, 1, 1)) == (8, 8, 4)            # after the pool in branch 2
    assert shape_at(summary, (2, 1, 2)) == (8, 8, 3)            # at the end of branch 2
    assert summary.ok and shape_at(summary, (3,)) == (8, 8, 5)  # after the concat: 2 + 3 channels
    broken = nested()
    broken.layers[0] = ConvSpec(filters=4, size=9, name="A")    # larger than the 8×8 input
    summary = summarize(broken)
    assert shape_at(summary, (1, 1, 0)) is None and shape_at(summary, (0,)) == (8, 8, 3)


def test_a_concat_gains_and_loses_branches_a_residual_keeps_its_two_lists():
    block = nested().layers[2]
    kind = kind_of(block)
    wider = kind.with_list_added(block, 1)
    assert [len(branch) for branch in wider.branches] == [1, 0, 2] and wider.name == "K"
    assert len(block.branches) == 2                       # the original is left as it was
    narrower = kind.with_list_removed(wider, 2)
    assert [len(branch) for branch in narrower.branches] == [1, 0]
    assert kind.with_list_removed(ConcatSpec(branches=[[]]), 0) is None        # the last branch stays
    assert kind.with_list_added(ConcatSpec(branches=[[]] * MAX_BRANCHES), 0) is None
    residual = nested().layers[1]
    assert kind_of(residual).with_list_added(residual, 2) is None
    assert kind_of(residual).with_list_removed(residual, 1) is None


def test_depthwise_filters_are_one_per_channel():
    from engine.kinds import DepthwiseSpec
    assert filter_layout(DepthwiseSpec(size=3)) == "per_channel" and filter_layout(ConvSpec(filters=2, size=3)) == "filters"
    W = np.arange(3 * 3 * 4 * 2, dtype=float).reshape(3, 3, 4, 2)
    tiles = depthwise_filter_tiles(W)
    assert tiles.shape == (8, 3, 3)
    for c in range(4):
        for k in range(2):
            assert np.array_equal(tiles[c * 2 + k], W[:, :, c, k])
