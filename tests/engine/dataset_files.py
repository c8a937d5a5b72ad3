"""Writers for every dataset format the engine reads, used by the data tests to make small real files.

Each writer lays the files out exactly as the real downloads are (MNIST's IDX files, CIFAR-10's batches and
archives, Kaggle's CSV, class folders of PNGs), from small arrays the test chooses.
"""
from __future__ import annotations

import gzip
import io
import pickle
import struct
import tarfile
from pathlib import Path

import numpy as np


def to_uint8(x: np.ndarray) -> np.ndarray:
    """Float images in [0, 1] → uint8 0..255 (rounded)."""
    return np.round(np.asarray(x, dtype=np.float64) * 255).astype(np.uint8)


def idx_bytes(array: np.ndarray) -> bytes:
    """An IDX file of uint8 values: magic 0 0 0x08 ndim, big-endian sizes, the values row-major."""
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + np.ascontiguousarray(array, dtype=np.uint8).tobytes()


def write_idx_folder(folder: Path, x_train, y_train, x_test, y_test, gz: bool = False) -> Path:
    """The four MNIST files; images (m, n_H, n_W, 1) uint8 are written as (m, n_H, n_W)."""
    folder.mkdir(parents=True, exist_ok=True)
    for stem, array in (("train-images-idx3-ubyte", x_train[..., 0]), ("train-labels-idx1-ubyte", y_train),
                        ("t10k-images-idx3-ubyte", x_test[..., 0]), ("t10k-labels-idx1-ubyte", y_test)):
        data = idx_bytes(np.asarray(array, dtype=np.uint8))
        if gz:
            (folder / (stem + ".gz")).write_bytes(gzip.compress(data))
        else:
            (folder / stem).write_bytes(data)
    return folder


def cifar_records(x: np.ndarray, y: np.ndarray) -> bytes:
    """Binary CIFAR-10 records: label byte + red, green, blue 32×32 planes (from NHWC uint8)."""
    planes = x.transpose(0, 3, 1, 2).reshape(len(x), -1)
    return np.concatenate([np.asarray(y, np.uint8)[:, None], planes], axis=1).tobytes()


def cifar_python_batch(x: np.ndarray, y: np.ndarray, label: bytes) -> bytes:
    """A python-version batch as the real files hold it: bytes keys, a (n, 3072) uint8 array, protocol 2."""
    planes = np.ascontiguousarray(x.transpose(0, 3, 1, 2).reshape(len(x), -1))
    batch = {b"batch_label": label, b"labels": [int(v) for v in y], b"data": planes,
             b"filenames": [f"image_{i}.png".encode() for i in range(len(x))]}
    return pickle.dumps(batch, protocol=2)


def cifar_files(x_train, y_train, x_test, y_test, class_names, kind: str, batches: int = 3) -> dict[str, bytes]:
    """{file name: contents} of a CIFAR-10 set of ``kind`` "binary" or "python", training split in batches."""
    files = {}
    for k, idx in enumerate(np.array_split(np.arange(len(x_train)), batches), start=1):
        if kind == "binary":
            files[f"data_batch_{k}.bin"] = cifar_records(x_train[idx], y_train[idx])
        else:
            files[f"data_batch_{k}"] = cifar_python_batch(x_train[idx], y_train[idx], b"training batch %d" % k)
    if kind == "binary":
        files["test_batch.bin"] = cifar_records(x_test, y_test)
        files["batches.meta.txt"] = ("\n".join(class_names) + "\n\n").encode()
    else:
        files["test_batch"] = cifar_python_batch(x_test, y_test, b"testing batch 1 of 1")
        files["batches.meta"] = pickle.dumps({b"label_names": [n.encode() for n in class_names],
                                              b"num_cases_per_batch": len(x_test), b"num_vis": 3072}, protocol=2)
    files["readme.html"] = b"<html>CIFAR-10</html>"
    return files


FOLDER_OF = {"binary": "cifar-10-batches-bin", "python": "cifar-10-batches-py"}


def write_cifar_folder(parent: Path, files: dict[str, bytes], kind: str) -> Path:
    folder = parent / FOLDER_OF[kind]
    folder.mkdir(parents=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


def write_cifar_archive(path: Path, files: dict[str, bytes], kind: str) -> Path:
    """A .tar.gz with the folder entry first, then its files, as the downloads are."""
    with tarfile.open(path, "w:gz") as archive:
        folder = tarfile.TarInfo(FOLDER_OF[kind])
        folder.type = tarfile.DIRTYPE
        archive.addfile(folder)
        for name, data in files.items():
            info = tarfile.TarInfo(f"{FOLDER_OF[kind]}/{name}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def write_png_folders(root: Path, x: np.ndarray, y: np.ndarray, class_names) -> None:
    """root/<class>/<index>.png for each uint8 image (n_C 1 → grey PNG, 3 → RGB PNG)."""
    from PIL import Image

    for i, (image, label) in enumerate(zip(x, y)):
        folder = root / class_names[int(label)]
        folder.mkdir(parents=True, exist_ok=True)
        pixels = image[..., 0] if image.shape[2] == 1 else image
        Image.fromarray(pixels).save(folder / f"{i:05d}.png")


def write_csv(path: Path, x: np.ndarray, y: np.ndarray) -> Path:
    """Kaggle layout: header "label,pixel0,…", one row per image (pixels row-major n_H, n_W, n_C)."""
    flat = x.reshape(len(x), -1)
    lines = ["label," + ",".join(f"pixel{j}" for j in range(flat.shape[1]))]
    lines += [f"{int(label)}," + ",".join(map(str, row.tolist())) for label, row in zip(y, flat)]
    path.write_text("\n".join(lines) + "\n")
    return path
