"""Adam: 10k steps on Rosenbrock from (-1.2, 1) in one `trajectory` call, against a torch.optim.Adam loop."""

from __future__ import annotations

import numpy as np

from bench.timing import cold_compile_seconds, median_seconds
from demos.optimizers import trajectory

STEPS = 10_000
LR = 1e-2
START = (-1.2, 1.0)
RUNS = 7
COLD_CALL = ("import time; from demos.optimizers import trajectory; t = time.perf_counter(); "
             f"trajectory('adam', 'rosenbrock', {START}, {LR}, 1); print(time.perf_counter() - t)")


def torch_adam_path():
    """The final point of torch.optim.Adam with autograd on a float64 2-element tensor, STEPS steps."""
    import torch

    p = torch.tensor(START, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.Adam([p], lr=LR)
    for _ in range(STEPS):
        optimizer.zero_grad()
        ((1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2).backward()
        optimizer.step()
    return p.detach().numpy()


def revise_adam_path():
    """The final point of revise's Adam kernel, STEPS steps in one call."""
    return trajectory("adam", "rosenbrock", START, LR, STEPS)[-1]


def measure(runs: int = RUNS) -> dict[str, float]:
    """Median seconds for revise and torch (same process, after a warm-up call each), checked to agree."""
    revise_adam_path()
    torch_adam_path()
    revise_s, revise_end = median_seconds(revise_adam_path, runs)
    torch_s, torch_end = median_seconds(torch_adam_path, runs)
    np.testing.assert_allclose(revise_end, torch_end, rtol=1e-9)
    return {"revise_s": revise_s, "torch_s": torch_s, "ratio": torch_s / revise_s,
            "cold_compile_s": cold_compile_seconds(COLD_CALL)}


def report(results: dict[str, float]) -> str:
    """The Markdown row for RESULTS.md."""
    return (f"| Adam, 10k steps on Rosenbrock (float64; first compile {results['cold_compile_s']:.1f} s) "
            f"| {results['revise_s'] * 1e3:.2f} ms | torch.optim.Adam + autograd loop: {results['torch_s']:.3f} s "
            f"| {results['ratio']:.0f}x faster | 100x faster |")


if __name__ == "__main__":
    print(report(measure()))
