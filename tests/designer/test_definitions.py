"""Issue 21, point 13: numbers with their definitions — MACs (and FLOPs ≈ 2 × MACs), and what the memory
estimate counts."""
from __future__ import annotations

from PySide6.QtCore import Qt

from engine.memory import estimate_memory
from engine.resources import preset_path
from engine.shapes import summarize
from engine.spec import load_spec

from designer.design.table_model import COL_MACS


def test_the_macs_header_says_multiply_accumulates_and_flops(window):
    model = window.design_tab.shape_model
    tip = model.headerData(COL_MACS, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
    assert "multiply-accumulate" in tip and "FLOPs ≈ 2 × MACs" in tip


def test_the_memory_estimate_says_what_it_counts(window):
    window.files.load_preset("lenet5")
    tip = window.memory_status.label.toolTip()
    assert ("It counts float32 weights, their gradients, a copy of the weights (to fall back on if a run "
            "diverges), Adam's two running averages per weight and the activations of a batch of 64 (kept for "
            "the backward pass), im2col scratch and the input batch.") in tip
    summary = summarize(load_spec(preset_path("lenet5")))
    assert "a velocity per weight (momentum)" in estimate_memory(summary, "train", 32, "momentum").counted()
    assert estimate_memory(summary, "infer", 8).counted() == ("float32 weights and the activations of a batch "
                                                              "of 8, im2col scratch and the input batch")
