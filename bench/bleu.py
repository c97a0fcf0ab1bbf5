"""BLEU: corpus BLEU of 10,000 random sentence pairs, revise's Numba kernels against sacrebleu (no tokenizing)."""

from __future__ import annotations

import numpy as np

from bench.timing import cold_compile_seconds, median_seconds

PAIRS = 10_000
VOCABULARY = 1_000
RUNS = 7
COLD_START = ("import time; t = time.perf_counter(); from demos import bleu; bleu.warm(); "
              "print(time.perf_counter() - t)")


def random_corpus(pairs: int = PAIRS, seed: int = 0) -> tuple[list[list[str]], list[list[str]]]:
    """Seeded references of 20-30 words from a 1,000-word vocabulary, and hypotheses that keep ~70% of them."""
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(VOCABULARY)]
    references, hypotheses = [], []
    for _ in range(pairs):
        reference = rng.integers(0, VOCABULARY, rng.integers(20, 31))
        substitutes = rng.integers(0, VOCABULARY, reference.size)
        hypothesis = np.where(rng.random(reference.size) < 0.7, reference, substitutes)
        references.append([words[i] for i in reference])
        hypotheses.append([words[i] for i in hypothesis[: rng.integers(reference.size - 3, reference.size + 1)]])
    return hypotheses, references


def measure(runs: int = RUNS) -> dict[str, float]:
    """Median seconds for one corpus BLEU, revise (warm) and sacrebleu, after checking that the scores agree."""
    from sacrebleu.metrics import BLEU

    from demos.bleu import corpus_bleu

    hypotheses, references = random_corpus()
    nested_references = [[reference] for reference in references]
    hypothesis_text, reference_text = [" ".join(h) for h in hypotheses], [" ".join(r) for r in references]
    sacre = BLEU(tokenize="none", smooth_method="none", effective_order=False)
    ours = corpus_bleu(hypotheses, nested_references).score
    theirs = sacre.corpus_score(hypothesis_text, [reference_text]).score / 100
    if abs(ours - theirs) > 1e-9:
        raise AssertionError(f"BLEU disagrees with sacrebleu: {ours!r} vs {theirs!r}")
    revise_s, _ = median_seconds(lambda: corpus_bleu(hypotheses, nested_references), runs)
    sacrebleu_s, _ = median_seconds(lambda: sacre.corpus_score(hypothesis_text, [reference_text]), runs)
    return {"revise_s": revise_s, "sacrebleu_s": sacrebleu_s, "ratio": sacrebleu_s / revise_s,
            "bleu": ours, "cold_compile_s": cold_compile_seconds(COLD_START)}


def report(results: dict[str, float]) -> str:
    """The Markdown line for RESULTS.md."""
    return (f"| corpus BLEU, 10k random sentence pairs of 20-30 tokens (first compile "
            f"{results['cold_compile_s']:.1f} s) | {results['revise_s'] * 1000:.1f} ms "
            f"| sacrebleu (tokenize='none'): {results['sacrebleu_s'] * 1000:.0f} ms "
            f"| {results['ratio']:.1f}x faster | 10x faster |")


if __name__ == "__main__":
    print(report(measure()))
