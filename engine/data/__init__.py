"""Datasets: the built-in ones ("digits", "shapes") and user files in every supported format.

Every dataset reaches the engine in one form, the course's layout:

    x_train, x_test   (m, n_H, n_W, n_C) uint8 (0..255; a network sees value/255) or float32
    y_train, y_test   (m,) int64 class indices 0 .. num_classes - 1
    class_names       list[str], one per class

``load_dataset(path)`` detects the format (detect.py); each format is one module: npz.py, idx.py (MNIST-style),
cifar.py (+ safe_pickle.py, which runs no code from a file), folders.py (class folders of images, Pillow),
csv_format.py (Kaggle-style). Images stay uint8 in memory and become float batch by batch (pixels.py), so
CIFAR-10 takes 184 MB instead of 737 MB of float32.

Built-in datasets are cached in memory. The arrays of a cached dataset are shared between callers and are
marked read-only, so an in-place change (``ds.x_train *= 2``, ``rng.shuffle(ds.x_train)``) raises instead of
silently altering what every later ``load_dataset`` call returns. Index or ``.copy()`` them to get arrays you
own; ``Dataset.split_validation`` already returns fresh arrays. Datasets read from a user file or made by
``make_shapes`` are not cached and their arrays are ordinary writable arrays. Pillow is used for image
files only.
"""
from .builtin import BUILTIN_DATASETS, SHAPE_CLASSES, make_shapes
from .dataset import Dataset
from .detect import FORMATS_HELP, load_dataset
from .errors import DatasetError, LoadCancelled
from .labels import MAX_CLASSES, stratified_split
from .npz import read_npz_dataset, save_dataset_npz
from .pixels import images_to_float

__all__ = [
    "BUILTIN_DATASETS",
    "Dataset",
    "DatasetError",
    "FORMATS_HELP",
    "LoadCancelled",
    "MAX_CLASSES",
    "SHAPE_CLASSES",
    "images_to_float",
    "load_dataset",
    "make_shapes",
    "read_npz_dataset",
    "save_dataset_npz",
    "stratified_split",
]
