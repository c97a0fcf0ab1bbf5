"""Batch B's heaviest kernels against torch on the same float64 inputs, in the same process: a 3x3 convolution
layer, scaled dot-product attention with a causal mask, and one LSTM cell step; each is checked to agree first."""

from __future__ import annotations

import numpy as np

from bench.timing import comparison_row, median_seconds
from demos.attention import scaled_dot_product_attention
from demos.convolution import conv2d
from demos.recurrent import lstm_cell

RUNS = 9
CONV_INPUT, CONV_WEIGHT = (8, 16, 32, 32), (32, 16, 3, 3)
ATTENTION_SHAPE = (256, 64)  # (sequence length, d_k) of queries, keys and values
LSTM_BATCH, LSTM_INPUT, LSTM_HIDDEN = 64, 128, 256


def _timed(ours, theirs, check) -> dict[str, float]:
    """Median times of both calls after a warm-up each, the results checked against each other first."""
    check(ours(), theirs())
    ours_s, _ = median_seconds(ours, RUNS)
    theirs_s, _ = median_seconds(theirs, RUNS)
    return {"revise_s": ours_s, "reference_s": theirs_s}


def _close(rtol: float = 1e-10, atol: float = 1e-12):
    """A check that revise's array equals torch's tensor."""
    return lambda mine, reference: np.testing.assert_allclose(mine, reference.numpy(), rtol=rtol, atol=atol)


def _conv() -> dict[str, float]:
    """A 3x3 convolution, padding 1, of an (8, 16, 32, 32) batch to 32 channels, with bias."""
    import torch
    import torch.nn.functional as F

    rng = np.random.default_rng(0)
    x, w, b = rng.normal(size=CONV_INPUT), rng.normal(size=CONV_WEIGHT), rng.normal(size=CONV_WEIGHT[0])
    tx, tw, tb = (torch.from_numpy(a) for a in (x, w, b))
    return _timed(lambda: conv2d(x, w, b, padding=1), lambda: F.conv2d(tx, tw, tb, padding=1), _close())


def _attention() -> dict[str, float]:
    """Causal scaled dot-product attention over 256 positions of width 64."""
    import torch
    import torch.nn.functional as F

    rng = np.random.default_rng(1)
    q, k, v = (rng.normal(size=ATTENTION_SHAPE) for _ in range(3))
    tq, tk, tv = (torch.from_numpy(a) for a in (q, k, v))
    return _timed(lambda: scaled_dot_product_attention(q, k, v, causal=True)[0],
                  lambda: F.scaled_dot_product_attention(tq, tk, tv, is_causal=True), _close())


def _lstm() -> dict[str, float]:
    """One LSTM cell step for a batch of 64, 128 inputs, 256 hidden units, with torch's weight layout."""
    import torch

    rng = np.random.default_rng(2)
    x, h, c = (rng.normal(size=(LSTM_BATCH, size)) for size in (LSTM_INPUT, LSTM_HIDDEN, LSTM_HIDDEN))
    cell = torch.nn.LSTMCell(LSTM_INPUT, LSTM_HIDDEN, dtype=torch.float64)
    weights = [parameter.detach().numpy().copy() for parameter in (cell.weight_ih, cell.weight_hh, cell.bias_ih,
                                                                    cell.bias_hh)]
    tx, th, tc = (torch.from_numpy(a) for a in (x, h, c))

    def theirs():
        with torch.no_grad():
            return torch.cat(cell(tx, (th, tc)), dim=1)

    return _timed(lambda: np.concatenate(lstm_cell(x, (h, c), *weights), axis=1), theirs, _close())


def measure() -> dict[str, dict[str, float]]:
    """Each comparison's median times, checked to agree."""
    return {"conv": _conv(), "attention": _attention(), "lstm": _lstm()}


def report(results: dict[str, dict[str, float]]) -> str:
    """The Markdown rows for RESULTS.md."""
    conv_input, conv_weight = ("x".join(map(str, shape)) for shape in (CONV_INPUT, CONV_WEIGHT))
    return "\n".join([
        comparison_row(f"conv2d, input {conv_input}, weight {conv_weight}, padding 1, float64", results["conv"],
                       "torch F.conv2d", "–"),
        comparison_row(f"scaled dot-product attention, causal, {ATTENTION_SHAPE[0]} positions of width "
                       f"{ATTENTION_SHAPE[1]}, float64", results["attention"],
                       "torch F.scaled_dot_product_attention", "–"),
        comparison_row(f"LSTM cell step, batch {LSTM_BATCH}, {LSTM_INPUT} inputs, {LSTM_HIDDEN} hidden, float64",
                       results["lstm"], "torch nn.LSTMCell", "–"),
    ])
