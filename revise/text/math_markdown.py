"""Finding `$...$` and `$$...$$` formulas in card Markdown and replacing them with Unicode text."""

from __future__ import annotations

import re
from dataclasses import dataclass

from revise.errors import excerpt
from revise.text.latex import LatexError, latex_to_unicode

FENCE = re.compile(r"^\s*(```|~~~)")  # a line that opens or closes a fenced code block
_MARKDOWN_SPECIALS = re.compile(r"([\\`*_\[\]<>|~#])")
_DISPLAY_INDENT = "\u2003\u2003"
_DOLLAR = re.compile(r"\\\$|\$")  # an escaped dollar, or a dollar that may open a formula
_INLINE_END = re.compile(r"\\\$|\$|\n\n")  # an inline formula ends at its `$`, or fails at a blank line
_DISPLAY_END = re.compile(r"\\\$|\$\$")
_INLINE_CODE = re.compile(r"`[^`\n]+`")


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
    if "`" not in text and "~" not in text:
        return spans  # no code at all, as in most card sides: not worth splitting into lines
    offset, fence_start = 0, None
    for line in text.splitlines(keepends=True):
        if FENCE.match(line):
            if fence_start is None:
                fence_start = offset
            else:
                spans.append((fence_start, offset + len(line)))
                fence_start = None
        elif fence_start is None:
            spans.extend((offset + m.start(), offset + m.end()) for m in _INLINE_CODE.finditer(line))
        offset += len(line)
    if fence_start is not None:
        spans.append((fence_start, len(text)))
    return spans


def find_formulas(text: str) -> list[Formula]:
    """Every formula in a Markdown text, in order; raises MathSyntaxError on an unclosed `$`.

    One pass over the text: the code spans and the line count both move forward with it, so a text of
    many formulas takes time in proportion to its length.
    """
    formulas: list[Formula] = []
    if "$" not in text:
        return formulas
    code = _code_spans(text)
    next_code = 0  # the first code span that does not end before the current position
    line, counted_to = 0, 0  # the number of newlines in text[:counted_to]
    i = 0
    while (match := _DOLLAR.search(text, i)) is not None:
        i = match.start()
        while next_code < len(code) and code[next_code][1] <= i:
            next_code += 1
        if next_code < len(code) and code[next_code][0] <= i:
            i = code[next_code][1]
            continue
        if match.group() == "\\$":
            i += 2
            continue
        display = text.startswith("$$", i)
        delimiter = "$$" if display else "$"
        end = _closing_dollar(text, i + len(delimiter), delimiter)
        line += text.count("\n", counted_to, i)
        counted_to = i
        if end < 0:
            raise MathSyntaxError(f"unclosed {delimiter} formula", line)
        latex = text[i + len(delimiter):end]
        formulas.append(Formula(latex.strip(), display, i, end + len(delimiter), line))
        i = end + len(delimiter)
    return formulas


def formulas_if_closed(text: str) -> list[Formula]:
    """The text's formulas, or none when a `$` is left open: such a text reads as written (`formula_problems`
    says what to fix)."""
    try:
        return find_formulas(text)
    except MathSyntaxError:
        return []


def _closing_dollar(text: str, start: int, delimiter: str) -> int:
    """The index of the delimiter closing a formula opened before `start`, or -1; inline math stays in its paragraph."""
    pattern = _INLINE_END if delimiter == "$" else _DISPLAY_END
    i = start
    while (match := pattern.search(text, i)) is not None:
        if match.group() == "\\$":
            i = match.end()
        elif match.group() == "\n\n":
            return -1
        else:
            return match.start()
    return -1


@dataclass(frozen=True)
class ReadMath:
    """A text's formulas, each converted once, for rendering and checking it alike (see `read_math`).

    `converted` holds each formula's Unicode, or the LatexError it raised; `error` is an unclosed `$`, in
    which case there are no formulas.
    """

    formulas: tuple[Formula, ...]
    converted: tuple[str | LatexError, ...]
    error: MathSyntaxError | None = None


def read_math(text: str, language: str = "en") -> ReadMath:
    """Finds a text's formulas and converts each to Unicode for a side in `language` (`en` or `zh`), once: sync
    checks a card side with it, then indexes the same side from it, rather than converting every formula again."""
    try:
        formulas = find_formulas(text)
    except MathSyntaxError as error:
        return ReadMath((), (), error)
    converted: list[str | LatexError] = []
    for formula in formulas:
        try:
            converted.append(latex_to_unicode(formula.latex, language))
        except LatexError as error:
            converted.append(error)
    return ReadMath(tuple(formulas), tuple(converted))


def render_math(text: str, for_markdown: bool, read: ReadMath | None = None, language: str = "en") -> str:
    """The text with every formula as Unicode; display formulas get a paragraph of their own.

    A formula the converter cannot read shows as its LaTeX source, and a text with an unclosed `$` as it is
    written: the card still shows (`formula_problems` says what to fix). With `for_markdown`, Markdown's special
    characters in formulas are escaped so that `a_t*b` stays literal. `read` is the text's `read_math`, when
    the caller has it already; else its formulas are read for a side in `language`.
    """
    if read is None:
        read = read_math(text, language)
    if read.error is not None:
        return text.strip("\n ")
    pieces: list[str] = []
    last = 0
    for formula, rendered in zip(read.formulas, read.converted):
        if isinstance(rendered, LatexError):
            rendered = formula.latex
        pieces.append(text[last:formula.start])
        if for_markdown:
            rendered = _MARKDOWN_SPECIALS.sub(r"\\\1", rendered)
        pieces.append(f"\n\n{_DISPLAY_INDENT}{rendered}\n\n" if formula.display else rendered)
        last = formula.end
    pieces.append(text[last:])
    joined = "".join(pieces)
    if not for_markdown:
        joined = joined.replace("\\$", "$")
    return re.sub(r"\n{3,}", "\n\n", joined).strip("\n ")


def formula_text(latex: str, language: str = "en") -> str:
    """A formula as Unicode for a side in `language`, or as its LaTeX source where the converter cannot read it."""
    try:
        return latex_to_unicode(latex, language)
    except LatexError:
        return latex


def formula_problems(text: str, read: ReadMath | None = None) -> list[tuple[int, str]]:
    """Every formula in the text that will not convert, as (line within the text, message); `read` is the
    text's `read_math`, when the caller has it already."""
    if read is None:
        read = read_math(text)
    if read.error is not None:
        return [(read.error.line, str(read.error))]
    return [(formula.line, f"formula ${excerpt(formula.latex)}$: {converted}")
            for formula, converted in zip(read.formulas, read.converted) if isinstance(converted, LatexError)]
