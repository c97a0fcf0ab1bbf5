"""The triplet demo: triplet_loss against a slow reference of torch's formula, its properties, the notes' worked
example in the demo, the easy / semi-hard / hard labels, validation and the demo."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from demos.triplet import DEMO, _classify, run, triplet_loss, warm


def distance_reference(x, y, eps=1e-6):
    """F.pairwise_distance: ||x - y + eps||_2, with eps added to every component."""
    return math.sqrt(sum((a - b + eps) ** 2 for a, b in zip(x, y)))


def loss_reference(anchor, positive, negative, margin):
    """F.triplet_margin_loss with p=2, eps=1e-6, mean reduction, written as a Python loop."""
    rows = [(anchor, positive, negative)] if np.ndim(anchor) == 1 else list(zip(anchor, positive, negative))
    terms = [max(0.0, margin + distance_reference(a, p) - distance_reference(a, n)) for a, p, n in rows]
    return sum(terms) / len(terms)


def test_triplet_loss_matches_the_reference():
    rng = np.random.default_rng(0)
    for _ in range(300):
        count, dim = int(rng.integers(1, 8)), int(rng.integers(1, 12))
        a, p, n = (rng.normal(size=(count, dim)) * rng.choice([0.01, 1.0, 5.0]) for _ in range(3))
        margin = float(rng.uniform(0.01, 3))
        if rng.random() < 0.3:
            a, p, n = a[0], p[0], n[0]
        result = triplet_loss(a, p, n, margin)
        assert isinstance(result, float)
        assert result == pytest.approx(loss_reference(a, p, n, margin), rel=1e-13, abs=1e-15)


def test_the_eps_is_added_to_the_difference_as_torch_does():
    # identical anchor and positive: d(a, p) = ||(eps, eps)|| = sqrt(2) * 1e-6, not 0
    loss = triplet_loss([0.0, 0.0], [0.0, 0.0], [3.0, 4.0], margin=10.0)
    assert loss == pytest.approx(10.0 + math.sqrt(2) * 1e-6 - math.hypot(-3 + 1e-6, -4 + 1e-6), abs=1e-14)


@settings(deadline=None, max_examples=60)
@given(st.integers(0, 2**32 - 1), st.floats(0.01, 3.0))
def test_loss_properties(seed, margin):
    rng = np.random.default_rng(seed)
    a, p, n = (rng.normal(size=(5, 3)) for _ in range(3))
    loss = triplet_loss(a, p, n, margin)
    assert loss >= 0.0
    assert triplet_loss(a, p, n, margin + 0.5) >= loss  # a wider margin never lowers it
    assert triplet_loss(a + 7.0, p + 7.0, n + 7.0, margin) == pytest.approx(loss, abs=1e-9)  # translation
    # swapping positive and negative: the two hinge terms are m + x and m - x, whose sum is at least 2m
    assert loss + triplet_loss(a, n, p, margin) >= 2 * margin - 1e-9


def test_a_far_negative_gives_zero_and_a_coincident_one_gives_the_margin_plus_d_ap():
    assert triplet_loss([0, 0], [0.1, 0], [5, 5], margin=1.0) == 0.0
    d_ap = math.hypot(0.3 + 1e-6, 0.4 + 1e-6)
    assert triplet_loss([0, 0], [-0.3, -0.4], [0, 0], margin=0.2) == pytest.approx(0.2 + d_ap - math.sqrt(2) * 1e-6)


@pytest.mark.parametrize(("d_ap", "d_an", "kind"), [(1.0, 0.5, "hard"), (1.0, 1.2, "semi-hard"),
                                                    (1.0, 2.0, "easy"), (1.0, 1.5, "easy")])
def test_kinds(d_ap, d_an, kind):
    margin = 0.5
    assert _classify(d_ap, d_an, max(0.0, margin + d_ap - d_an)) == kind


@pytest.mark.parametrize(("call", "message"), [
    (lambda: triplet_loss([0, 0], [1, 1], [2, 2], margin=0), r"margin=0: must be a finite number > 0"),
    (lambda: triplet_loss([[0, 0]], [[1, 1, 1]], [[2, 2]]), r"positive has shape \(1, 3\): must be \(1, 2\)"),
    (lambda: triplet_loss([], [], []), r"anchor has shape \(0,\): must hold at least 1 value"),
    (lambda: triplet_loss([0, np.nan], [1, 1], [2, 2]), r"anchor\[1\]=nan: must be finite"),
    (lambda: run(positive="0.5"), r"positive='0.5': must be two numbers x,y"),
    (lambda: run(anchor="9,0"), r"anchor='9,0': must be two numbers x,y from -5 to 5"),
])
def test_bad_input_gives_a_one_line_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# ---- the demo ----

def test_the_default_run_shows_all_three_kinds_and_the_batch_mean():
    warm()
    result = DEMO.run(**DEMO.defaults())
    data = result.data
    assert data["kinds"] == ["semi-hard", "hard", "semi-hard", "easy", "easy", "easy"]
    assert "semi-hard" in result.summary and "0.4324" in result.summary
    negatives = np.array(data["negatives"])
    expected = triplet_loss(np.zeros((6, 2)), np.tile([0.8, 0.3], (6, 1)), negatives, 0.5)
    assert data["mean_loss"] == pytest.approx(expected, rel=1e-15)
    assert f"{expected:.4f}" in result.summary
    assert "2 of the 6 negatives are wrongly judged the same person" in result.summary


def test_the_notes_worked_example_with_squared_distances():
    hard = run(anchor="1,0", positive="0.6,0.3", negative="0.7,0.3", margin=0.2, squared=True)
    assert hard.data["d_ap"] == pytest.approx(0.25) and hard.data["d_an"][0] == pytest.approx(0.18)
    assert hard.data["losses"][0] == pytest.approx(0.27) and hard.data["kinds"][0] == "hard"
    easy = run(anchor="1,0", positive="0.6,0.3", negative="0.4,0.6", margin=0.2, squared=True)
    assert easy.data["losses"][0] == 0.0 and easy.data["kinds"][0] == "easy"
    assert "d²(A,N) = 0.7200" in easy.summary


def test_the_squared_option_compares_squared_distances_without_eps():
    assert triplet_loss([1, 0], [0.6, 0.3], [0.7, 0.3], margin=0.2, squared=True) == pytest.approx(0.27, abs=1e-12)
    assert triplet_loss([1, 0], [0.6, 0.3], [0.4, 0.6], margin=0.2, squared=True) == 0.0
    a, p, n = (np.random.default_rng(seed).normal(size=(4, 3)) for seed in (1, 2, 3))
    terms = [max(0.0, 0.5 + ((x - y) ** 2).sum() - ((x - z) ** 2).sum()) for x, y, z in zip(a, p, n)]
    assert triplet_loss(a, p, n, 0.5, squared=True) == pytest.approx(sum(terms) / 4, rel=1e-13)
    with pytest.raises(ValueError, match="squared="):
        triplet_loss(a, p, n, squared="yes")


def test_dragging_the_negative_changes_its_kind():
    kinds = [run(negative=f"{x},0").data["kinds"][0] for x in (0.5, 1.0, 2.0)]
    assert kinds == ["hard", "semi-hard", "easy"]  # d(A,P) = 0.854, band up to 1.354


def test_the_threshold_decides_verification():
    strict = run(threshold=0.5)
    assert "a different person (a false reject)" in strict.summary and strict.data["false_accepts"] == 0
    assert run(threshold=3.0).data["false_accepts"] == 6
