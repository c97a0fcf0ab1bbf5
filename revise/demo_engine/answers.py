"""Reading a drill answer as people write it, and comparing it with the right one.

A field is a whole number, a number compared to some significant figures, a shape (28x28x6), a list of whole
numbers (the boxes kept: 2, 4), or one of some choices. What is typed is read leniently: full-width digits and
Chinese punctuation (`２８，２８`), `×` or `*` between sizes, brackets, `1e-3` and `1/3`; whatever it is,
reading it gives a value or a one-line reason.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

from revise.errors import excerpt

KINDS = ("int", "number", "shape", "list", "choice")
MAX_TYPED = 200  # longer input is not an answer; it is refused before any parsing
_INTEGER = re.compile(r"[+-]?\d{1,3}(,\d{3})+|[+-]?\d+")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?")
_SHAPE_SEPARATORS = re.compile(r"\s*[x×*,;、]\s*|\s+")
# Signs that NFKC leaves alone but people type for minus, times and the Chinese list comma.
_SIGNS = str.maketrans({"−": "-", "–": "-", "×": "x", "✕": "x", "·": "*", "，": ",", "、": ",", "。": "."})


class AnswerError(ValueError):
    """Typed text that cannot be read as the field's kind; the message says what was expected, in one line."""


@dataclass(frozen=True)
class Field:
    """One answer the learner types: its name, its labels, and how it is read and compared."""

    name: str
    label_en: str
    label_zh: str
    kind: str = "int"
    sig_figs: int = 3  # a number is right when it agrees with the answer to this many significant figures
    choices: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"field {self.name}: kind {self.kind!r} is not one of {', '.join(KINDS)}")
        if self.kind == "choice" and len(self.choices) < 2:
            raise ValueError(f"field {self.name}: a choice needs at least two choices")

    def label(self, language: str = "en") -> str:
        """The field's label in a language: "en", "zh", or both halves for any other (the app's "both")."""
        return {"en": self.label_en, "zh": self.label_zh}.get(language, f"{self.label_en} | {self.label_zh}")

    def hint(self) -> str:
        """What to type, in a few words, for the field's placeholder."""
        return {"int": "a whole number", "number": f"a number, {self.sig_figs} significant figures",
                "shape": "a shape, e.g. 28x28x6", "list": "numbers, e.g. 1, 3",
                "choice": " / ".join(self.choices)}[self.kind]

    def read(self, typed: str) -> int | float | tuple[int, ...] | str:
        """The value typed, as this field's kind; AnswerError says why it cannot be read."""
        text = normalise(typed)
        if not text:
            raise AnswerError("nothing typed")
        if len(text) > MAX_TYPED:
            raise AnswerError(f"too long to be an answer ({len(text)} characters)")
        if self.kind == "int":
            return read_integer(text)
        if self.kind == "number":
            return read_number(text)
        if self.kind in ("shape", "list"):
            return read_shape(text, "a shape (write e.g. 28x28x6)" if self.kind == "shape" else
                              "a list of whole numbers (write e.g. 1, 3)")
        return self._read_choice(text)

    def _read_choice(self, text: str) -> str:
        """One of the choices, matched without regard to case or surrounding spaces."""
        wanted = text.casefold()
        for choice in self.choices:
            if choice.casefold() == wanted:
                return choice
        raise AnswerError(f"`{excerpt(text, 30)}` is not one of: {', '.join(self.choices)}")

    def agrees(self, given: int | float | tuple[int, ...] | str, right: int | float | tuple[int, ...] | str) -> bool:
        """Whether a read answer counts as the right one."""
        if self.kind == "number":
            return close_enough(float(given), float(right), self.sig_figs)
        if self.kind in ("shape", "list"):
            return tuple(given) == tuple(right)  # type: ignore[arg-type]
        return given == right

    def show(self, value: int | float | tuple[int, ...] | str) -> str:
        """A right answer as the worked solution writes it: 28x28x6, 6,176, 0.889."""
        if self.kind == "shape":
            return "x".join(str(size) for size in value)  # type: ignore[union-attr]
        if self.kind == "list":
            return ", ".join(str(number) for number in value)  # type: ignore[union-attr]
        if self.kind == "int":
            return f"{int(value):,}"  # type: ignore[arg-type]
        if self.kind == "number":
            return significant(float(value), self.sig_figs)  # type: ignore[arg-type]
        return str(value)


def normalise(typed: str) -> str:
    """The text with full-width forms made plain (NFKC), minus and times signs unified, spaces trimmed."""
    return unicodedata.normalize("NFKC", str(typed)).translate(_SIGNS).strip()


def read_integer(text: str) -> int:
    """A whole number: `6176`, `6,176`, `-3`, or a number with nothing after the point (`28.0`, `2e3`)."""
    compact = text.replace(" ", "").replace("_", "")
    if _INTEGER.fullmatch(compact):
        return int(compact.replace(",", ""))
    try:
        value = read_number(text)
    except AnswerError:
        raise AnswerError(f"`{excerpt(text, 30)}` is not a whole number") from None
    if value != math.floor(value) or abs(value) > 1e15:
        raise AnswerError(f"`{excerpt(text, 30)}` is not a whole number")
    return int(value)


def read_number(text: str) -> float:
    """A number: `0.001`, `1e-3`, `-2.5`, `.5`, or a fraction `1/3`; never inf or nan."""
    compact = text.replace(" ", "").lower()
    numerator, slash, denominator = compact.partition("/")
    try:
        if slash:  # in floats: an exact Fraction of `1e99999999` would take forever to build
            if not (_NUMBER.fullmatch(numerator) and _NUMBER.fullmatch(denominator)):
                raise ValueError
            value = float(numerator) / float(denominator)
        elif _NUMBER.fullmatch(compact):
            value = float(compact)
        else:
            raise ValueError
    except (ValueError, ZeroDivisionError, OverflowError):
        raise AnswerError(f"`{excerpt(text, 30)}` is not a number (write e.g. 0.25, 1e-3 or 1/4)") from None
    if not math.isfinite(value):
        raise AnswerError(f"`{excerpt(text, 30)}` is too large a number")
    return value


def read_shape(text: str, expected: str = "a shape (write e.g. 28x28x6)") -> tuple[int, ...]:
    """Whole numbers separated by x, ×, *, commas or spaces, in brackets or not: `28x28x6`, `(28, 28, 6)`, `2, 4`;
    `expected` says what was wanted when the text is not that."""
    inside = text.strip("()[]{}<> ")
    parts = _SHAPE_SEPARATORS.split(inside)
    if not all(part.isascii() and part.isdigit() for part in parts):
        raise AnswerError(f"`{excerpt(text, 30)}` is not {expected}")
    return tuple(int(part) for part in parts)


def close_enough(given: float, right: float, sig_figs: int) -> bool:
    """Whether `given` is `right` to `sig_figs` significant figures (half a unit in the last place counts)."""
    if right == 0:
        return abs(given) < 1e-9
    last_place = 10 ** (math.floor(math.log10(abs(right))) - sig_figs + 1)
    return abs(given - right) <= last_place / 2 + 1e-12 * abs(right)


def significant(value: float, sig_figs: int = 3) -> str:
    """A number rounded to some significant figures, written plainly where that is short: 0.889, 6180, 1.23e-05."""
    if value == 0 or not math.isfinite(value):
        return str(value)
    rounded = float(f"{value:.{sig_figs}g}")
    exponent = math.floor(math.log10(abs(rounded)))
    if -4 <= exponent < 15:
        return f"{rounded:.{max(0, sig_figs - 1 - exponent)}f}"
    return f"{rounded:.{sig_figs - 1}e}"
