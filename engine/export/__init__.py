"""Exporters: pure functions from a design (and weights) to another format; the CLI and menus sit on top.

    engine.export.diagram   the volume diagram (layout data and SVG)
"""
