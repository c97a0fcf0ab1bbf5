"""Shared fixtures: a small card folder written fresh for each test, and a collection on a real SQLite file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

from revise.collection import Collection

# Property tests draw the same examples on every run (and keep no database of past failures), so that the suite
# cannot pass on one machine and fail on the next by chance; a property worth exploring further gets more
# examples in its own @settings.
settings.register_profile("repeatable", derandomize=True, database=None)
settings.load_profile("repeatable")

DECK = """\
# Optimisation | 优化

## Gradient descent | 梯度下降
id: gd-update
tags: optimisation gradient-descent
source: revision-notes § 梯度下降

### Q
Write the gradient-descent update.

### 问
写出梯度下降的更新式。

### A
$$\\theta \\leftarrow \\theta - \\alpha \\nabla_\\theta J(\\theta)$$
Step against the gradient.

### 答
$$\\theta \\leftarrow \\theta - \\alpha \\nabla_\\theta J(\\theta)$$
沿梯度反方向走一小步。

## Adam bias correction | Adam 偏差修正
id: adam-bias
demo: optimizers

### Q
Why does Adam correct $m_t$ and $v_t$?

### 问
Adam 为什么要修正 $m_t$ 和 $v_t$?

### A
$\\hat{v}_t = \\frac{v_t}{1-\\beta_2^t}$ undoes the pull towards zero of the zero start.

### 答
$\\hat{v}_t = \\frac{v_t}{1-\\beta_2^t}$ 抵消从零开始带来的偏小。

## Momentum | 动量
id: momentum

### Q
What does momentum average?

### 问
动量对什么取平均?

### A
The recent gradients, exponentially weighted.

### 答
最近的梯度(指数加权)。
"""

SOURCES = """\
[revision-notes]
file = "000_7c689623c9d58ab5.txt"
title = "Super Machine Learning Revision Notes"
"""


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Keeps the developer's own database, card folder, settings file and editor out of every test."""
    monkeypatch.setenv("REVISE_DB", str(tmp_path / "default.db"))
    monkeypatch.setenv("REVISE_CONFIG", str(tmp_path / "revise.toml"))
    monkeypatch.delenv("REVISE_CARDS", raising=False)
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.delenv("EDITOR", raising=False)


@pytest.fixture
def cards_dir(tmp_path: Path) -> Path:
    """A card folder with one three-card deck and the list of notes."""
    folder = tmp_path / "cards"
    folder.mkdir()
    (folder / "optimisation.md").write_text(DECK, encoding="utf-8")
    (folder / "sources.toml").write_text(SOURCES, encoding="utf-8")
    return folder


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """Where the test's database file goes."""
    return tmp_path / "test.db"


@pytest.fixture
def collection(db_path: Path, cards_dir: Path):
    """A synced collection on a real SQLite file, closed after the test."""
    opened = Collection(db_path, cards_dir)
    opened.sync()
    yield opened
    opened.close()


def touch_later(path: Path) -> None:
    """Moves a file's modification time forward so sync sees it as changed even within one clock tick."""
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10_000_000))
