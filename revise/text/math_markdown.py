"""Finding `$...$` and `$$...$$` formulas in card Markdown and replacing them with Unicode text."""

from __future__ import annotations

import re
from dataclasses import dataclass

from revise.text.latex import LatexError, latex_to_unicode

_FENCE = re.compile(r"^\s*(```|~~~)")
_MARKDOWN_SPECIALS = re.compile(r"([\\`*_\[\]<>|~#])")
_DISPLAY_INDENT = "\u2003\u2003"


@dataclass(frozen=True)
class Formula:
    """One formula in a text: its LaTeX, whether it is a display formula, and where it stands."""

    latex: str
    display: bool
    start: int
    end: int
    line: int


class MathSyntaxError(ValueError):
    """A `$` that opens a formula and never closes; `line` is counted from 0 within the text."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


def _code_spans(text: str) -> list[tuple[int, int]]:
    """The character ranges of fenced code blocks and inline code, where `$` is not math."""
    spans: list[tuple[int, int]] = []
    offset, fence_start = 0, None
    for line in text.splitlines(keepends=True):
        if _FENCE.match(line):
            if fence_start is None:
                fence_start = offset
            else:
                spans.append((fence_start, offset + len(line)))
                fence_start = None
        elif fence_start is None:
            spans.extend((offset + m.start(), offset + m.end()) for m in re.finditer(r"`[^`\n]+`", line))
        offset += len(line)
    if fence_start is not None:
        spans.append((fence_start, len(text)))
    return spans


def find_formulas(text: str) -> list[Formula]:
    """Every formula in a Markdown text, in order; raises MathSyntaxError on an unclosed `$`."""
    code = _code_spans(text)
    formulas: list[Formula] = []
    i = 0
    while i < len(text):
        inside_code = next((end for start, end in code if start <= i < end), None)
        if inside_code is not None:
            i = inside_code
            continue
        if text.startswith("\\$", i):
            i += 2
            continue
        if text[i] != "$":
            i += 1
            continue
        display = text.startswith("$$", i)
        delimiter = "$$" if display else "$"
        end = _closing_dollar(text, i + len(delimiter), delimiter)
        line = text.count("\n", 0, i)
        if end < 0:
            raise MathSyntaxError(f"unclosed {delimiter} formula", line)
        latex = text[i + len(delimiter):end]
        formulas.append(Formula(latex.strip(), display, i, end + len(delimiter), line))
        i = end + len(delimiter)
    return formulas


def _closing_dollar(text: str, start: int, delimiter: str) -> int:
    """The index of the delimiter closing a formula opened before `start`, or -1; inline math stays in its paragraph."""
    i = start
    while i < len(text):
        if text.startswith("\\$", i):
            i += 2
            continue
        if text.startswith(delimiter, i):
            return i
        if delimiter == "$" and text.startswith("\n\n", i):
            return -1
        i += 1
    return -1


def render_math(text: str, for_markdown: bool) -> str:
    """The text with every formula as Unicode; display formulas get a paragraph of their own.

    With `for_markdown`, Markdown's special characters in formulas are escaped so that `a_t*b` stays literal.
    """
    pieces: list[str] = []
    last = 0
    for formula in find_formulas(text):
        pieces.append(text[last:formula.start])
        rendered = latex_to_unicode(formula.latex)
        if for_markdown:
            rendered = _MARKDOWN_SPECIALS.sub(r"\\\1", rendered)
        pieces.append(f"\n\n{_DISPLAY_INDENT}{rendered}\n\n" if formula.display else rendered)
        last = formula.end
    pieces.append(text[last:])
    joined = "".join(pieces)
    if not for_markdown:
        joined = joined.replace("\\$", "$")
    return re.sub(r"\n{3,}", "\n\n", joined).strip("\n ")


def formula_problems(text: str) -> list[tuple[int, str]]:
    """Every formula in the text that will not convert, as (line within the text, message)."""
    try:
        formulas = find_formulas(text)
    except MathSyntaxError as error:
        return [(error.line, str(error))]
    problems = []
    for formula in formulas:
        try:
            latex_to_unicode(formula.latex)
        except LatexError as error:
            problems.append((formula.line, f"formula ${formula.latex}$: {error}"))
    return problems
