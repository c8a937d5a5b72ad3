"""The Runs view: every recorded run (window and command line) in a sortable, filterable table, the
selected runs' curves overlaid, and the comparison exported. The runs themselves live in engine.runs."""
from .runs_view import RunsView

__all__ = ["RunsView"]
