"""The Runs tab: every recorded run (window and command line) in a sortable, filterable table, the
selected runs' curves overlaid, the comparison exported, and the over-fitting lesson run on a thread. The
runs themselves live in engine.runs."""
from .runs_view import RunsView
from .tab import RunsTab

__all__ = ["RunsTab", "RunsView"]
