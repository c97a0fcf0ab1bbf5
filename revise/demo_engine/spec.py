"""What a demo module declares: its parameters, and the result its run function returns.

Kept free of numba and matplotlib imports, so that listing demos and checking cards stay light.
"""

from __future__ import annotations

import inspect
import math
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure

ParamValue = int | float | str | bool | tuple[str, ...]


class DemoParamError(ValueError):
    """A parameter value out of range or of the wrong type; the message names the parameter, value and range."""

    def __init__(self, message: str, param: str = "", value: str = "", allowed: str = "") -> None:
        super().__init__(message)
        self.param, self.value, self.allowed = param, value, allowed


@dataclass(frozen=True)
class Arg:
    """What a run function's parameter is, written once in its annotation: `Annotated[float, Arg(...)]`.

    The parameter's name and default come from the signature and its kind from the annotated type: int and
    float take `low` and `high` (inclusive), str with `choices` is one of them and without is free text of
    at most `high` characters, tuple[str, ...] is a subset of `choices`, and bool is a switch.
    """

    help_en: str
    help_zh: str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Param:
    """One typed parameter of a demo, with its default and valid range.

    kind: "int" or "float" (bounded by `low` and `high`, inclusive), "choice" (one of `choices`),
    "choices" (a comma-separated subset of `choices`, at least one), "text" (a non-empty string of at most
    `high` characters when `high` is set), or "bool".
    """

    name: str
    kind: str
    default: ParamValue
    help_en: str
    help_zh: str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()

    def describe_range(self) -> str:
        """The valid values in words, for error messages and --help."""
        if self.kind in ("int", "float"):
            return f"from {_number(self.low)} to {_number(self.high)}"
        if self.kind == "choice":
            return f"one of {', '.join(self.choices)}"
        if self.kind == "choices":
            return f"a comma-separated list of {', '.join(self.choices)}"
        if self.kind == "bool":
            return "true or false"
        return f"text of at most {int(self.high)} characters" if self.high else "non-empty text"

    def as_text(self, value: ParamValue) -> str:
        """A value as a learner types it (on the command line, in the form, on a card): sgd,adam for a subset."""
        return ",".join(value) if self.kind == "choices" else str(value)

    def parse(self, raw: Any) -> ParamValue:
        """The value given as text (command line, form) or as a Python value, checked; DemoParamError if invalid."""
        try:
            value = self._convert(raw)
        except (TypeError, ValueError):
            value = None
        if value is None or not self._in_range(value):
            blank = self.kind == "text" and isinstance(value, str) and not value.strip()
            reason = "is blank: it has no words once split on spaces; give" if blank else "must be"
            raise DemoParamError(f"--{self.name.replace('_', '-')} {_show(raw)}: {reason} {self.describe_range()}",
                                 self.name, _show(raw), self.describe_range())
        return value

    def _convert(self, raw: Any) -> ParamValue | None:
        """The raw value in this parameter's type, or None when it has the wrong shape."""
        if self.kind == "int":
            if isinstance(raw, bool) or (isinstance(raw, float) and not raw.is_integer()):
                return None
            return int(raw) if not isinstance(raw, str) else int(raw.strip())
        if self.kind == "float":
            return None if isinstance(raw, bool) else float(raw)
        if self.kind == "bool":
            if isinstance(raw, bool):
                return raw
            return {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}.get(
                str(raw).strip().lower())
        if self.kind == "choices":
            items = raw if isinstance(raw, (list, tuple)) else str(raw).split(",")
            return tuple(str(item).strip() for item in items if str(item).strip())
        return str(raw).strip() if self.kind == "choice" else str(raw)

    def _in_range(self, value: ParamValue) -> bool:
        """Whether a converted value is allowed."""
        if self.kind in ("int", "float"):
            return math.isfinite(value) and self.low <= value <= self.high
        if self.kind == "choice":
            return value in self.choices
        if self.kind == "choices":
            return bool(value) and all(item in self.choices for item in value)
        if self.kind == "text":
            return bool(value.strip()) and (self.high is None or len(value) <= self.high)
        return True


@dataclass(frozen=True)
class Table:
    """A small result table: column headers in English and Chinese, and rows of already formatted cells."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    columns_zh: tuple[str, ...] = ()

    def headers(self, language: str) -> tuple[str, ...]:
        """The column headers in a language ("en", "zh", or "both": English, then Chinese below it)."""
        if language == "zh" and self.columns_zh:
            return self.columns_zh
        if language == "both" and self.columns_zh:
            return tuple(f"{en}\n{zh}" for en, zh in zip(self.columns, self.columns_zh))
        return self.columns

    def to_json(self) -> dict[str, Any]:
        """The table as JSON-ready data."""
        return {"columns": list(self.columns), "columns_zh": list(self.columns_zh),
                "rows": [list(row) for row in self.rows]}


@dataclass
class DemoResult:
    """What a demo run gives back: one or two lines of summary (English and Chinese), a table, a figure, and
    raw data for --json."""

    summary: str
    table: Table
    figure: Figure
    data: dict[str, Any] = field(default_factory=dict)
    summary_zh: str = ""

    def summary_in(self, language: str) -> str:
        """The summary in a language ("en", "zh", or "both": English, then Chinese)."""
        if language == "zh" and self.summary_zh:
            return self.summary_zh
        if language == "both" and self.summary_zh:
            return f"{self.summary}\n{self.summary_zh}"
        return self.summary


@dataclass(frozen=True)
class Demo:
    """A demo as its module declares it: names, descriptions in both languages, parameters and how to run."""

    name: str
    title_en: str
    title_zh: str
    description_en: str
    description_zh: str
    params: Sequence[Param]
    run: Callable[..., DemoResult]
    warm: Callable[[], None]

    def defaults(self) -> dict[str, ParamValue]:
        """Every parameter at its default."""
        return {param.name: param.default for param in self.params}

    def validate(self, values: dict[str, Any]) -> dict[str, ParamValue]:
        """Defaults overlaid with the given values, each checked; raises DemoParamError on the first bad one."""
        by_name = {param.name: param for param in self.params}
        unknown = sorted(set(values) - set(by_name))
        if unknown:
            raise DemoParamError(f"{self.name} has no parameter --{unknown[0].replace('_', '-')} "
                                 f"(it has: {', '.join('--' + p.name.replace('_', '-') for p in self.params)})",
                                 unknown[0], "", f"one of {', '.join(by_name)}")
        return {**self.defaults(), **{name: by_name[name].parse(raw) for name, raw in values.items()}}


def declare_demo(run: Callable[..., DemoResult], warm: Callable[[], None], *, title_en: str, title_zh: str,
                 description_en: str, description_zh: str) -> Demo:
    """A demo named after the module that defines `run`, its parameters read from `run`'s signature."""
    return Demo(name=run.__module__.rsplit(".", 1)[-1], title_en=title_en, title_zh=title_zh,
                description_en=description_en, description_zh=description_zh, params=params_of(run), run=run,
                warm=warm)


def params_of(run: Callable[..., Any]) -> tuple[Param, ...]:
    """The parameters of a run function, each from its `Annotated[type, Arg(...)]` annotation and its default."""
    hints = typing.get_type_hints(run, include_extras=True)
    params = []
    for parameter in inspect.signature(run).parameters.values():
        hint = hints.get(parameter.name)
        marks = [mark for mark in getattr(hint, "__metadata__", ()) if isinstance(mark, Arg)]
        if not marks or parameter.default is inspect.Parameter.empty:
            raise TypeError(f"{run.__module__}.run: parameter `{parameter.name}` needs an Annotated[type, Arg(...)] "
                            "annotation and a default")
        arg, base = marks[0], typing.get_args(hint)[0]
        params.append(Param(parameter.name, _kind(base, arg), parameter.default, arg.help_en, arg.help_zh,
                            arg.low, arg.high, arg.choices))
    return tuple(params)


def _kind(base: type, arg: Arg) -> str:
    """The Param kind of an annotated type: bool, int, float, choice, text or choices."""
    if base is str:
        return "choice" if arg.choices else "text"
    if typing.get_origin(base) is tuple:
        return "choices"
    return {bool: "bool", int: "int", float: "float"}[base]


def _number(value: float | None) -> str:
    """A bound as short text: 3, 0.5, 1e-05."""
    return "any" if value is None else f"{value:g}"


def _show(raw: Any) -> str:
    """A rejected value as the user typed it."""
    if isinstance(raw, (list, tuple)):
        return ",".join(map(str, raw))
    return str(raw) if str(raw).strip() else repr(raw)
