"""The foundation demos' kernels against the libraries a learner checks them with, in the same process:
softmax and cross-entropy on a large batch and batch norm against torch (float64), lasso against scikit-learn."""

from __future__ import annotations

import numpy as np

from bench.timing import comparison_row, median_seconds
from demos.normalisation import batch_norm
from demos.regularisation import lasso
from demos.softmax import cross_entropy, softmax

RUNS = 7
BATCH, CLASSES = 20_000, 100
BN_SHAPE = (64, 32, 32, 32)
LASSO_SHAPE, LASSO_LAM = (2_000, 200), 0.05


def _softmax_cross_entropy() -> dict[str, float]:
    """softmax and the mean cross-entropy of a (20,000, 100) float64 batch, revise against torch."""
    import torch
    import torch.nn.functional as F

    rng = np.random.default_rng(0)
    logits, targets = rng.normal(0, 3, (BATCH, CLASSES)), rng.integers(0, CLASSES, BATCH)
    ours = lambda: (softmax(logits), cross_entropy(logits, targets))  # noqa: E731 - a timed call
    t_logits, t_targets = torch.from_numpy(logits), torch.from_numpy(targets)
    theirs = lambda: (F.softmax(t_logits, -1), F.cross_entropy(t_logits, t_targets))  # noqa: E731
    ours(), theirs()
    ours_s, (probabilities, loss) = median_seconds(ours, RUNS)
    theirs_s, (t_probabilities, t_loss) = median_seconds(theirs, RUNS)
    np.testing.assert_allclose(probabilities, t_probabilities.numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(loss, t_loss.item(), rtol=1e-12)
    return {"revise_s": ours_s, "reference_s": theirs_s}


def _batch_norm() -> dict[str, float]:
    """Training-mode batch norm of a (64, 32, 32, 32) float64 batch with running statistics, revise against torch."""
    import torch
    import torch.nn.functional as F

    rng = np.random.default_rng(1)
    x = rng.normal(2, 3, BN_SHAPE)
    channels = BN_SHAPE[1]
    gamma, beta = rng.normal(1, 0.1, channels), rng.normal(0, 0.1, channels)
    ours = lambda: batch_norm(x, gamma, beta, np.zeros(channels), np.ones(channels), training=True)  # noqa: E731
    t_x, t_gamma, t_beta = (torch.from_numpy(a) for a in (x, gamma, beta))

    def theirs():
        """torch updates the running statistics in place, so each call gets fresh ones."""
        mean, var = torch.zeros(channels, dtype=torch.float64), torch.ones(channels, dtype=torch.float64)
        return F.batch_norm(t_x, mean, var, t_gamma, t_beta, training=True), mean, var

    ours(), theirs()
    ours_s, (y, mean, var) = median_seconds(ours, RUNS)
    theirs_s, (t_y, t_mean, t_var) = median_seconds(theirs, RUNS)
    np.testing.assert_allclose(y, t_y.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(mean, t_mean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(var, t_var.numpy(), rtol=1e-12)
    return {"revise_s": ours_s, "reference_s": theirs_s}


def _lasso() -> dict[str, float]:
    """Lasso on a (2,000, 200) regression with 20 true features, revise (tol 1e-10) against sklearn (default tol)."""
    from sklearn.linear_model import Lasso

    rng = np.random.default_rng(2)
    X = rng.normal(size=LASSO_SHAPE)
    w = np.zeros(LASSO_SHAPE[1])
    w[:20] = rng.normal(0, 2, 20)
    y = X @ w + rng.normal(0, 0.5, LASSO_SHAPE[0])
    objective = lambda weights: 0.5 * np.mean((y - X @ weights) ** 2) + LASSO_LAM * np.abs(weights).sum()  # noqa: E731
    ours = lambda: lasso(X, y, LASSO_LAM)  # noqa: E731
    theirs = lambda: Lasso(alpha=LASSO_LAM, fit_intercept=False).fit(X, y).coef_  # noqa: E731
    ours(), theirs()
    ours_s, weights = median_seconds(ours, RUNS)
    theirs_s, reference = median_seconds(theirs, RUNS)
    assert objective(weights) <= objective(reference) + 1e-9, "revise reaches at least sklearn's optimum"
    return {"revise_s": ours_s, "reference_s": theirs_s, "nonzero": int(np.count_nonzero(weights)),
            "gap": float(objective(reference) - objective(weights))}


def measure() -> dict[str, dict[str, float]]:
    """Each comparison's median times (after a warm-up call each), checked to agree."""
    return {"softmax": _softmax_cross_entropy(), "batch_norm": _batch_norm(), "lasso": _lasso()}


def report(results: dict[str, dict[str, float]]) -> str:
    """The Markdown rows for RESULTS.md."""
    lasso_figures = results["lasso"]
    batch_norm_shape = "x".join(map(str, BN_SHAPE))
    return "\n".join([
        comparison_row(f"softmax and mean cross-entropy, {BATCH:,} x {CLASSES} float64 logits",
                       results["softmax"], "torch F.softmax + F.cross_entropy", "–"),
        comparison_row(f"batch norm (training, running statistics), {batch_norm_shape} float64",
                       results["batch_norm"], "torch F.batch_norm", "–"),
        comparison_row(f"lasso by coordinate descent to tol 1e-10, {LASSO_SHAPE[0]:,} x {LASSO_SHAPE[1]}, "
                       f"lambda {LASSO_LAM} ({lasso_figures['nonzero']} weights non-zero; objective "
                       f"{lasso_figures['gap']:.1e} below sklearn's)",
                       lasso_figures, "sklearn Lasso (its default tol 1e-4)", "–"),
    ])
