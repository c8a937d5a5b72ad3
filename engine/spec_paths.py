"""Paths into a design's nested layer lists: reading and editing a NetworkSpec at any depth.

A layer's path (engine.spec.LayerEntry.path) is (i,) for spec.layers[i], then (list, position) per
level inside blocks: (3, 1, 0) is the first layer of the second inner list of spec.layers[3]. A *list
path* names one layer list: () for spec.layers, (3, 1) for the second inner list of spec.layers[3]. A
layer path is its list path plus its position, so `path[:-1]` is the list holding it and `path[-1]` its
place there; a slot to insert into is written the same way (position = the length of the list: at the
end).

Edits here change the spec's lists in place (the designer's undo commands call them with copies they
keep); they check nothing about shapes (engine.summarize does).
"""
from __future__ import annotations

from .kinds import kind_of


def is_layer_path(path: tuple) -> bool:
    """(i,), (i, l, j), ...: odd length."""
    return len(path) % 2 == 1


def is_list_path(path: tuple) -> bool:
    """(), (i, l), (i, l, j, m), ...: even length."""
    return len(path) % 2 == 0


def list_at(spec, list_path: tuple) -> list:
    """The layer list at `list_path` (the spec's own list object, or the block's): IndexError if there
    is none, ValueError if `list_path` is a layer's path."""
    list_path = tuple(list_path)
    if not is_list_path(list_path):
        raise ValueError(f"{list_path} is a layer's path, not a list's")
    if not list_path:
        return spec.layers
    block = spec.layer_at(list_path[:-1])
    lists = kind_of(block).child_lists(block)
    position = list_path[-1]
    if not 0 <= position < len(lists):
        raise IndexError(f"the block at {list_path[:-1]} has no list {position}")
    return lists[position][1]


def layers_before(spec, path: tuple) -> list:
    """The layers before slot `path` in its list (what a kind's `new_layer` looks back at)."""
    return list(list_at(spec, path[:-1])[:path[-1]])


def insert_at(spec, path: tuple, layer) -> None:
    """Put `layer` at slot `path` (its list's position path[-1], 0 … len)."""
    target = list_at(spec, path[:-1])
    if not 0 <= path[-1] <= len(target):
        raise IndexError(f"no slot {path}: the list has {len(target)} layers")
    target.insert(path[-1], layer)


def remove_at(spec, path: tuple):
    """Take the layer at `path` out of its list and return it."""
    return list_at(spec, path[:-1]).pop(path[-1])


def replace_at(spec, path: tuple, layer):
    """Put `layer` in place of the layer at `path`; returns the one it replaced."""
    target = list_at(spec, path[:-1])
    old = target[path[-1]]
    target[path[-1]] = layer
    return old


def is_within(path: tuple, ancestor: tuple) -> bool:
    """Whether `path` lies inside the layer or list at `ancestor` (itself included)."""
    return tuple(path[:len(ancestor)]) == tuple(ancestor)


def path_after_removal(path: tuple, removed: tuple, slot: bool = False) -> tuple:
    """Where `path` (a layer or a list; a slot with `slot`) is once the layer at `removed` has been taken
    out: later places in the same list move up by one. ValueError if `path` lies inside the removed layer
    (a slot right before it, in its own list, stays where it is)."""
    path, removed = tuple(path), tuple(removed)
    holder, position = removed[:-1], removed[-1]
    if len(path) > len(holder) and path[:len(holder)] == holder:
        if path[len(holder)] == position:
            if slot and len(path) == len(removed):
                return path
            raise ValueError(f"{path} is inside the layer at {removed}")
        if path[len(holder)] > position:
            return path[:len(holder)] + (path[len(holder)] - 1,) + path[len(holder) + 1:]
    return path


def path_after_insert(path: tuple, inserted: tuple) -> tuple:
    """Where `path` is once a layer has been put at slot `inserted`: places from there on move down."""
    path, inserted = tuple(path), tuple(inserted)
    holder, position = inserted[:-1], inserted[-1]
    if len(path) > len(holder) and path[:len(holder)] == holder and path[len(holder)] >= position:
        return path[:len(holder)] + (path[len(holder)] + 1,) + path[len(holder) + 1:]
    return path


__all__ = ["is_layer_path", "is_list_path", "list_at", "layers_before", "insert_at", "remove_at", "replace_at",
           "is_within", "path_after_removal", "path_after_insert"]
