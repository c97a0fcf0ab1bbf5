"""A card's `demo:` line: the demo's name, then the values the demo opens on (`surface=saddle lr=0.1`).

Values are written as on a shell line, so one holding spaces is quoted: `layers="conv k=5 c=6"`. Reading a
line needs no demo module; checking its values against the demo's parameters (`preset_problems`) does.
"""

from __future__ import annotations

import functools
import shlex
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from revise.cards.model import CardText, Problem


class DemoLinkError(ValueError):
    """A `demo:` line that cannot be read; the message is one line for `revise check`."""


@dataclass(frozen=True)
class DemoLink:
    """The demo a card opens and the parameter values (as written) it opens on."""

    name: str
    values: tuple[tuple[str, str], ...] = ()

    def as_dict(self) -> dict[str, str]:
        """The values by parameter name."""
        return dict(self.values)


@functools.lru_cache(maxsize=1024)
def parse_demo_link(line: str) -> DemoLink:
    """The demo name and `name=value` pairs of a `demo:` line; DemoLinkError says what is wrong with it.

    Cached, as many cards share a line and shlex is slow over a big import.
    """
    try:
        words = shlex.split(line)
    except ValueError:
        raise DemoLinkError(f"`demo: {line}` has an unclosed quote") from None
    if not words:
        raise DemoLinkError("`demo:` is empty")
    name, values = words[0], {}
    for word in words[1:]:
        key, equals, value = word.partition("=")
        key = key.replace("-", "_")
        if not equals or not key.isidentifier():
            raise DemoLinkError(f"`{word}` in `demo: {line}`: write a value as name=value "
                                "(quote values with spaces: layers=\"conv k=5\")")
        if key in values:
            raise DemoLinkError(f"`{key}` is given twice in `demo: {line}`")
        values[key] = value
    return DemoLink(name, tuple(values.items()))


def preset_problems(cards: list[CardText]) -> list[Problem]:
    """Every card whose `demo:` values its demo rejects, as file:line problems; imports the demos it checks."""
    from revise.cards.model import Problem
    from revise.demo_engine.registry import load_demo
    from revise.demo_engine.spec import DemoParamError

    problems = []
    for card in cards:
        link = parse_demo_link(card.demo) if card.demo else None
        if link is None or not link.values:
            continue
        try:
            load_demo(link.name).validate(link.as_dict())
        except DemoParamError as error:
            value = f"={error.value}" if error.value else ""
            problems.append(Problem(card.path, card.demo_line or card.line,
                                    f"demo {link.name}: {error.param}{value}: must be {error.allowed}"))
    return problems
