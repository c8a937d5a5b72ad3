"""The Design tab: the layer tree, the course's layer table, the property editor and the volume diagram.

    from designer.design import DesignTab
    tab = DesignTab(document)        # document: a DesignDocument

tab.py composes the rooms below: the Qt models over the document's Summary (layer_model.py,
table_model.py, with roles.py), their views (views.py), the form for the selected layer
(property_editor.py, field_form.py), the diagram (diagram_view.py), check-yourself (check_yourself.py),
the output hint (output_hint.py), how the tab shares its height (layout.py), File › Export (export.py)
and how each layer kind looks (kind_visuals.py).
"""
from .tab import DesignTab

__all__ = ["DesignTab"]
