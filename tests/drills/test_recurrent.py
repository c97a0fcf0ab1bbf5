"""The recurrent drills against an independent computation, over 1,000 seeds each."""

from __future__ import annotations

import math

import numpy as np

from demos.recurrent import DRILLS

SEEDS = range(1000)
BY_NAME = {drill.name: drill for drill in DRILLS}
BLOCKS = {"rnn": 1, "gru": 3, "lstm": 4}


def test_parameter_counts_are_the_notes_blocks_plus_the_output_layer() -> None:
    for cell, blocks in BLOCKS.items():
        drill = BY_NAME[f"{cell}_parameters"]
        with_output = 0
        for seed in SEEDS:
            instance = drill.instance(seed)
            v = instance.values
            n_x, n_a, n_y = v["input_size"], v["hidden_size"], v["output_size"]
            assert n_x >= 1 and n_a >= 1 and n_y >= 0 and v["steps"] >= 2
            assert "one bias vector" in instance.question_en and "not PyTorch's two" in instance.question_en and str(n_x) in instance.question_en
            assert (f"n_y = {n_y}" in instance.question_en) == (n_y > 0)
            weights = n_a * n_a + n_a * n_x  # W_a[a, x]: n_a rows over the concatenation [a, x]
            expected = blocks * (weights + n_a) + (n_y * n_a + n_y if n_y else 0)
            assert instance.worked.answers["parameters"] == expected
            with_output += n_y > 0
        assert 300 < with_output < 700, "both kinds of question come up"


def test_clipping_scales_the_gradient_to_the_threshold() -> None:
    for seed in SEEDS:
        instance = BY_NAME["clipped_gradient"].instance(seed)
        g, theta = instance.values["gradient"], instance.values["max_norm"]
        assert 2 <= len(g) <= 4 and all(isinstance(x, int) and x != 0 for x in g) and theta > 0
        norm = math.sqrt(sum(x * x for x in g))
        assert norm >= 1.2 * theta, "clipping bites, clearly"
        answers = instance.worked.answers
        assert math.isclose(answers["norm"], norm, rel_tol=1e-9)
        assert math.isclose(answers["scale"], theta / norm, rel_tol=1e-5)
        assert math.isclose(answers["first"], g[0] * theta / norm, rel_tol=1e-5)
        clipped = np.array(g) * answers["scale"]
        assert math.isclose(float(np.linalg.norm(clipped)), theta, rel_tol=1e-5)


def test_a_wrong_answer_is_marked_wrong() -> None:
    instance = BY_NAME["lstm_parameters"].instance(7)
    right = instance.worked.answers["parameters"]
    (torch_count,) = instance.check({"parameters": str(right + 4 * instance.values["hidden_size"])})
    assert not torch_count.right and not torch_count.problem, "PyTorch's two biases are not the notes' count"
    clip = BY_NAME["clipped_gradient"].instance(3)
    marks = clip.check({"norm": "1", "scale": "1", "first": str(clip.values["gradient"][0])})
    assert not any(mark.right for mark in marks)
