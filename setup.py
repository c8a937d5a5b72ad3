"""The package list; all other packaging settings are in pyproject.toml.

engine* and designer* are found automatically, so a new subpackage (a folder with an __init__.py) is in
the wheel without being listed here. The top-level resources/ folder (presets, the digits dataset, the
icon) is installed as the package ``cnn_designer_resources``, a name that clashes with nothing else in
site-packages; engine/resources.py finds it with importlib.resources. tests/test_packaging.py builds a
wheel and checks both.
"""
from setuptools import find_namespace_packages, find_packages, setup

RESOURCES_PACKAGE = "cnn_designer_resources"  # engine.resources.RESOURCES_PACKAGE
# Its data folders (presets/, datasets/, icons/) are listed as packages too: setuptools warns about
# folders inside a package that are not (their files are chosen by package-data in pyproject.toml).
RESOURCE_FOLDERS = find_namespace_packages(where="resources", exclude=["*__pycache__*"])

setup(
    packages=(find_packages(include=["engine", "engine.*", "designer", "designer.*"])
              + [RESOURCES_PACKAGE] + [f"{RESOURCES_PACKAGE}.{folder}" for folder in RESOURCE_FOLDERS]),
    package_dir={RESOURCES_PACKAGE: "resources"},
)
