"""The window is made of parts: MainWindow makes and declares them, nothing else sets attributes on the
window, parts never find each other by object name, and the window hands nothing on in one-line forwarders.
Read from the code (ast), so a new room that breaks a rule fails here."""
from __future__ import annotations

import ast
from pathlib import Path

import designer.main_window as main_window
from designer.main_window import MainWindow

DESIGNER = Path(main_window.__file__).resolve().parent


def _modules():
    modules = sorted(DESIGNER.rglob("*.py"))
    assert len(modules) > 40          # the scan really read the package
    return [(path.relative_to(DESIGNER.parent).as_posix(), ast.parse(path.read_text(encoding="utf-8")))
            for path in modules]


def _calls(tree, name):
    return [node for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == name]


def _dotted(node) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return ".".join(reversed(parts))


def test_no_part_finds_another_by_object_name():
    found = []
    for name, tree in _modules():
        for call in _calls(tree, "findChild") + _calls(tree, "findChildren"):
            if call.func.attr == "findChild" or len(call.args) > 1:
                found.append(f"{name}:{call.lineno}: {ast.unparse(call)}")
    assert found == []


def test_only_the_main_window_sets_attributes_on_the_window():
    found = []
    for name, tree in _modules():
        if name == "designer/main_window.py":
            continue
        for node in ast.walk(tree):
            targets = node.targets if isinstance(node, ast.Assign) else \
                [node.target] if isinstance(node, (ast.AnnAssign, ast.AugAssign)) else []
            for target in targets:
                owner = _dotted(target.value) if isinstance(target, ast.Attribute) else ""
                if owner.split(".")[-1] in ("window", "_window", "main_window"):
                    found.append(f"{name}:{node.lineno}: {ast.unparse(target)}")
        for call in ast.walk(tree):
            if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "setattr" \
                    and "window" in ast.unparse(call.args[0]):
                found.append(f"{name}:{call.lineno}: {ast.unparse(call)}")
    assert found == []


def test_parts_are_not_found_by_duck_typing():
    found = []
    for name, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("hasattr",
                                                                                                  "callable"):
                found.append(f"{name}:{node.lineno}: {ast.unparse(node)}")
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr" \
                    and len(node.args) > 1 and isinstance(node.args[1], ast.Constant) \
                    and node.args[1].value in ("shutdown", "content", "training_panel", "inside", "network",
                                               "dataset"):
                found.append(f"{name}:{node.lineno}: {ast.unparse(node)}")
    assert found == []


def _main_window_class() -> ast.ClassDef:
    tree = ast.parse(Path(main_window.__file__).read_text(encoding="utf-8"))
    return next(node for node in tree.body if isinstance(node, ast.ClassDef) and node.name == "MainWindow")


def test_the_main_window_declares_every_part_it_makes():
    init = next(node for node in _main_window_class().body if isinstance(node, ast.FunctionDef)
                and node.name == "__init__")
    made = {target.attr for node in ast.walk(init) if isinstance(node, ast.Assign) for target in node.targets
            if isinstance(target, ast.Attribute) and _dotted(target.value) == "self"
            and not target.attr.startswith("_")}
    assert {"document", "files", "design_tab", "train_tab", "inside_tab", "menus", "autosave"} <= made
    docstring = MainWindow.__doc__
    assert [part for part in sorted(made) if f"\n        {part} " not in docstring] == []


def test_the_main_window_hands_nothing_on_in_one_line_forwarders():
    forwarders = []
    for method in _main_window_class().body:
        if not isinstance(method, ast.FunctionDef) or method.name.startswith("__"):
            continue
        body = [stmt for stmt in method.body
                if not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant))]   # the docstring
        if len(body) != 1 or not isinstance(body[0], (ast.Return, ast.Expr)):
            continue
        call = body[0].value
        params = [arg.arg for arg in method.args.args[1:]]
        if isinstance(call, ast.Call) and _dotted(call.func).count(".") >= 2 \
                and _dotted(call.func).startswith("self.") \
                and [ast.unparse(arg) for arg in call.args] == params:
            forwarders.append(f"{method.name}: {ast.unparse(call)}")
    assert forwarders == []


def test_the_scans_find_what_they_look_for():
    sample = ast.parse('class MainWindow:\n'
                       '    def open_file(self, path):\n'
                       '        return self.files.open_file(path)\n'
                       'w = window.findChild(QSpinBox, "batchSizeSpin")\n'
                       'self.window.memory_status = 1\n')
    assert _calls(sample, "findChild") and len(_calls(sample, "findChild")[0].args) == 2
    assign = next(node for node in ast.walk(sample) if isinstance(node, ast.Assign)
                  and isinstance(node.targets[0], ast.Attribute))
    assert _dotted(assign.targets[0].value) == "self.window"
    method = sample.body[0].body[0]
    assert _dotted(method.body[0].value.func) == "self.files.open_file"
