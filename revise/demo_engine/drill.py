"""Drills: worked problems whose numbers are drawn afresh at each review, checked by the demo module's own code.

A demo module declares its drills beside its demo, in `DRILLS`: each has a question in both languages with
named slots, a `draw` that picks sensible values from a random generator, the answer fields, and a `solve`
that computes the answers with the module's public API and writes the worked solution in both languages. A
card names one as `drill: module.name`. The numbers come from a seed made of the card's id and how many
times it has been rated, so they stay the same until the card is rated and change at its next review.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from revise.demo_engine.answers import AnswerError, Field

if TYPE_CHECKING:
    from revise.cards.model import CardText, Problem

Answer = int | float | tuple[int, ...] | str


class DrillError(ValueError):
    """A drill name that names no drill, or a drill that could not make an instance; one line."""


@dataclass(frozen=True)
class Worked:
    """The answers of one drill instance, by field name, and its worked solution, line by line in each language:
    the formula first, then the same with the numbers put in."""

    answers: Mapping[str, Answer]
    steps_en: tuple[str, ...]
    steps_zh: tuple[str, ...]


@dataclass(frozen=True)
class Drill:
    """A worked problem with fresh numbers: see the module docstring. `name` is the short name within its module."""

    name: str
    title_en: str
    title_zh: str
    question_en: str  # str.format template over the drawn values, e.g. "A {n}x{n} input, a {k}x{k} kernel…"
    question_zh: str
    fields: tuple[Field, ...]
    draw: Callable[[Any], dict[str, Any]]  # numpy Generator -> the values (JSON-safe: numbers, strings, lists)
    solve: Callable[..., Worked]  # solve(**values)
    module: str = ""  # filled in by `declare_drills`

    @property
    def qualified_name(self) -> str:
        """The name a card and the command line use: `module.name`."""
        return f"{self.module}.{self.name}"

    def instance(self, seed: int) -> DrillInstance:
        """The problem for this seed: its values, questions and worked answers."""
        import numpy as np

        values = self.draw(np.random.default_rng(seed))
        worked = self.solve(**values)
        missing = {f.name for f in self.fields} - set(worked.answers)
        if missing:
            raise DrillError(f"drill {self.qualified_name} gave no answer for {', '.join(sorted(missing))}")
        return DrillInstance(self, seed, values, self.question_en.format(**values),
                             self.question_zh.format(**values), worked)


@dataclass(frozen=True)
class Mark:
    """How one typed answer fared: the value read (or why it could not be read) and whether it is right."""

    field: Field
    typed: str
    right: bool
    problem: str = ""  # why the text could not be read; empty when it was


@dataclass(frozen=True)
class DrillInstance:
    """One drawn problem of a drill: what the learner is asked, and what the right answers are."""

    drill: Drill
    seed: int
    values: dict[str, Any]
    question_en: str
    question_zh: str
    worked: Worked

    def check(self, typed: Mapping[str, str]) -> tuple[Mark, ...]:
        """Each field's answer as typed, read and compared with the right one."""
        marks = []
        for answer_field in self.drill.fields:
            text = typed.get(answer_field.name, "")
            try:
                given = answer_field.read(text)
            except AnswerError as error:
                marks.append(Mark(answer_field, text, False, str(error)))
                continue
            marks.append(Mark(answer_field, text, answer_field.agrees(given, self.worked.answers[answer_field.name])))
        return tuple(marks)

    def answer_lines(self, language: str = "en") -> list[str]:
        """The right answers, one `label: value` line per field, in the language."""
        return [f"{answer_field.label(language)}: {answer_field.show(self.worked.answers[answer_field.name])}"
                for answer_field in self.drill.fields]

    def verdict_lines(self, marks: tuple[Mark, ...], language: str = "en") -> list[str]:
        """One line per field, in English or Chinese: right, or wrong with what was typed (or why it could not be
        read) and the right answer. What was typed is shown escaped, never as terminal control codes."""
        from revise.errors import printable

        zh, lines = language == "zh", []
        for mark in marks:
            label = mark.field.label("zh" if zh else "en")
            answer = mark.field.show(self.worked.answers[mark.field.name])
            typed = printable(mark.typed.strip())
            if mark.right:
                verdict = f"{typed} 正确" if zh else f"{typed} is right"
            else:
                why = printable(mark.problem) if mark.problem else f"{typed} {'不对' if zh else 'is wrong'}"
                verdict = f"{why}；答案是 {answer}" if zh else f"{why}; the answer is {answer}"
            lines.append(f"{'✓' if mark.right else '✗'} {label}: {verdict}")
        return lines

    def record(self, marks: tuple[Mark, ...]) -> dict[str, Any]:
        """What the review log keeps of an answered instance: the drill, its values, what was typed, the verdict."""
        return {"drill": self.drill.qualified_name, "seed": self.seed, "values": json_safe(self.values),
                "typed": {mark.field.name: mark.typed for mark in marks},
                "right": {mark.field.name: mark.right for mark in marks},
                "all_right": all(mark.right for mark in marks)}


def declare_drills(module: str, *drills: Drill) -> tuple[Drill, ...]:
    """A demo module's `DRILLS`, each told the module it belongs to (for its qualified name)."""
    names = [drill.name for drill in drills]
    if len(set(names)) != len(names):
        raise ValueError(f"{module}: two drills share a name")
    return tuple(replace(drill, module=module.rpartition(".")[2]) for drill in drills)


def drill_problems(cards: list[CardText]) -> list[Problem]:
    """Every card whose `drill:` names no drill of its module, as file:line problems; imports those modules."""
    from revise.cards.model import Problem
    from revise.demo_engine.registry import load_drill

    problems = []
    for card in cards:
        if card.drill:
            try:
                load_drill(card.drill)
            except DrillError as error:
                problems.append(Problem(card.path, card.drill_line or card.line, str(error)))
    return problems


def drill_seed(card_id: str, reviews: int) -> int:
    """The seed of a card's drill after `reviews` ratings: the same numbers until it is rated again."""
    digest = hashlib.sha256(f"{card_id}\x1f{reviews}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def json_safe(value: Any) -> Any:
    """Numbers, strings and lists as JSON holds them (numpy scalars made plain, nan and inf as None)."""
    if isinstance(value, dict):
        return {str(key): json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(item) for item in value]
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    json.dumps(value)
    return value
