"""Help › Course examples: every worked example of the course one click away, opened in the right place.

The example data lives in `engine.course_examples` (and the presets, and engine.overfitting_lesson); this
module only knows where each one is shown: the filter playground, the pooling playground, the Design tab,
or the Runs tab (the over-fitting lesson, trained on a thread there). Week 2's worked numbers
(`WEEK2_EXAMPLES`: the 1×1 bottleneck, the depthwise-separable convolution, the inception module, the
residual block's identity) open their design with the row that shows the number selected, the lesson in
the status bar.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from PySide6.QtGui import QAction

from engine.course_examples import WEEK2_EXAMPLES, WorkedExample, quiz_280_spec, why_convolutions_spec
from engine.overfitting_lesson import RUNS, TRAIN_IMAGES


@dataclass(frozen=True)
class CourseExample:
    key: str
    title: str
    tip: str
    show: Callable  # show(window: MainWindow) → bool


def _inside(window, widget) -> bool:
    """Bring the Inside tab, and `widget` in it, to the front."""
    window.inside_tab.setCurrentWidget(widget)
    window.show_tab(window.inside_tab)
    return True


def _filter(window, image: str) -> bool:
    playground = window.inside_tab.playground
    playground.set_image_preset(image)
    playground.set_filter_preset("vertical")
    playground.set_stride(1)
    playground.set_padding("valid")
    return _inside(window, playground)


def _pool(window, mode: str) -> bool:
    window.inside_tab.pooling.load_course_example(mode)
    return _inside(window, window.inside_tab.pooling)


def _design(window, spec, select=0, why: bool = False) -> bool:
    if not window.files.maybe_save():
        return False
    window.document.load(spec, None)
    window.show_tab(window.design_tab)
    window.design_tab.select_layer(select)
    if why:
        window.design_tab.set_why_column_shown(True)
    return True


def _worked(window, example: WorkedExample) -> bool:
    """A week-2 worked example: its design, the first row its numbers name selected (the table shows the
    number in that row's MACs or # parameters cell), and the lesson in the status bar."""
    spec = example.spec()
    names = {entry.name: entry.path for entry in spec.walk()}
    row = next((names[name] for name, _ in example.numbers if name in names), (0,))
    if not _design(window, spec, row):
        return False
    window.statusBar().showMessage(example.text, 20000)
    return True


def _preset(window, key: str) -> bool:
    if not window.files.load_preset(key):
        return False
    window.show_tab(window.design_tab)
    return True


def _lesson(window) -> bool:
    """The over-fitting lesson: trained and recorded on a thread, followed in the Runs tab."""
    window.show_tab(window.runs_tab)
    window.runs_tab.start_lesson()
    return True


EXAMPLES = (
    CourseExample("edge_6x6", "Vertical edge detection: the 6×6 example",
                  "The 6×6 image ∗ the vertical-edge filter = the 4×4 map (−5 −4 0 8 …), in the filter playground",
                  lambda w: _filter(w, "course_6x6")),
    CourseExample("bright_edge", "A bright vertical edge (10 10 10 0 0 0)",
                  "Left half 10, right half 0: the 4×4 map's middle columns are 30",
                  lambda w: _filter(w, "vertical_edge")),
    CourseExample("max_pool", "Max pooling, f = 2, s = 2",
                  "The course's 4×4 → [[9, 2], [6, 2]], in the pooling playground", lambda w: _pool(w, "max")),
    CourseExample("avg_pool", "Average pooling, f = 2, s = 2",
                  "The course's 4×4 → [[3.75, 1.25], [3.75, 1.5]]", lambda w: _pool(w, "avg")),
    CourseExample("quiz_280", "Quiz: 10 filters of 3×3×3 — how many parameters?",
                  "A one-layer design: (3·3·3 + 1)·10 = 280", lambda w: _design(w, quiz_280_spec())),
    CourseExample("example_convnet", "The 39×39×3 example ConvNet",
                  "Three convs (37×37×10, 17×17×20, 7×7×40), flatten to 1,960, softmax",
                  lambda w: _preset(w, "example_convnet")),
    CourseExample("lenet5", "LeNet-5 (the reference table)", "32×32×3 input, 62,958 parameters",
                  lambda w: _preset(w, "lenet5")),
    CourseExample("why_convolutions", "Why convolutions: 32×32×3 → 28×28×6",
                  "456 parameters, where a fully connected layer would need 14,455,392 (the vs. FC column)",
                  lambda w: _design(w, why_convolutions_spec(), why=True)),
    CourseExample("overfitting", "Over-fitting: training aids compared",
                  f"{TRAIN_IMAGES} training digits trained {len(RUNS)} ways — no aids, then augmentation, weight "
                  "decay, early stopping — and compared in the Runs tab (a few seconds, on a thread)",
                  _lesson),
) + tuple(
    CourseExample(f"week2_{worked.key}", f"Week 2: {worked.title}", worked.text,
                  lambda w, worked=worked: _worked(w, worked))
    for worked in WEEK2_EXAMPLES)
FIRST_WEEK2 = "week2_" + WEEK2_EXAMPLES[0].key
EXAMPLES_BY_KEY = {example.key: example for example in EXAMPLES}


def open_course_example(window, key: str) -> bool:
    """Open example `key` in `window` (a MainWindow). False if the user cancelled (unsaved changes)."""
    return EXAMPLES_BY_KEY[key].show(window)


def add_course_examples_menu(window, parent_menu) -> None:
    """Help › Course examples, one action per example (objectName ``courseExample_<key>``)."""
    menu = parent_menu.addMenu("Course &examples")
    menu.setObjectName("courseExamplesMenu")
    menu.setToolTipsVisible(True)
    for example in EXAMPLES:
        if example.key == FIRST_WEEK2:
            menu.addSeparator()
        action = QAction(example.title, window)
        action.setObjectName(f"courseExample_{example.key}")
        action.setToolTip(example.tip)
        action.setStatusTip(example.tip)
        action.triggered.connect(lambda checked=False, key=example.key: open_course_example(window, key))
        menu.addAction(action)
    parent_menu.addSeparator()
