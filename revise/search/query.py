"""The search language, Anki's: words, "phrases", -negation, or, (groups), tag:, deck:, is:, has:.

Parsing never fails: unbalanced quotes and brackets close themselves, a lone `-` or `or` is dropped, and a
filter it does not know is searched as text, with a note saying so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from revise.search.folding import fold, squeeze

IS_VALUES = ("due", "new", "learn", "review", "suspended", "leech")
HAS_VALUES = ("demo",)
# Limits that keep any query within Python's stack and SQLite's expression depth: brackets nested deeper than
# MAX_DEPTH are ignored, and words and filters past the first MAX_TERMS are dropped, with a note.
MAX_DEPTH, MAX_TERMS = 20, 100
_FILTER = re.compile(r"(?i)^(tag|deck|is|has):(.*)$", re.DOTALL)


@dataclass(frozen=True)
class Text:
    """Text to find in a card: a word (or part of one) or a phrase (its words in order); already folded. A card holding
    any of its other `forms` (other spellings, other names of its concept: see `forms.with_other_forms`) matches too."""

    value: str
    forms: tuple[str, ...] = ()

    @property
    def searched(self) -> tuple[str, ...]:
        """The text and its other forms."""
        return (self.value, *self.forms)


@dataclass(frozen=True)
class Filter:
    """A filter on a card's fields or schedule, such as `tag:cnn` or `is:due`; `value` is lower case."""

    key: str
    value: str


@dataclass(frozen=True)
class Not:
    """Cards that do not match `child`."""

    child: Node


@dataclass(frozen=True)
class All:
    """Cards that match every child."""

    children: tuple[Node, ...]


@dataclass(frozen=True)
class AnyOf:
    """Cards that match at least one child."""

    children: tuple[Node, ...]


Node = Text | Filter | Not | All | AnyOf


def holds_filter(node: Node | None) -> bool:
    """Whether the node is, or contains, a filter (tag:, deck:, is:, has:)."""
    if isinstance(node, Filter):
        return True
    if isinstance(node, Not):
        return holds_filter(node.child)
    return isinstance(node, (All, AnyOf)) and any(map(holds_filter, node.children))


@dataclass(frozen=True)
class Query:
    """A parsed search: its tree (None matches every card), and notes on anything read other than as written."""

    root: Node | None
    notes: tuple[str, ...] = ()

    def has_filters(self) -> bool:
        """Whether any part of the query is a filter (tag:, deck:, is:, has:)."""
        return holds_filter(self.root)

    def parts(self) -> tuple[Node, ...]:
        """The parts a card must match all of: the root's children when it is a conjunction, else the root."""
        return self.root.children if isinstance(self.root, All) else () if self.root is None else (self.root,)

    def ranking_texts(self) -> list[Text]:
        """The texts a card is ranked by: those it must or may contain, not those it must not."""
        found: list[Text] = []

        def visit(node: Node | None) -> None:
            if isinstance(node, Text):
                found.append(node)
            elif isinstance(node, (All, AnyOf)):
                for child in node.children:
                    visit(child)

        visit(self.root)
        return found


@dataclass
class _Tokens:
    """The query cut into tokens: `(`, `)`, `-`, `or`, and atoms (Text or Filter nodes)."""

    items: list[object] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _read_quoted(text: str, start: int) -> tuple[str, int]:
    """The text from the quote at `start` to the closing quote (or the end), and where reading stopped."""
    end = text.find('"', start + 1)
    return (text[start + 1:], len(text)) if end < 0 else (text[start + 1:end], end + 1)


def _atom(word: str, quoted_value: str | None, notes: list[str]) -> Node | None:
    """A word as a filter if it names one, else as text; None for a word that searches for nothing."""
    match = _FILTER.match(word)
    if match:
        key, value = match.group(1).lower(), (quoted_value if quoted_value is not None else match.group(2))
        value = squeeze(value).lower()
        if not value:
            notes.append(f"`{key}:` needs a value, e.g. {key}:{'due' if key == 'is' else 'cnn'}")
            return None
        allowed = {"is": IS_VALUES, "has": HAS_VALUES}.get(key)
        if allowed is None or value in allowed:
            return Filter(key, value)
        notes.append(f"`{key}:{value}` is not a filter ({key}: takes {', '.join(allowed)}); searched as text")
    text = squeeze(fold(word if quoted_value is None else f"{word}{quoted_value}")).strip("*")
    return Text(text) if text else None


def tokenize(text: str) -> _Tokens:
    """Cuts a query into tokens; a quote or bracket that is never closed is closed at the end."""
    tokens, i, depth, terms = _Tokens(), 0, 0, 0

    def add(atom: Node | None) -> None:
        nonlocal terms
        if atom is not None:
            tokens.items.append(atom)
            terms += 1
        elif tokens.items and tokens.items[-1] == "-":
            tokens.items.pop()  # `-tag: cnn` must not exclude cnn: the `-` went with the empty filter

    while i < len(text) and terms <= MAX_TERMS:
        char = text[i]
        if char.isspace():
            i += 1
        elif char == "(":
            if depth < MAX_DEPTH:
                tokens.items.append("(")
            depth, i = depth + 1, i + 1
        elif char == ")" and depth:
            depth, i = depth - 1, i + 1
            if depth < MAX_DEPTH:
                tokens.items.append(")")
        elif char == "-" and i + 1 < len(text) and not text[i + 1].isspace():
            tokens.items.append("-")
            i += 1
        elif char == '"':
            phrase, i = _read_quoted(text, i)
            value = squeeze(fold(phrase))
            add(Text(value) if value else None)
        else:
            start = i
            while i < len(text) and not text[i].isspace() and text[i] != '"' and not (text[i] == ")" and depth):
                i += 1
            word, quoted = text[start:i], None
            if word.endswith(":") and i < len(text) and text[i] == '"':
                quoted, i = _read_quoted(text, i)
            if quoted is None and word.lower() in ("or", "and"):
                tokens.items.append(word.lower())
            else:
                add(None if word == "-" else _atom(word, quoted, tokens.notes))
    if terms > MAX_TERMS:
        tokens.items.pop()
        tokens.notes.append(f"only the first {MAX_TERMS} words and filters are searched")
    return tokens


class _Parser:
    """Recursive descent over the tokens: or binds loosest, then juxtaposition (and), then `-`."""

    def __init__(self, items: list[object]) -> None:
        self.items, self.at = items, 0

    def peek(self) -> object:
        return self.items[self.at] if self.at < len(self.items) else None

    def any_of(self) -> Node | None:
        parts = []
        while self.peek() is not None and self.peek() != ")":
            part = self.all_of()
            if part is not None:
                parts.append(part)
            if self.peek() == "or":
                self.at += 1
        return None if not parts else parts[0] if len(parts) == 1 else AnyOf(tuple(parts))

    def all_of(self) -> Node | None:
        parts = []
        while self.peek() not in (None, ")", "or"):
            if self.peek() == "and":
                self.at += 1
                continue
            part = self.unary()
            if part is not None:
                parts.append(part)
        return None if not parts else parts[0] if len(parts) == 1 else All(tuple(parts))

    def unary(self) -> Node | None:
        negations = 0
        while self.peek() == "-":  # a loop, not recursion, so that a long run of `-` cannot exhaust the stack
            negations, self.at = negations + 1, self.at + 1
        if negations and self.peek() in (None, ")", "or", "and"):
            return None
        token = self.peek()
        self.at += 1
        node: Node | None = token  # type: ignore[assignment]
        if token == "(":
            node = self.any_of()
            if self.peek() == ")":
                self.at += 1
        return Not(node) if node is not None and negations % 2 else node


def parse(text: str) -> Query:
    """Parses a search; any input gives a query, never an error."""
    tokens = tokenize(text)
    return Query(_Parser(tokens.items).any_of(), tuple(tokens.notes))
