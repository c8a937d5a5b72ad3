"""Designs going out: pure functions of a spec (and weights) that give text for other tools.

    table.py     the course table as text, Markdown, CSV, LaTeX, TSV (the clipboard) and JSON
    pytorch.py   a standalone PyTorch script that builds, loads, trains and saves the design
    diagram.py   the course's volume diagram (layout data and SVG)

The command line (`main.py summary --format`, `main.py export`, `main.py diagram`) and the window's
File › Export menu are thin layers on top of these functions.
"""
