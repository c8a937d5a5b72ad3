"""`data PATH`: describe a dataset (format, shapes, counts per class, class names); `--save OUT.npz` converts it."""
from __future__ import annotations

import json

from ..data import save_dataset_npz
from ..fileio import check_not_an_input, check_writable
from .common import DATASET_HELP, DATASET_METAVAR, add_dataset_options, input_files, load_dataset_arg, seed_option


def run(args) -> int:
    if args.save is not None:
        check_writable(args.save, example="dataset.npz")   # before reading a dataset that may take a while
        check_not_an_input(args.save, input_files(dataset=args.path))
    dataset = load_dataset_arg(args.path, args.seed, args)
    info = dataset.info()
    if args.save is not None:
        save_dataset_npz(dataset, args.save)
        info["saved_to"] = str(args.save)
    if args.json:
        print(json.dumps(info, indent=2))
        return 0
    n_H, n_W, n_C = dataset.image_shape
    print(f"{dataset.name}: {info['format'] or 'in memory'}")
    print(f"images     {n_H}×{n_W}×{n_C} {info['dtype']}, {info['train_examples']:,} train / "
          f"{info['test_examples']:,} test ({info['megabytes']:,} MB)")
    print(f"classes    {dataset.num_classes}")
    width = max(len("class"), *(len(str(c)) for c in dataset.class_names))
    print(f"  {'#':>3}  {'class':<{width}}  {'train':>8}  {'test':>8}")
    for k, (name, train, test) in enumerate(zip(dataset.class_names, info["train_counts"], info["test_counts"])):
        print(f"  {k:>3}  {str(name):<{width}}  {train:>8,}  {test:>8,}")
    for note in dataset.notes:
        print(f"note       {note}")
    if args.save is not None:
        print(f"saved to {args.save}")
    return 0


def add_parser(sub) -> None:
    p = sub.add_parser("data", help="describe a dataset (format, shapes, counts per class) or convert it to .npz")
    p.add_argument("path", metavar=DATASET_METAVAR, help=DATASET_HELP)
    add_dataset_options(p)
    seed_option(p)
    p.add_argument("--save", metavar="OUT.npz", help="write the dataset as an .npz (x_train, y_train, x_test, "
                   "y_test, class_names)")
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.set_defaults(run=run)
