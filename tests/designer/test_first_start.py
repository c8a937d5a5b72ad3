"""Issue 21: the first start can train — LeNet-5 opens with the built-in dataset it trains on (Shapes), a
dataset that doesn't fit gets a "Use Shapes" offer beside the preset, and a double-clicked table row says
why it can't show feature maps."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication


def first_start(window):
    """What designer.app does on a first start: the course's LeNet-5."""
    assert window.files.load_preset("lenet5")
    QApplication.processEvents()


def test_the_first_start_can_train(window):
    first_start(window)
    train = window.train_tab
    assert train.datasets.dataset.name == "shapes"
    assert train.can_train and train.run_controls.train_button.isEnabled()
    assert window.document.summary.total_params == 62_958     # the course's table, untouched
    assert train.dataset_box.fit_label.text().startswith("✓ The design fits: 32×32×3 images, 4 classes")


def test_a_dataset_that_does_not_fit_offers_the_builtin_that_does(window, qtbot):
    first_start(window)
    train = window.train_tab
    window.show_tab(train)
    assert train.datasets.set_dataset("digits")
    box = train.dataset_box
    assert not train.can_train
    assert box.use_builtin_button.isVisible() and box.use_builtin_button.text() == "Use Shapes"
    assert box.open_preset_button.isVisible() and box.open_preset_button.text() == "Open the Digits net preset"
    before = window.document.spec.to_dict()
    qtbot.mouseClick(box.use_builtin_button, Qt.MouseButton.LeftButton)
    assert train.datasets.dataset.name == "shapes" and train.can_train
    assert window.document.spec.to_dict() == before             # the design is not changed
    assert not box.use_builtin_button.isVisible()


def test_the_tabs_own_choice_follows_the_design_until_the_user_chooses(window):
    first_start(window)
    train = window.train_tab
    window.files.load_preset("digits_net")                     # 8×8×1: the tab picks digits for it
    assert train.datasets.dataset.name == "digits" and train.can_train
    window.files.load_preset("lenet5")
    assert train.datasets.dataset.name == "shapes"
    train.datasets.set_dataset("digits")                       # the user's choice stays
    window.files.load_preset("lenet5")
    assert train.datasets.dataset.name == "digits" and train.dataset_box.use_builtin_button.text() == "Use Shapes"


def test_no_builtin_offer_when_none_fits(window):
    window.files.load_preset("example_convnet")                 # 39×39×3: neither built-in
    window.show_tab(window.train_tab)
    assert not window.train_tab.can_train
    assert not window.train_tab.dataset_box.use_builtin_button.isVisible()


def test_double_clicking_a_row_without_feature_maps_says_why(window, qtbot):
    first_start(window)
    design = window.design_tab
    view = design.table_view
    fc3 = design.shape_model.index(design.shape_model.row_for_layer(4), 0)
    assert window.document.layer_names()[4] == "FC3"
    design._jump_to_row(fc3)
    assert window.tabs.currentWidget() is design                # stays
    message = window.statusBar().currentMessage()
    assert message.startswith("No feature maps to show: FC3 has no feature maps")
    window.untrained_feed.update_now()                         # the design's initial weights in the views
    conv = design.shape_model.index(design.shape_model.row_for_layer(0), 0)
    design._jump_to_row(conv)                                  # CONV1 has maps: the Inside tab shows them
    assert window.tabs.currentWidget().isAncestorOf(window.inside_tab.feature_maps)
    assert view is design.table_view


def test_double_clicking_a_conv_row_says_why_when_the_dataset_does_not_fit(window):
    first_start(window)
    window.train_tab.datasets.set_dataset("digits")            # 8×8×1 images for LeNet-5's 32×32×3 input
    window.untrained_feed.update_now()
    design = window.design_tab
    design._jump_to_row(design.shape_model.index(design.shape_model.row_for_layer(0), 0))
    assert window.tabs.currentWidget() is design
    message = window.statusBar().currentMessage()
    assert message.startswith("No feature maps to show: The dataset doesn't fit this network.")
    assert "8×8×1 images but the design's input is 32×32×3" in message and "Use Shapes" in message


# ----- the table stays whole, first start and second -------------------------------------------------
SIZES = [(1024, 640), (1280, 720), (1280, 800), (1366, 768)]


def settle(qtbot):
    QApplication.processEvents()
    qtbot.wait(30)                # the splitters are fitted on the next turn of the event loop
    QApplication.processEvents()


def table_is_whole(window) -> bool:
    """Every row of the table, Input … Total, wholly in view, and no vertical scrolling."""
    view = window.design_tab.table_view
    model, viewport = view.model(), view.viewport().rect()
    rows = [view.visualRect(model.index(row, 0)) for row in range(model.rowCount())]
    return (model.rowCount() == 9 and all(viewport.contains(rect) for rect in rows)
            and not view.verticalScrollBar().isVisible())


def start(qtbot, screen_size, size):
    """A window as designer.app opens it on a screen of `size`, then maximised to it; LeNet-5 open."""
    from designer.main_window import MainWindow
    screen_size.size = size
    window = MainWindow()
    qtbot.addWidget(window)
    first = (window.width(), window.height())
    assert first[0] <= size[0] and first[1] <= size[1], (first, size)   # never larger than the screen
    first_start(window)
    window.show()
    qtbot.waitExposed(window)
    window.resize(*size)
    qtbot.waitUntil(lambda: (window.width(), window.height()) == size)
    settle(qtbot)
    return window


def close(window):
    window.document.undo_stack.setClean()
    assert window.close()


@pytest.mark.parametrize("size", SIZES)
def test_the_whole_table_on_the_first_and_second_start(qtbot, screen_size, size):
    window = start(qtbot, screen_size, size)
    assert table_is_whole(window), "first start"
    diagram = window.design_tab.diagram_pane
    assert not diagram.isVisible() or diagram.height() >= 150   # never open at unreadable labels
    close(window)
    # Settings written by a first start in a bigger and in a smaller window, then a second start here.
    for other in ((1920, 1080), (800, 600)):
        earlier = start(qtbot, screen_size, other)
        close(earlier)
        window = start(qtbot, screen_size, size)
        assert table_is_whole(window), f"second start after {other}"
        assert not diagram.isVisible() or diagram.height() >= 150
        editor = window.design_tab.editor_scroll
        assert editor.isVisible() and editor.height() >= 100     # the form is still there
        close(window)


def test_the_list_narrowed_in_a_small_window_widens_again_on_a_bigger_second_start(qtbot, screen_size):
    close(start(qtbot, screen_size, (1024, 640)))          # the list gives way to the table there
    window = start(qtbot, screen_size, (1280, 720))
    design = window.design_tab
    wanted = design.fitter.list_width_wanted()
    assert wanted > 244 and design.design_splitter.sizes()[0] >= wanted     # every entry whole
    close(window)


def test_a_design_too_long_for_the_window_keeps_the_form_and_the_table_scrolls(qtbot, screen_size):
    from designer.design.layout import EDITOR_MIN
    window = start(qtbot, screen_size, (1024, 640))
    window.files.load_preset("resnet_small")              # 20-odd rows: never whole at 640 px
    settle(qtbot)
    design = window.design_tab
    assert design.editor_scroll.isVisible() and design.editor_scroll.height() >= EDITOR_MIN - 10
    assert design.table_view.verticalScrollBar().isVisible() and design.table_view.viewport().height() > 200
    window.files.load_preset("lenet5")                     # and LeNet-5 is whole again
    settle(qtbot)
    assert table_is_whole(window)
    close(window)


def test_a_saved_window_larger_than_the_screen_is_shrunk_to_it(qtbot, screen_size):
    big = start(qtbot, screen_size, (1920, 1080))
    close(big)
    screen_size.size = (1024, 640)
    from designer.main_window import MainWindow
    window = MainWindow()
    qtbot.addWidget(window)
    assert window.width() <= 1024 and window.height() <= 640
    close(window)


def test_a_diagram_the_user_asks_for_shows_even_when_short(qtbot, screen_size):
    window = start(qtbot, screen_size, (1024, 640))
    action = window.design_tab.actions["diagram"]
    assert not action.isChecked()                               # no room at 1024×640
    action.trigger()
    settle(qtbot)
    assert action.isChecked() and window.design_tab.diagram_pane.height() >= 150
    action.trigger()                                            # and away again, for good
    window.resize(1366, 900)
    settle(qtbot)
    assert not action.isChecked()
    close(window)


def test_the_why_view_names_the_outputs_beyond_the_classes(window):
    first_start(window)                                      # LeNet-5's 10 outputs, the 4 shapes
    window.untrained_feed.update_now()
    why = window.inside_tab.why
    window.show_tab(window.inside_tab)
    window.inside_tab.setCurrentWidget(why)
    assert why.placeholder_text() == ""
    combo = why.class_combo
    labels = [combo.itemText(i) for i in range(combo.count())]
    assert labels[1:5] == ["0: circle", "1: square", "2: triangle", "3: cross"] and labels[5] == "4: output 4"


def test_the_why_column_fits_a_1024_window_without_cutting_a_number(qtbot, screen_size):
    window = start(qtbot, screen_size, (1024, 640))
    design = window.design_tab
    design.set_why_column_shown(True)
    settle(qtbot)
    view, model = design.table_view, design.shape_model
    header = view.horizontalHeader()
    assert not view.horizontalScrollBar().isVisible()
    assert sum(header.sectionSize(c) for c in range(header.count()) if not header.isSectionHidden(c)) \
        <= view.viewport().width()
    bold = view.font()
    bold.setBold(True)
    from PySide6.QtGui import QFontMetrics
    plain, heavy = QFontMetrics(view.font()), QFontMetrics(bold)
    for column in [c for c in range(header.count()) if not header.isSectionHidden(c)]:
        widest = max((heavy if model.row_state(row) in ("total", "error") or (row == 0 and column == 0) else plain)
                     .horizontalAdvance(texts[column]) for row, texts in enumerate(model.display_rows()))
        assert header.sectionSize(column) >= widest + 6, (column, header.sectionSize(column), widest)
    assert table_is_whole(window)
    close(window)
