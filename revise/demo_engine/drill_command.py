"""`revise drill`: list the drills, print an instance with its answer and worked solution, or check an answer."""

from __future__ import annotations

import random
import sys
from typing import Any

from revise.demo_engine.drill import DrillError, DrillInstance, Mark, json_safe
from revise.demo_engine.registry import UnknownDemoError, all_drills, load_drill
from revise.errors import printable, stdout_json


def run_drill_command(name: str | None, seed: int | None, answers: list[str], as_json: bool, list_only: bool) -> int:
    """Runs `revise drill`; an unknown drill gives one line and exit 2, a wrong answer exits 0 like a right one."""
    if list_only or name is None:
        for qualified, drill in sorted(all_drills().items()):
            print(f"{qualified:<34} {drill.title_en} | {drill.title_zh}")
        return 0
    try:
        drill = load_drill(name)
        instance = drill.instance(seed if seed is not None else random.randrange(2 ** 31))
    except (DrillError, UnknownDemoError) as error:
        print(f"revise drill: error: {printable(str(error))}", file=sys.stderr)
        return 2
    marks = instance.check(typed_answers(instance, answers)) if answers else None
    print(stdout_json(_data(instance, marks)) if as_json else _text(instance, marks))
    return 0


def typed_answers(instance: DrillInstance, answers: list[str]) -> dict[str, str]:
    """`--answer` values by field: `name=text` names its field, others fill the remaining fields in order."""
    names = [field.name for field in instance.drill.fields]
    typed: dict[str, str] = {}
    for answer in answers:
        key, equals, text = answer.partition("=")
        if equals and key.strip() in names:
            typed[key.strip()] = text
        else:
            free = next((name for name in names if name not in typed), None)
            if free is not None:
                typed[free] = answer
    return typed


def _data(instance: DrillInstance, marks: tuple[Mark, ...] | None) -> dict[str, Any]:
    """The instance (and the verdict on the answers given) as JSON-ready data."""
    drill = instance.drill
    data: dict[str, Any] = {
        "drill": drill.qualified_name, "seed": instance.seed, "values": json_safe(instance.values),
        "question_en": instance.question_en, "question_zh": instance.question_zh,
        "fields": [{"name": field.name, "kind": field.kind, "label_en": field.label_en, "label_zh": field.label_zh}
                   for field in drill.fields],
        "answers": {field.name: field.show(instance.worked.answers[field.name]) for field in drill.fields},
        "solution_en": list(instance.worked.steps_en), "solution_zh": list(instance.worked.steps_zh),
    }
    if marks is not None:
        data["marks"] = {mark.field.name: {"typed": mark.typed, "right": mark.right, "problem": mark.problem}
                         for mark in marks}
        data["all_right"] = all(mark.right for mark in marks)
    return data


def _text(instance: DrillInstance, marks: tuple[Mark, ...] | None) -> str:
    """The instance for a terminal: question in both languages, verdict if answered, answers, worked solution."""
    drill = instance.drill
    lines = [f"{drill.title_en} | {drill.title_zh}  ({drill.qualified_name}, seed {instance.seed})", "",
             instance.question_en, instance.question_zh, ""]
    if marks is not None:
        lines += [*instance.verdict_lines(marks), ""]
    lines += ["Answer / 答案: " + "; ".join(instance.answer_lines()), "", "Worked solution:",
              *(f"  {step}" for step in instance.worked.steps_en), "解答：",
              *(f"  {step}" for step in instance.worked.steps_zh)]
    return "\n".join(printable(line) for line in lines)
