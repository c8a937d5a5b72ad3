"""Reading a dataset file or folder in a thread, so that the window never waits on a big dataset.

`DatasetLoader` reads with `datasets.read_dataset` (engine.load_dataset) on a thread
(designer/background_read.py: one read at a time, progress at most once per percent or per new message).

    loader = DatasetLoader(parent)
    loader.progress.connect(...)     # (fraction 0..1, message), GUI thread
    loader.finished.connect(...)     # (key, Dataset or None, error message ""), exactly once per load; a
                                     # ReadingQuestions instead of a Dataset when the reading takes a choice
    loader.load(key)                 # False while another load is going on
    loader.load(key, options)        # with load_dataset's image_shape / image_size / test_fraction

    loader.cancel()                  # the read stops at its next chunk: finished(key, None, "… cancelled")

`cancel()` makes the worker's progress callback raise engine.data.LoadCancelled, which the engine's
readers let through between chunks (every few megabytes, images or CSV lines), so a window closing during
a read of gigabytes waits a moment, not for the whole read. `wait()` joins the thread (the tab's shutdown
cancels, then waits), so no thread is left running when the window goes.
"""
from __future__ import annotations

from typing import Optional

from engine.data import DatasetError, LoadCancelled
from engine.data.questions import reading_questions

from ..background_read import BackgroundRead
from .datasets import is_builtin, read_dataset


class DatasetLoader(BackgroundRead):
    """One dataset load at a time, in a thread (see the module docstring)."""

    WHAT = "dataset"
    ONE_LINE_ERRORS = (DatasetError,)
    CANCELLED = LoadCancelled
    THREAD_NAME = "datasetLoader"

    def load(self, key: str, options: Optional[dict] = None) -> bool:
        """Start reading `key` (a dataset_key), with load_dataset's `options` when given (else its questions
        come back first, if it has any); False when a load is already going on."""
        def read(progress):
            # A reading that takes a choice is asked first (the window's --image-shape and friends).
            questions = reading_questions(key) if options is None and not is_builtin(key) else None
            return questions or read_dataset(key, progress=progress, options=options)
        return self.start(key, read)
