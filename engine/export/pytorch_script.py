'''The fixed part of an exported PyTorch script: weights in CNN Designer's format, data loading, and the
train / evaluate commands (with DistributedDataParallel under torchrun).

engine/export/pytorch.py writes the design-specific part above it — the constants and the `Net` class —
and appends SCRIPT_BODY unchanged. The body relies on these names from the generated part:
    Net, INPUT_SHAPE, OUTPUT, NUM_PARAMETERS, WEIGHTED_LAYERS, DESIGN_JSON, WEIGHTS_FORMAT, DEFAULT_WEIGHTS
It is kept as text because the engine never imports torch; the text is Python that imports only torch,
numpy and the standard library. Its training defaults are the app's (engine.train.TrainSettings, with
Adam, the optimizer the script uses).
'''
from ..train_settings import TrainSettings

_DEFAULTS = TrainSettings(optimizer="adam")

_DEFAULTS_TEXT = f'''
# CNN Designer's training defaults (its command line and window start from the same ones).
DEFAULT_EPOCHS = {_DEFAULTS.epochs}
DEFAULT_BATCH_SIZE = {_DEFAULTS.batch_size}
DEFAULT_LR = {_DEFAULTS.lr!r}
DEFAULT_SEED = {_DEFAULTS.seed}
'''

SCRIPT_BODY = _DEFAULTS_TEXT + r'''

def build_model(weights=DEFAULT_WEIGHTS):
    """The design as an nn.Module: (N, C, H, W) float32 → logits (N, k) (k = 1 for a sigmoid output).

    With `weights` (a CNN Designer weights .npz), those weights are loaded; otherwise PyTorch's
    default initialisation is used."""
    model = Net()
    count = sum(p.numel() for p in model.parameters())
    if count != NUM_PARAMETERS:  # the generator and CNN Designer's table disagree: never silently
        raise RuntimeError(f"the model has {count:,} parameters, the design {NUM_PARAMETERS:,}")
    if weights:
        load_weights(model, weights)
    return model


# ----- weights in CNN Designer's format ------------------------------------------------------------
# The engine stores a conv filter bank as (f, f, n_C_prev, n_C), a depthwise one as (f, f, n_C, multiplier)
# and a dense matrix as (n_in, units); PyTorch as (out, in, kh, kw), (n_C·multiplier, 1, kh, kw) and
# (units, n_in). A dense layer right after a volume also needs its inputs reordered: the engine flattens a
# volume in (H, W, C) order, PyTorch in (C, H, W) order. Batch norm: gamma/beta are the module's
# weight/bias, and the running statistics its buffers.

def _to_torch(layout, W, volume):
    if layout == "filters":
        return W.transpose(3, 2, 0, 1)
    if layout == "depthwise":
        f_h, f_w, n_C, k = W.shape
        return W.transpose(2, 3, 0, 1).reshape(n_C * k, 1, f_h, f_w)
    if volume is not None:
        n_H, n_W, n_C = volume
        W = W.reshape(n_H, n_W, n_C, -1).transpose(2, 0, 1, 3).reshape(n_H * n_W * n_C, -1)
    return W.T


def _to_engine(layout, W, volume, shape):
    if layout == "filters":
        return W.transpose(2, 3, 1, 0)
    if layout == "depthwise":
        f_h, f_w, n_C, k = shape
        return W.reshape(n_C, k, f_h, f_w).transpose(2, 3, 0, 1)
    W = W.T
    if volume is not None:
        n_H, n_W, n_C = volume
        W = W.reshape(n_C, n_H, n_W, -1).transpose(1, 2, 0, 3).reshape(n_H * n_W * n_C, -1)
    return W


def _entries(model, layer):
    """[(key in the .npz, tensor of the model, engine shape, weight layout or None)] of one WEIGHTED_LAYERS
    entry."""
    attribute, name, layout, shape, volume, bias = layer
    module = getattr(model, attribute)
    if layout == "batchnorm":
        return [(f"{name}.gamma", module.weight, shape, None), (f"{name}.beta", module.bias, shape, None),
                (f"{name}.running_mean", module.running_mean, shape, None),
                (f"{name}.running_var", module.running_var, shape, None)]
    out = [(f"{name}.W", module.weight, shape, layout)]
    if bias:
        n_out = shape[2] * shape[3] if layout == "depthwise" else shape[-1]
        out.append((f"{name}.b", module.bias, (n_out,), None))
    return out


def load_weights(model, path):
    """Copy the weights of a CNN Designer .npz (from the app or `main.py train --save`) into `model`.

    Raises ValueError naming the file and the array when the weights don't fit this design."""
    model = getattr(model, "module", model)   # a DistributedDataParallel wrapper
    with np.load(path, allow_pickle=False) as data:
        # "__spec__" and "__meta__" are the design and the header; a layer may well be called "__x".
        arrays = {key: data[key] for key in data.files if key not in ("__spec__", "__meta__")}
    used = set()
    with torch.no_grad():
        for layer in WEIGHTED_LAYERS:
            volume = layer[4]
            for key, param, want, layout in _entries(model, layer):
                if key not in arrays:
                    raise ValueError(f"{path}: weights for {key} are missing")
                value = arrays[key]
                if tuple(value.shape) != tuple(want):
                    raise ValueError(f"{path}: {key} has shape {tuple(value.shape)}, the design needs {tuple(want)}")
                if layout is not None:
                    value = _to_torch(layout, value, volume)
                param.copy_(torch.from_numpy(np.ascontiguousarray(value, dtype=np.float32)))
                used.add(key)
    extra = sorted(set(arrays) - used)
    if extra:
        raise ValueError(f"{path}: holds weights the design has no layer for: {', '.join(extra)}")
    return model


def save_weights(model, path):
    """Write `model`'s weights as a CNN Designer .npz (same keys, design and format as the app writes),
    atomically: a temporary file beside `path`, then a rename."""
    model = getattr(model, "module", model)
    arrays = {}
    for layer in WEIGHTED_LAYERS:
        volume = layer[4]
        for key, tensor, shape, layout in _entries(model, layer):
            value = tensor.detach().cpu().numpy()
            if layout is not None:
                value = _to_engine(layout, value, volume, shape)
            arrays[key] = np.ascontiguousarray(value, dtype=np.float32)
    arrays["__spec__"] = np.array(DESIGN_JSON)
    arrays["__meta__"] = np.array(json.dumps({"format": WEIGHTS_FORMAT, "dtype": "float32"}))
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".weights.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            np.savez(handle, **arrays)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


# ----- data ----------------------------------------------------------------------------------------

def _images(x, key, path):
    """(m, H, W) or (m, H, W, C) pixels → (m, C, H, W) float32; whole numbers are 0..255 and scaled to [0, 1]
    as CNN Designer does, floats are taken as they are."""
    if x.ndim == 3:
        x = x[..., np.newaxis]
    if x.ndim != 4 or tuple(x.shape[1:]) != INPUT_SHAPE:
        raise SystemExit(f"error: {path}: {key} holds images of shape {tuple(x.shape[1:])}, "
                         f"the design takes {INPUT_SHAPE} (n_H, n_W, n_C)")
    if x.dtype.kind in "iu":
        x = x.astype(np.float32) / np.float32(255)
    x = np.ascontiguousarray(x.astype(np.float32).transpose(0, 3, 1, 2))
    return torch.from_numpy(x)


def load_data(path):
    """The .npz layout CNN Designer reads: x_train, y_train, x_test, y_test (int labels).
    Returns (x_train, y_train, x_test, y_test) as tensors, images (m, C, H, W)."""
    if os.path.isdir(path):
        raise SystemExit(f"error: {path}: is a folder, not a DATA.npz file (x_train, y_train, x_test, y_test)")
    if not os.path.isfile(path):
        raise SystemExit(f"error: {path}: no such file (or not a regular file)")
    try:
        with np.load(path, allow_pickle=False) as data:
            if not hasattr(data, "files"):
                raise SystemExit(f"error: {path}: a single array, not an .npz with x_train, y_train, x_test, y_test")
            missing = [k for k in ("x_train", "y_train", "x_test", "y_test") if k not in data.files]
            if missing:
                raise SystemExit(f"error: {path}: missing array(s) {', '.join(missing)}")
            parts = {key: data[key] for key in ("x_train", "y_train", "x_test", "y_test")}
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile):
        raise SystemExit(f"error: {path}: not a readable .npz dataset (x_train, y_train, x_test, y_test)") from None
    classes = 2 if OUTPUT == "sigmoid" else NUM_CLASSES
    out = []
    for x_key, y_key in (("x_train", "y_train"), ("x_test", "y_test")):
        y = parts[y_key].reshape(-1).astype(np.int64)
        if len(y) and (y.min() < 0 or y.max() >= classes):
            raise SystemExit(f"error: {path}: {y_key} has labels {y.min()}..{y.max()}, the design predicts "
                             f"{classes} classes (0..{classes - 1})")
        out += [_images(parts[x_key], x_key, path), torch.from_numpy(y)]
    return tuple(out)


# ----- training ------------------------------------------------------------------------------------

def loss_fn(logits, y):
    if OUTPUT == "sigmoid":
        return F.binary_cross_entropy_with_logits(logits[:, 0], y.float())
    return F.cross_entropy(logits, y)


def predicted_classes(logits):
    if OUTPUT == "sigmoid":
        return (logits[:, 0] > 0).long()
    return logits.argmax(dim=1)


@torch.no_grad()
def evaluate(model, x, y, device, batch_size=256):
    """(mean loss, accuracy) of `model` in eval mode over tensors x (m, C, H, W), y (m,)."""
    model.eval()
    total, correct = 0.0, 0
    for start in range(0, len(x), batch_size):
        xb, yb = x[start:start + batch_size].to(device), y[start:start + batch_size].to(device)
        logits = model(xb)
        total += float(loss_fn(logits, yb)) * len(xb)
        correct += int((predicted_classes(logits) == yb).sum())
    return total / max(1, len(x)), correct / max(1, len(x))


def _distributed():
    """(rank, world size, device); starts the process group when run under torchrun."""
    if "WORLD_SIZE" not in os.environ:
        return 0, 1, torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if torch.cuda.is_available():
        local_rank = int(os.environ.get("LOCAL_RANK", 0))
        torch.cuda.set_device(local_rank)
        device, backend = torch.device("cuda", local_rank), "nccl"
    else:
        device, backend = torch.device("cpu"), "gloo"
    dist.init_process_group(backend=backend)
    return dist.get_rank(), dist.get_world_size(), device


def train(args):
    rank, world, device = _distributed()
    torch.manual_seed(args.seed)   # the same initial weights on every process
    x_train, y_train, x_test, y_test = load_data(args.data)
    model = build_model(args.weights).to(device)
    net = model
    if world > 1 or dist.is_initialized():
        net = DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None)
    train_set = TensorDataset(x_train, y_train)
    sampler = DistributedSampler(train_set, num_replicas=world, rank=rank, shuffle=True, seed=args.seed) \
        if dist.is_initialized() else None
    generator = torch.Generator().manual_seed(args.seed)
    # --batch-size is the whole step's batch, shared out over the processes (as one process would take it).
    loader = DataLoader(train_set, batch_size=max(1, args.batch_size // world), shuffle=sampler is None,
                        sampler=sampler, generator=generator if sampler is None else None)
    optimizer = torch.optim.Adam(net.parameters(), lr=args.lr)
    for epoch in range(args.epochs):
        if sampler is not None:
            sampler.set_epoch(epoch)
        net.train()
        total, seen = 0.0, 0
        for xb, yb in loader:
            xb, yb = xb.to(device), yb.to(device)
            optimizer.zero_grad()
            loss = loss_fn(net(xb), yb)
            loss.backward()
            optimizer.step()
            total, seen = total + float(loss) * len(xb), seen + len(xb)
        if rank == 0:
            print(f"epoch {epoch + 1}/{args.epochs}  loss {total / max(1, seen):.4f}", file=sys.stderr, flush=True)
    if rank == 0:
        loss, accuracy = evaluate(model, x_test, y_test, device)
        if args.save:
            save_weights(model, args.save)
        print(json.dumps({"test_accuracy": accuracy, "test_loss": loss, "epochs": args.epochs,
                          "processes": world, "device": device.type, "saved": args.save}), flush=True)
    if dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()
    return 0


def evaluate_command(args):
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    _, _, x_test, y_test = load_data(args.data)
    if not args.weights:
        print("note: no --weights given: evaluating untrained weights (PyTorch's random initialisation)",
              file=sys.stderr)
    model = build_model(args.weights).to(device)
    loss, accuracy = evaluate(model, x_test, y_test, device)
    print(json.dumps({"test_accuracy": accuracy, "test_loss": loss, "untrained": not args.weights}))
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="train on DATA.npz (x_train, y_train, x_test, y_test); works under torchrun")
    t.add_argument("data", metavar="DATA.npz")
    t.add_argument("--epochs", type=int, default=DEFAULT_EPOCHS, help="passes over the data (%(default)s)")
    t.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE,
                   help="images per step, over all processes (%(default)s)")
    t.add_argument("--lr", type=float, default=DEFAULT_LR, help="Adam's learning rate (%(default)s)")
    t.add_argument("--seed", type=int, default=DEFAULT_SEED,
                   help="seeds the initial weights and the shuffling (%(default)s)")
    t.add_argument("--weights", metavar="RUN.npz", default=DEFAULT_WEIGHTS, help="start from these weights")
    t.add_argument("--save", metavar="OUT.npz", help="write the trained weights in CNN Designer's format")
    e = sub.add_parser("evaluate", help="test accuracy of weights on DATA.npz")
    e.add_argument("data", metavar="DATA.npz")
    e.add_argument("--weights", metavar="RUN.npz", default=DEFAULT_WEIGHTS)
    args = parser.parse_args(argv)
    if args.weights and not os.path.isfile(args.weights):
        raise SystemExit(f"error: {args.weights}: no such weights file (or not a regular file)")
    try:
        return train(args) if args.command == "train" else evaluate_command(args)
    except (ValueError, zipfile.BadZipFile, EOFError) as exc:   # weights that don't fit, a damaged file
        raise SystemExit(f"error: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from None
    except OSError as exc:
        raise SystemExit(f"error: {exc.filename + ': ' if exc.filename else ''}{exc.strerror or exc}") from None


if __name__ == "__main__":
    sys.exit(main())
'''
