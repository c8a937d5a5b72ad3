"""Centred finite differences of a network's loss, the independent check of its analytic gradients."""
import numpy as np


def centred_differences(net, x, y, key: str, indices, eps: float = 1e-6, dropout_seed=None) -> list:
    """[(index, (J(w + eps) − J(w − eps)) / (2·eps))] for each flat index in `indices` of net.params[key],
    the parameter put back after each. With `dropout_seed`, the dropout masks are redrawn from it before
    every loss, so both sides see the masks of the analytic gradient."""
    w = net.params[key]
    out = []
    for i in indices:
        idx = np.unravel_index(i, w.shape)
        old = w[idx]
        losses = []
        for value in (old + eps, old - eps):
            w[idx] = value
            if dropout_seed is not None:
                net.reseed_dropout(dropout_seed)
            losses.append(net.loss_and_grads(x, y)[0])
        w[idx] = old
        out.append((idx, (losses[0] - losses[1]) / (2 * eps)))
    return out
