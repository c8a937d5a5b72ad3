"""Why this prediction: saliency maps and Grad-CAM from the engine's own backward pass.

Both are gradients of one class score z_k, the logit before the softmax (or before the sigmoid of a
single-unit output), taken in inference mode (batch norm with its running statistics, no dropout) with
`Network.probe`; nothing is learned and nothing of the network changes (weights, running statistics,
the dropout stream).

* saliency (Simonyan et al. 2014): ``max over channels |∂z_k/∂x|`` for each input pixel, ``(m, n_H, n_W)``.
  x is the input as the network sees it (uint8 pixels divided by 255).
* Grad-CAM (Selvaraju et al. 2017): ``ReLU(Σ_c α_c · A^c)`` with ``α_c`` the mean over the n_H × n_W
  positions of ``∂z_k/∂A^c``, A the named layer's output after its activation, ``(m, h, w)`` at that
  layer's resolution. Raw values: views scale them for display (engine.heatmaps).

Which class: k is `class_index` (one for every image, or one per image), or else the predicted class.
A single sigmoid unit has one logit z = log(P(1) / P(0)): class 1 is explained by z and class 0 by −z
(the log-odds of class 0), so the two classes' Grad-CAM maps show opposite evidence; their saliency maps
are equal (|∂(−z)/∂x| = |∂z/∂x|).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Explanation", "saliency", "grad_cam", "explain", "grad_cam_layers", "default_grad_cam_layer",
           "explained_classes", "check_grad_cam_layer"]

DEFAULT_BATCH = 64   # images per probe pass: a probe keeps a training step's caches


@dataclass
class Explanation:
    """What `explain` gives for m images: the class each map explains (m,), the predicted class (m,), the
    class probabilities (m, num_classes), the saliency maps (m, n_H, n_W), the Grad-CAM maps (m, h, w) of
    `layer` (None when the design has no volume to look at)."""

    classes: np.ndarray
    predicted: np.ndarray
    probabilities: np.ndarray
    saliency: np.ndarray
    grad_cam: np.ndarray | None
    layer: str | None


# ----- which layer --------------------------------------------------------------------------------

def _is_map(shape, positions: int = 2) -> bool:
    return shape is not None and len(shape) == 3 and shape[0] * shape[1] >= positions


def grad_cam_layers(net) -> list[str]:
    """The layers Grad-CAM can show as a map, in table order (inner layers of blocks included): those whose
    output is a volume with more than one position (a global pool's 1×1 has no "where")."""
    return [row.name for row in net.summary.rows[1:] if _is_map(row.output_shape)]


def _forward_order(rows) -> list:
    """The rows in the order the layers compute: a block after its inner layers (its output is the join)."""
    order, open_blocks = [], []
    for row in rows:
        while open_blocks and tuple(row.path[:len(open_blocks[-1].path)]) != tuple(open_blocks[-1].path):
            order.append(open_blocks.pop())
        (open_blocks if row.is_block else order).append(row)
    order.extend(reversed(open_blocks))
    return order


def default_grad_cam_layer(net) -> str | None:
    """The last layer to compute whose output is a volume with more than one position (a block's joined
    output counts after its inner layers), or None if the design has none."""
    names = [row.name for row in _forward_order(net.summary.rows[1:]) if _is_map(row.output_shape)]
    return names[-1] if names else None


def check_grad_cam_layer(net, layer_name: str) -> str:
    """`layer_name` if Grad-CAM can use it (any layer with a volume output, a 1×1 one too when named);
    ValueError naming the layer and the reason otherwise."""
    rows = {row.name: row for row in net.summary.rows[1:]}
    if layer_name not in rows:
        usable = ", ".join(grad_cam_layers(net)) or "none in this design"
        raise ValueError(f"no layer {layer_name!r} in this network (layers with a volume output: {usable})")
    shape = rows[layer_name].output_shape
    if not _is_map(shape, positions=1):
        words = "×".join(map(str, shape))
        raise ValueError(f"{layer_name}: its output is the vector ({words},), not a volume n_H × n_W × n_C; "
                         "Grad-CAM needs positions (pick a conv, pool, batch norm or block layer)")
    return layer_name


# ----- which class --------------------------------------------------------------------------------

def _given_classes(net, class_index, m: int) -> np.ndarray | None:
    """class_index (None, one whole number, or m of them) as an int64 array (m,), checked."""
    if class_index is None:
        return None
    k = net.num_classes
    values = np.asarray(class_index)
    if values.dtype == bool or not np.issubdtype(values.dtype, np.integer):
        raise ValueError(f"class_index must be a whole number (0..{k - 1}) or one per image, got {class_index!r}")
    if values.ndim == 0:
        values = np.full(m, int(values), dtype=np.int64)
    elif values.shape != (m,):
        raise ValueError(f"class_index holds {values.size} classes for {m} images")
    values = values.astype(np.int64)
    bad = values[(values < 0) | (values >= k)]
    if bad.size:
        raise ValueError(f"class {int(bad[0])} is outside 0..{k - 1} (this network has {k} classes)")
    return values


def _seed_rows(net, logits: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """∂(Σ_i z_{k_i}) / ∂logits: one-hot rows (m, k); for one sigmoid unit +1 (class 1) or −1 (class 0)."""
    seed = np.zeros_like(logits)
    if net.output_kind == "softmax":
        seed[np.arange(len(logits)), classes] = 1
    else:
        seed[:, 0] = np.where(classes == 1, 1, -1)
    return seed


def explained_classes(net, logits: np.ndarray, class_index=None) -> np.ndarray:
    """The class each row of logits (m, k) is explained for: class_index, or else the predicted class."""
    given = _given_classes(net, class_index, len(logits))
    return net.classes_from_logits(logits).astype(np.int64) if given is None else given


# ----- the pass -----------------------------------------------------------------------------------

def _images(net, images) -> np.ndarray:
    images = np.asarray(images)
    if images.ndim != 4:
        want = "×".join(map(str, net.input_shape))
        raise ValueError(f"images must be a batch (m, n_H, n_W, n_C) of {want} images, got shape {images.shape}")
    return images


def _run(net, images, class_index, layer, input_grad: bool, batch_size: int) -> Explanation:
    """Probe passes over `images` in chunks of `batch_size`: both maps and the predictions."""
    images = _images(net, images)
    m = len(images)
    given = _given_classes(net, class_index, m)
    n_H, n_W = net.input_shape[:2]
    k = net.num_classes
    dtype = net.dtype
    classes, predicted = np.zeros(m, np.int64), np.zeros(m, np.int64)
    probabilities = np.zeros((m, k), dtype)
    sal = np.zeros((m, n_H, n_W), dtype) if input_grad else None
    cam = None
    if layer is not None:
        h, w = next(row.output_shape for row in net.summary.rows[1:] if row.name == layer)[:2]
        cam = np.zeros((m, h, w), dtype)
    for start in range(0, m, max(1, int(batch_size))):
        stop = min(m, start + max(1, int(batch_size)))
        chosen = {}

        def seed(logits, start=start, stop=stop, chosen=chosen):
            chosen["k"] = net.classes_from_logits(logits) if given is None else given[start:stop]
            return _seed_rows(net, logits, chosen["k"])

        probe = net.probe(images[start:stop], seed, names=(layer,) if layer else (), input_grad=input_grad)
        classes[start:stop] = chosen["k"]
        predicted[start:stop] = net.classes_from_logits(probe.logits)
        probabilities[start:stop] = net.probabilities_from_logits(probe.logits)
        if input_grad:
            sal[start:stop] = np.abs(probe.input_grad).max(axis=-1)
        if layer is not None:
            A, dA = probe.outputs[layer], probe.output_grads[layer]
            alpha = dA.mean(axis=(1, 2))                                     # (m, n_C)
            cam[start:stop] = np.maximum(np.einsum("mhwc,mc->mhw", A, alpha), 0)
    return Explanation(classes, predicted, probabilities, sal, cam, layer)


def saliency(net, images, class_index=None, batch_size: int = DEFAULT_BATCH) -> np.ndarray:
    """Saliency maps (m, n_H, n_W): max over channels of |∂z_k/∂x| for images (m, n_H, n_W, n_C).

    class_index: one class for every image, one per image (m,), or None for each image's predicted class.
    Inference mode; the network does not change. ValueError for a class outside 0..k − 1.
    """
    return _run(net, images, class_index, None, True, batch_size).saliency


def grad_cam(net, images, layer_name: str | None = None, class_index=None,
             batch_size: int = DEFAULT_BATCH) -> np.ndarray:
    """Grad-CAM maps (m, h, w) of the layer `layer_name` (h × w its output's n_H × n_W) for images
    (m, n_H, n_W, n_C): ReLU(Σ_c α_c·A^c), α_c = mean over positions of ∂z_k/∂A^c. Raw values.

    layer_name: any layer with a volume output, inner layers of blocks included; None: the last layer
    with one (`default_grad_cam_layer`). class_index as for `saliency`. ValueError for a layer that is
    unknown or has a vector output, or a design with no volume output.
    """
    layer = _default_or_checked(net, layer_name)
    return _run(net, images, class_index, layer, False, batch_size).grad_cam


def _default_or_checked(net, layer_name):
    if layer_name is not None:
        return check_grad_cam_layer(net, layer_name)
    layer = default_grad_cam_layer(net)
    if layer is None:
        raise ValueError("Grad-CAM needs a layer whose output is a volume n_H × n_W × n_C; this design has none")
    return layer


def explain(net, images, class_index=None, layer_name: str | None = None,
            batch_size: int = DEFAULT_BATCH) -> Explanation:
    """Saliency, Grad-CAM (of `layer_name`, or the default layer; none when the design has no volume) and
    the predictions for images (m, n_H, n_W, n_C), from one probe pass per chunk."""
    layer = _default_or_checked(net, layer_name) if layer_name is not None else default_grad_cam_layer(net)
    return _run(net, images, class_index, layer, True, batch_size)
