"""Bundled files: presets/ (designs), datasets/ (digits.npz), icons/, cnn-designer.desktop.

Installed as the package ``cnn_designer_resources``; code finds the files through ``engine.resources``.
"""
