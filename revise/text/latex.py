"""Converting one LaTeX math formula to plain Unicode text that a terminal can show and a search can find.

A tokenizer splits the formula into commands, braces, `^`, `_`, `&`, spaces and characters; a
recursive-descent parser turns the tokens into a list of pieces, each with a role (letter, number,
operator, bracket, fraction, root, function name, big operator, ...); a layout pass joins the pieces,
deciding where spaces and parentheses are needed for the text to stay unambiguous.

Conventions:
- Scripts use Unicode sub/superscript characters when every character has one (`x_t^2` -> `xₜ²`),
  otherwise `_c`/`^c` for one character, a bracketed group or a single word (`d_model`, `W^[l]`)
  and `_(...)`/`^(...)` for anything else (`e^(zᵢ)`, `_(n times)`); spaces typed inside scripts are dropped.
- Siblings take one style: the subscripts of one letter in one formula that are single words
  (`b_x, b_y, b_h, b_w`, `e_{man} - e_{woman}`), and likewise its superscripts (`W^q, W^k, W^v`), are all
  spelled out when any of them has no Unicode form (`b_x, b_y`, not `bₓ, b_y`).
- A script on a brace group covers the group (`{x^2}^3` -> `(x²)³`); what is set over or under a piece
  is its script (`\\overset{def}{=}` -> `=ᵈᵉᶠ`, `\\underset{x}{\\arg\\min}` -> `argminₓ`, `\\xrightarrow{f}`
  -> `→ᶠ`), a brace's label a subscript (`\\overbrace{a+b}^{n}` -> `(a+b)ₙ`, not a power), and a long arrow
  a superscript of its whole argument (`\\overrightarrow{AB}` -> `(AB)^→`), as fonts lack combining arrows.
- `\\frac{a}{b}` is `a/b`, parenthesising a side that is not a single atom, and the whole fraction
  when a factor or `/` follows it (`(1/m) Σᵢ xᵢ`) or a function name precedes it (`log(p/q)`); a sum in a
  denominator is parenthesised too (`e^(zᵢ)/(Σⱼ e^(zⱼ))`) so nothing after it is misread.
- Matrices are `[a b; c d]`, cells parted by commas where a space would be misread (`(d, -b; -c, a)`);
  `cases` is `{1 if z > 0; 0 otherwise}`, or `{1 若 z > 0; 0 否则}` for a Chinese side.
- `\\mathbf` and `\\boldsymbol` print the plain letter, so that searching for `W` finds a bold `W`.
- Spaces typed in the formula are kept (collapsed), except that the space ending a command name
  is dropped before a bracket and after ∂ or ∇ (`\\partial L` -> `∂L`, `\\sigma (z)` -> `σ(z)`).
- The result is NFC-normalised, so `\\hat{y}` gives the precomposed `ŷ` that a search would type; an
  overline covers every character, spaces included (`x̅ ̅+̅ ̅y̅`).
- Symbols come from unicodeit's table, except `\\sum` -> Σ, `\\phi` -> φ, `\\cdot` -> ·, `\\star` -> ⋆,
  `\\langle` -> ⟨ and `\\lbrack` -> [, chosen to be easy to type and find; `^\\circ` is `°`.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache, partial



class LatexError(ValueError):
    """A formula that cannot be converted; the message says what and where (column) in one line."""


_TOKEN = re.compile(r"\\([A-Za-z]+|[^A-Za-z])?|(\s+)|(.)", re.S)
_SPACES = re.compile(r" {2,}")
_DIGITS = "0123456789"
_MAX_DEPTH = 50

_PAIRS = {"(": ")", "[": "]", "{": "}", "⌊": "⌋", "⌈": "⌉", "⟨": "⟩", "|": "|", "‖": "‖"}
_SCRIPT_PAIRS = {**_PAIRS, "<": ">"}
_FACTORS = {"letter", "number", "group", "sqrt", "frac", "func", "big", "open", "phrase"}
_ATOMIC = {"letter", "number", "group", "sqrt", "func"}

_FUNCTIONS = {
    "log", "ln", "lg", "exp", "sin", "cos", "tan", "cot", "sec", "csc", "sinh", "cosh", "tanh", "coth",
    "arcsin", "arccos", "arctan", "max", "min", "sup", "inf", "lim", "limsup", "liminf", "arg", "det",
    "dim", "ker", "deg", "gcd", "Pr", "argmax", "argmin",
}
_BIG_OPERATORS = {
    "sum": "Σ", "prod": "∏", "coprod": "∐", "int": "∫", "iint": "∬", "iiint": "∭", "oint": "∮",
    "bigcup": "⋃", "bigcap": "⋂", "bigoplus": "⨁", "bigotimes": "⨂", "bigvee": "⋁", "bigwedge": "⋀",
}
_SYMBOL_OVERRIDES = {
    "epsilon": "ε", "varepsilon": "ε", "phi": "φ", "varphi": "φ", "cdot": "·", "langle": "⟨",
    "rangle": "⟩", "lbrack": "[", "rbrack": "]", "lvert": "|", "rvert": "|", "lVert": "‖", "rVert": "‖",
    "dots": "…", "backslash": "⧵", "top": "⊤", "star": "⋆",
    "{": "{", "}": "}", "|": "‖", "%": "%", "$": "$", "_": "_", "&": "&", "#": "#",
}
_SPACING = {",", ";", ":", ">", " ", "\n", "\t", "\r", "quad", "qquad", "enspace", "thinspace", "medspace", "thickspace"}
_IGNORED = {
    "!", "negthinspace", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "biggl", "biggr",
    "Biggl", "Biggr", "displaystyle", "textstyle", "scriptstyle", "scriptscriptstyle", "limits",
    "nolimits", "nonumber", "notag", "hline", "strut", "mathstrut",
}
_EXTRA_ACCENTS = {"widehat": "\u0302", "widetilde": "\u0303", "check": "\u030c"}
_ARROW_ACCENTS = {"overrightarrow": "→", "overleftarrow": "←"}
_EXTENSIBLE_ARROWS = {"xrightarrow": "→", "xleftarrow": "←"}
# Marks that draw a line (over-, under-, double underline), joined up across every character they cover.
_LINE_MARKS = {"\u0305", "\u0332", "\u0333"}
_MAPPED_FONTS = {"mathbb": "mathbb", "mathcal": "mathcal", "mathscr": "mathcal", "mathfrak": "mathfrak", "mathds": "mathds"}
_PLAIN_FONTS = {"mathbf", "boldsymbol", "bm", "mathit", "mathsf", "mathtt", "mathnormal", "pmb", "boxed"}
_TEXT_COMMANDS = {"text", "textrm", "textbf", "textit", "texttt", "textsf", "textnormal", "mathrm", "mbox"}
_FRACTIONS = {"frac", "dfrac", "tfrac", "cfrac"}
_CHAR_DELIMITERS = {"(": "(", ")": ")", "[": "[", "]": "]", "|": "|", ".": "", "/": "/", "<": "⟨", ">": "⟩"}
_COMMAND_DELIMITERS = {
    "{": "{", "}": "}", "lbrace": "{", "rbrace": "}", "|": "‖", "vert": "|", "Vert": "‖", "lvert": "|",
    "rvert": "|", "lVert": "‖", "rVert": "‖", "lfloor": "⌊", "rfloor": "⌋", "lceil": "⌈", "rceil": "⌉",
    "langle": "⟨", "rangle": "⟩", "backslash": "⧵",
}
_MATRIX_DELIMITERS = {
    "matrix": ("", ""), "smallmatrix": ("", ""), "array": ("", ""), "pmatrix": ("(", ")"),
    "bmatrix": ("[", "]"), "Bmatrix": ("{", "}"), "vmatrix": ("|", "|"), "Vmatrix": ("‖", "‖"),
}
_ALIGNED = {
    "aligned", "align", "align*", "split", "gather", "gather*", "gathered", "equation", "equation*",
    "multline", "multline*", "eqnarray", "eqnarray*",
}
_CASES = {"cases", "dcases"}
_SIGNS = ("-", "+", "−", "±", "∓")
# Words that begin a cases condition as written, and what a Chinese side says for the usual ones.
_CASE_WORDS = {"if", "otherwise", "else", "for", "when", "where", "unless", "iff"}
_CHINESE_CASE_WORDS = {"if": "若", "otherwise": "否则", "else": "否则"}
_STOP_COMMANDS = {"right", "end", "\\"}
_SLOTS = {"_": "sub", "^": "sup"}
_UNWANTED_SCRIPTS = {"^*", "^.", "^∫", "^V", "_<", "_>", "^<", "^>"}


@cache
def _replacements() -> dict[str, str]:
    """unicodeit's whole table, keyed by LaTeX source such as `\\mathbb{R}`."""
    from unicodeit.data import REPLACEMENTS  # loaded on first use: the tables cost 20 ms at start-up

    return dict(REPLACEMENTS)


@cache
def _symbols() -> dict[str, str]:
    """Command name -> character for plain symbol commands, with this module's overrides."""
    table = {key[1:]: char for key, char in _replacements().items() if key[1:].isalpha() and key.startswith("\\")}
    return table | _SYMBOL_OVERRIDES


@cache
def _accents() -> dict[str, str]:
    """Command name -> combining mark, from unicodeit's marks and its symbols that are marks."""
    marks = {name: char for name, char in _symbols().items() if _is_combining(char)}
    from unicodeit.data import COMBININGMARKS

    return marks | {key[1:]: mark for key, mark in COMBININGMARKS} | _EXTRA_ACCENTS


@cache
def _script_table(mark: str) -> dict[str, str]:
    """Character -> its subscript (`mark` `_`) or superscript (`^`) form, leaving out misleading ones."""
    from unicodeit.data import SUBSUPERSCRIPTS

    table = {key[1]: char for key, char in SUBSUPERSCRIPTS if key[0] == mark and key not in _UNWANTED_SCRIPTS}
    if mark == "^":
        table |= {"V": "ⱽ", "⊤": "ᵀ", "⊺": "ᵀ", "′": "′"}
    return table


@cache
def _script_chars() -> frozenset[str]:
    """Every sub/superscript character, which accents must not land on."""
    return frozenset(_script_table("_").values()) | frozenset(_script_table("^").values())


def _is_combining(char: str) -> bool:
    """Whether a character is a combining mark that decorates the one before it."""
    return "\u0300" <= char <= "\u036f" or "\u20d0" <= char <= "\u20ff"


class _Token:
    """One token of the source: its kind, its text, its 1-based column, and whether it is a soft space."""

    __slots__ = ("kind", "value", "col", "soft")

    def __init__(self, kind: str, value: str, col: int, soft: bool = False) -> None:
        self.kind, self.value, self.col, self.soft = kind, value, col, soft


class _Item:
    """One piece of output: its text, its role for spacing and grouping, and its rendered scripts."""

    __slots__ = ("base", "kind", "sub", "sup", "soft")

    def __init__(self, base: str, kind: str, soft: bool = False) -> None:
        self.base, self.kind, self.soft = base, kind, soft
        self.sub: str | None = None
        self.sup: str | None = None

    @property
    def scripted(self) -> bool:
        """Whether a sub- or superscript is attached."""
        return self.sub is not None or self.sup is not None

    def render(self, wrap: bool = False) -> str:
        """The text with its scripts, the base parenthesised when `wrap` asks for it."""
        base = f"({self.base})" if wrap else self.base
        return base + (self.sub or "") + (self.sup or "")


def _tokenize(src: str) -> list[_Token]:
    """Split the source into tokens; the space ending a command name is marked soft."""
    tokens: list[_Token] = []
    after_word = False
    for match in _TOKEN.finditer(src):
        name, space, char = match.groups()
        col = match.start() + 1
        if space is not None or char == "~":
            tokens.append(_Token("space", " ", col, soft=after_word and space is not None))
        elif name is not None:
            tokens.append(_Token("cmd", name, col))
        elif char is None:
            raise LatexError(f"lone backslash at column {col}")
        else:
            tokens.append(_Token(char if char in "{}^_&" else "char", char, col))
        after_word = name is not None and name.isalpha()
    return tokens


def _double_script(token: _Token) -> LatexError:
    """The error for a second sub- or superscript on one piece."""
    label = "subscript" if token.kind == "_" else "superscript"
    return LatexError(f"double {label} at column {token.col}")


def _char_item(char: str) -> _Item:
    """The piece for one source or symbol character, its role guessed from the character."""
    if char in _DIGITS:
        return _Item(char, "number")
    if char.isspace():
        return _Item(" ", "space")
    if char in "|‖":
        return _Item(char, "bar")
    if char in _PAIRS:
        return _Item(char, "open")
    if char in _PAIRS.values():
        return _Item(char, "close")
    if char.isalpha() or char in "'′∂∇∞∅":
        return _Item(char, "letter")
    return _Item(char, "op")


def _opener_depth(frames: list[list[_Item]], closer: _Item) -> int:
    """The index of the open frame whose opening bracket `closer` closes, or 0 if none does."""
    for depth in range(len(frames) - 1, 0, -1):
        if _PAIRS.get(frames[depth][0].base) == closer.base:
            return depth
    return 0


def _merge(items: list[_Item]) -> list[_Item]:
    """Turn each matched bracket pair and what it encloses into one group piece."""
    frames: list[list[_Item]] = [[]]
    for item in items:
        depth = _opener_depth(frames, item) if item.kind in ("close", "bar") else 0
        if depth:
            inner = [piece for frame in frames[depth:] for piece in frame]
            del frames[depth:]
            frames[-1].append(_Item(inner[0].render() + _join(inner[1:]) + item.render(), "group"))
        elif item.kind in ("open", "bar"):
            frames.append([item])
        else:
            frames[-1].append(item)
    return [piece for frame in frames for piece in frame]


def _glued(prev: _Item, item: _Item) -> bool:
    """Whether the space ending a command name goes, as LaTeX drops it: before a bracket, after ∂ or ∇."""
    if prev.kind == "func":
        return item.kind in ("group", "open", "frac")
    if prev.kind != "letter" or prev.scripted:
        return False
    return item.kind in ("group", "open") or (prev.base in ("∂", "∇") and item.kind == "letter")


def _auto_space(prev: _Item, item: _Item) -> bool:
    """Whether two pieces written without a space need one to stay readable (`2 log x`, `Σᵢ xᵢ`)."""
    operand = {"letter", "number", "group", "close", "sqrt", "frac", "phrase"}
    if item.kind == "func":
        return prev.kind in operand
    if prev.kind == "func":
        return item.kind in ("letter", "number", "sqrt", "big")
    if item.kind == "big":
        return prev.kind not in ("op", "open", "bar")
    if prev.kind == "big":
        return item.kind not in ("op", "close", "bar")
    return item.kind == "frac" and prev.kind in operand


_PRIMES = ("'", "′", "″")


def _spaced(prev: _Item, item: _Item, gap: str | None) -> bool:
    """Whether a space goes between two neighbouring pieces, given the source gap between them."""
    if item.base in _PRIMES:
        return False
    if gap == "soft" and _glued(prev, item):
        return False
    if gap:
        return prev.kind != "open" and item.kind != "close"
    return _auto_space(prev, item)


def _wrapped(item: _Item, prev: _Item | None, nxt: _Item | None) -> bool:
    """Whether a fraction or root must be parenthesised to keep its neighbours out of it."""
    if item.kind == "sqrt":
        return item.scripted
    if item.kind != "frac":
        return False
    before_factor = nxt is not None and (nxt.kind in _FACTORS or nxt.base == "/")
    after_function = prev is not None and (prev.kind == "func" or prev.base == "/")
    return item.scripted or before_factor or after_function


def _layout(items: list[_Item]) -> list[tuple[_Item, str, bool]]:
    """Each visible piece with its final text and whether a space precedes it."""
    solid: list[_Item] = []
    gaps: list[str | None] = []
    gap = None
    for item in _merge(items):
        if item.kind == "space":
            gap = "soft" if item.soft and gap != "hard" else "hard"
        else:
            solid.append(item)
            gaps.append(gap)
            gap = None
    laid = []
    for i, item in enumerate(solid):
        prev = solid[i - 1] if i else None
        nxt = solid[i + 1] if i + 1 < len(solid) else None
        spaced = prev is not None and _spaced(prev, item, gaps[i])
        laid.append((item, item.render(_wrapped(item, prev, nxt)), spaced))
    return laid


def _join(items: list[_Item], strip: bool = True) -> str:
    """The text of a list of pieces, spaced and collapsed; `strip=False` keeps edge spaces (for `\\text`)."""
    text = "".join((" " if spaced else "") + piece for _, piece, spaced in _layout(items))
    if not strip and items:
        text = (" " if items[0].kind == "space" else "") + text + (" " if items[-1].kind == "space" else "")
    return _SPACES.sub(" ", text)


def _is_blank(items: list[_Item]) -> bool:
    """Whether pieces are only spaces, or none."""
    return all(item.kind == "space" for item in items)


def _is_atom(items: list[_Item]) -> bool:
    """Whether pieces read as one unit next to `/` or `√`: one letter-like run, number, group or root."""
    laid = _layout(items)
    if any(spaced for _, _, spaced in laid):
        return False
    kinds = [item.kind for item, _, _ in laid]
    if len(kinds) <= 1:
        return not kinds or kinds[0] in _ATOMIC
    return all(kind == "letter" for kind in kinds)


def _wrap(items: list[_Item]) -> str:
    """The text of pieces, parenthesised unless they form a single atom."""
    text = _join(items)
    return text if _is_atom(items) else f"({text})"


def _is_word(text: str) -> bool:
    """Whether a text is one word of ASCII letters, digits or Greek letters."""
    return all((c.isascii() and c.isalnum()) or "\u0370" <= c <= "\u03ff" for c in text)


def _is_bracketed(text: str) -> bool:
    """Whether a text is exactly one bracketed group, like `[l-1]` or `(pos,2i)`."""
    close = _SCRIPT_PAIRS.get(text[0])
    if close is None or len(text) < 2:
        return False
    if close == text[0]:
        return text.find(close, 1) == len(text) - 1
    depth = 0
    for i, char in enumerate(text):
        depth += (char == text[0]) - (char == close)
        if depth == 0:
            return i == len(text) - 1
    return False


# Superscripts that are conventionally written at text height (w*, A†, 90°), having no raised Unicode form.
_BARE_SUPERSCRIPTS = {"*": "*", "**": "**", "†": "†", "‡": "‡", "⋆": "⋆", "∘": "°"}


def _script(text: str, mark: str, spelled: bool = False) -> str:
    """A sub- (`mark` `_`) or superscript (`^`) text rendered: Unicode forms if all exist and it is neither to be
    `spelled` out nor words (`_(n times)`), else `_x`/`_(...)`."""
    table = _script_table(mark)
    compact = text.replace(" ", "")
    if mark == "^" and compact in _BARE_SUPERSCRIPTS:
        return _BARE_SUPERSCRIPTS[compact]
    if compact and not spelled and " " not in text and all(char in table for char in compact):
        return "".join(table[char] for char in compact)
    if not text:
        return ""
    if len(text) == 1 or _is_word(text) or _is_bracketed(text):
        return mark + text
    return f"{mark}({text})"


def _mark_each(text: str, mark: str) -> str:
    """Put a combining mark on every visible character of a text (not on spaces or scripts), or a line mark on
    every character, so that the line covers the whole text (`x̅ ̅+̅ ̅y̅`, not a bar on the `+` alone)."""
    line, scripts = mark in _LINE_MARKS, _script_chars()
    return "".join(c if _is_combining(c) or not line and (c.isspace() or c in scripts) else c + mark for c in text)


def _root(index: str, body: list[_Item]) -> _Item:
    """The piece for a square or n-th root: `√x`, `√(x+y)`, `∛x`, `ⁿ√x`, or `(x)^(1/q)` as a last resort."""
    radicand = _wrap(body)
    if index in ("", "3", "4"):
        return _Item({"": "√", "3": "∛", "4": "∜"}[index] + radicand, "sqrt")
    table = _script_table("^")
    if all(char in table for char in index):
        return _Item("".join(table[char] for char in index) + "√" + radicand, "sqrt")
    return _Item(f"({_join(body)})^(1/{index})", "sqrt")


def _fraction(numerator: list[_Item], denominator: list[_Item]) -> _Item:
    """The fraction `a/b`, each side parenthesised unless it is one atom."""
    return _Item(_wrap(numerator) + "/" + _wrap(denominator), "frac")


def _binomial(n: list[_Item], k: list[_Item]) -> _Item:
    """The binomial coefficient of `n` and `k`, as `C(n, k)`."""
    return _Item(f"C({_join(n)}, {_join(k)})", "group")


# Commands that split their group in two, as `{n \choose k}`, and the piece each makes of the halves.
_INFIX = {"choose": _binomial, "over": _fraction}


def _unit(items: list[_Item]) -> _Item:
    """Pieces that take a script as a whole, as one piece: the piece itself if there is one, unscripted; a
    function name if they are function names (`\\arg\\min`); else their text in parentheses (`(x²)³`)."""
    pieces = [item for item, _, _ in _layout(items)]
    if len(pieces) == 1 and not pieces[0].scripted:
        return pieces[0]
    if pieces and all(item.kind == "func" and not item.scripted for item in pieces):
        return _Item(_join(items), "func")
    return _Item(f"({_join(items)})" if pieces else "", "group")


def _is_chinese(char: str) -> bool:
    """Whether a character is a Chinese one."""
    return "\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff"


def _case(cells: list[str], language: str) -> str:
    """One row of a cases environment: `value if condition` or `value otherwise`, in the card's language
    (`value 若 condition`, `value 否则`); a condition that begins with a word of its own keeps it."""
    value = cells[0].rstrip(" ,")
    condition = " ".join(cells[1:]).strip().rstrip(" ,.;")
    if not condition:
        return value
    word, _, rest = condition.partition(" ")
    if word.strip(",:").lower() not in _CASE_WORDS and not _is_chinese(condition[0]):
        word, rest = "if", condition
    if language == "zh":
        word = _CHINESE_CASE_WORDS.get(word.strip(",:").lower(), word)
    return " ".join(part for part in (value, word, rest) if part)


def _environment(name: str, rows: list[list[str]], language: str) -> _Item:
    """The piece for a finished environment: a matrix, a cases block or aligned rows.

    A matrix's cells are parted by commas where a space would be misread: when a cell holds a space, or a
    cell after the first of its row begins with a sign (`(d, -b; -c, a)`, not `(d -b; -c a)`).
    """
    if name in _CASES:
        return _Item("{" + "; ".join(_case(row, language) for row in rows) + "}", "group")
    if name in _ALIGNED:
        return _Item("; ".join(_SPACES.sub(" ", " ".join(row)).strip() for row in rows), "phrase")
    opening, closing = _MATRIX_DELIMITERS[name]
    misread = any(" " in cell for row in rows for cell in row) or any(
        cell.startswith(_SIGNS) for row in rows for cell in row[1:])
    gap = ", " if misread else " "
    body = "; ".join(_SPACES.sub(" ", gap.join(row)).strip() for row in rows)
    return _Item(opening + body + closing, "group" if opening else "phrase")


class _Parser:
    """Recursive-descent parser from tokens to output pieces.

    `spelled` holds the (letter, `_` or `^`) pairs whose scripts are to be spelled out; `styles` gathers, for
    each such pair met, whether its scripts came out spelled, Unicode, or both (see `_converted`).
    """

    def __init__(self, src: str, language: str, spelled: frozenset[tuple[str, str]] = frozenset()) -> None:
        self.tokens = _tokenize(src)
        self.end_col = len(src) + 1
        self.pos = 0
        self.depth = 0
        self.language = language
        self.spelled = spelled
        self.styles: dict[tuple[str, str], set[bool]] = {}

    def peek(self) -> _Token | None:
        """The next token, or None at the end."""
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> _Token | None:
        """Consume and return the next token, or None at the end."""
        token = self.peek()
        self.pos += token is not None
        return token

    def column(self) -> int:
        """The column of the next token (one past the end at the end)."""
        token = self.peek()
        return token.col if token is not None else self.end_col

    def skip_spaces(self) -> None:
        """Move past space tokens."""
        while (token := self.peek()) is not None and token.kind == "space":
            self.pos += 1

    def parse(self) -> str:
        """Convert the whole formula; top-level `&` and `\\\\` act as in an aligned block."""
        rows = self.table(None, 0)
        return _environment("aligned", rows, self.language).base

    def mixed_scripts(self) -> frozenset[tuple[str, str]]:
        """The (letter, mark) pairs whose scripts came out some spelled and some in Unicode."""
        return frozenset(pair for pair, styles in self.styles.items() if len(styles) == 2)

    def enter(self, col: int) -> None:
        """Go one level deeper, refusing formulas nested deeper than any real one."""
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise LatexError(f"formula nested too deeply at column {col}")

    def sequence(self, stop_char: str | None = None) -> list[_Item]:
        """Pieces up to the next closing token (`}`, `&`, `\\\\`, `\\right`, `\\end`, or `stop_char`); a `\\choose`
        or `\\over` among them makes them one piece of the two halves (`{n \\choose k}` -> `C(n, k)`)."""
        self.enter(self.column())
        items: list[_Item] = []
        infix: _Token | None = None
        before: list[_Item] = []
        while (token := self.peek()) is not None and not self.stops(token, stop_char):
            if token.kind == "space":
                self.pos += 1
                items.append(_Item(" ", "space", soft=token.soft))
            elif token.kind in ("^", "_"):
                self.attach(items)
            elif token.kind == "cmd" and token.value in _INFIX:
                if infix is not None:
                    raise LatexError(f"ambiguous \\{token.value} at column {token.col}: brace each part")
                self.pos += 1
                infix, before, items = token, items, []
            else:
                items.extend(self.atom())
        self.depth -= 1
        return items if infix is None else [_INFIX[infix.value](before, items)]

    @staticmethod
    def stops(token: _Token, stop_char: str | None = None) -> bool:
        """Whether a token ends the current sequence."""
        if token.kind in ("}", "&"):
            return True
        if token.kind == "cmd":
            return token.value in _STOP_COMMANDS
        return token.kind == "char" and token.value == stop_char

    def unexpected(self, token: _Token) -> LatexError:
        """The error for a closing token that does not belong where it stands."""
        if token.kind == "}":
            return LatexError(f"unbalanced braces: unexpected }} at column {token.col}")
        if token.kind == "cmd" and token.value == "right":
            return LatexError(f"\\right without \\left at column {token.col}")
        if token.kind == "cmd" and token.value == "end":
            return LatexError(f"\\end without matching \\begin at column {token.col}")
        label = "\\\\" if token.value == "\\" else token.value
        return LatexError(f"unexpected {label} at column {token.col}")

    def attach(self, items: list[_Item]) -> None:
        """Attach a `^` or `_` script to the last piece (or to an empty base at the start)."""
        token = self.take()
        while items and items[-1].kind == "space":
            items.pop()
        if not items:
            items.append(_Item("", "letter"))
        base = items[-1]
        text = self.script(base, self.argument(token), token.kind)
        slot = _SLOTS[token.kind]
        if getattr(base, slot) is not None:
            raise _double_script(token)
        setattr(base, slot, text)

    def script(self, base: _Item, items: list[_Item], mark: str) -> str:
        """A script of `base` rendered, spelled out if its siblings are; noting its style if it is a sibling."""
        text = _join([item for item in items if item.kind != "space"])
        pair = (base.base, mark)
        rendered = _script(text, mark, spelled=pair in self.spelled)
        if base.kind == "letter" and base.base and text and _is_word(text):
            self.styles.setdefault(pair, set()).add(rendered.startswith(mark))
        return rendered

    def script_ahead(self) -> _Token | None:
        """The `^` or `_` that comes next, past any spaces, left unread; None if something else comes."""
        pos = self.pos
        while pos < len(self.tokens) and self.tokens[pos].kind == "space":
            pos += 1
        token = self.tokens[pos] if pos < len(self.tokens) else None
        return token if token is not None and token.kind in _SLOTS else None

    def stack(self, base: list[_Item], below: list[_Item], above: list[_Item], labels: bool = False) -> list[_Item]:
        """`base` with `below` and `above` set under and over it, as one piece whose sub- and superscript they
        are (`argminₓ`, `=ᵈᵉᶠ`); a script written right after it joins them, after a comma, or with `labels`
        is a subscript either way (`(a+b)ₙ`: a label, which as a superscript would read as a power)."""
        scripts = {"_": below, "^": above}
        written: set[str] = set()
        while (token := self.script_ahead()) is not None:
            if token.kind in written:
                raise _double_script(token)
            written.add(token.kind)
            self.skip_spaces()
            self.pos += 1
            mark = "_" if labels else token.kind
            script = self.argument(token)
            scripts[mark] = [*scripts[mark], _char_item(","), *script] if scripts[mark] else script
        piece = _unit(base)
        for mark, items in scripts.items():
            if items:
                setattr(piece, _SLOTS[mark], self.script(piece, items, mark))
        return [piece]

    def atom(self) -> list[_Item]:
        """The pieces of one brace group, command or character (digits run together into a number)."""
        token = self.take()
        if token.kind == "{":
            items = self.braced(token)
            if _is_blank(items):
                return [_Item("", "letter")]
            return self.stack(items, [], []) if self.script_ahead() else items
        if token.kind == "cmd":
            return self.command(token)
        if token.value in _DIGITS:
            return [_Item(token.value + self.more_digits(), "number")]
        return [_char_item(token.value)]

    def more_digits(self) -> str:
        """Consume the rest of a number: digits and a decimal point followed by a digit."""
        digits = ""
        while (token := self.peek()) is not None and token.kind == "char":
            after = self.tokens[self.pos + 1] if self.pos + 1 < len(self.tokens) else None
            decimal = token.value == "." and after is not None and after.kind == "char" and after.value in _DIGITS
            if token.value not in _DIGITS and not decimal:
                break
            digits += token.value
            self.pos += 1
        return digits

    def braced(self, opening: _Token) -> list[_Item]:
        """The pieces inside a `{...}` whose `{` has just been consumed."""
        items = self.sequence()
        closing = self.take()
        if closing is None:
            raise LatexError(f"unbalanced braces: {{ at column {opening.col} is never closed")
        if closing.kind != "}":
            raise self.unexpected(closing)
        return items

    def argument_start(self, owner: _Token) -> _Token:
        """The first token of an argument of `owner`, past spaces, left unread; LatexError if none comes."""
        self.skip_spaces()
        token = self.peek()
        if token is None or token.kind in _SLOTS or self.stops(token):
            name = owner.value if owner.kind in _SLOTS else "\\" + owner.value
            raise LatexError(f"missing argument for {name} at column {owner.col}")
        return token

    def argument(self, owner: _Token) -> list[_Item]:
        """One argument of a command or script: a brace group, a command, or a single character."""
        token = self.argument_start(owner)
        self.enter(token.col)
        self.pos += 1
        if token.kind == "{":
            items = self.braced(token)
        elif token.kind == "cmd":
            items = self.command(token)
        else:
            items = [_char_item(token.value)]
        self.depth -= 1
        return items

    def command(self, token: _Token) -> list[_Item]:
        """The pieces for one command, or LatexError if it is unknown."""
        name = token.value
        if name in _HANDLERS:
            return _HANDLERS[name](self, token)
        if name in _FUNCTIONS:
            return [_Item(name, "func")]
        if name in _BIG_OPERATORS:
            return [_Item(_BIG_OPERATORS[name], "big")]
        if name in _accents():
            return self.accent(token, _accents()[name])
        symbol = _symbols().get(name)
        if symbol is None:
            raise LatexError(f"unknown command \\{name} at column {token.col}")
        return [_char_item(symbol)]

    def fraction(self, token: _Token) -> list[_Item]:
        """`\\frac{a}{b}` as `a/b`, each side parenthesised unless it is one atom."""
        numerator = self.argument(token)
        return [_fraction(numerator, self.argument(token))]

    def binomial(self, token: _Token) -> list[_Item]:
        """`\\binom{n}{k}` as `C(n, k)`."""
        n = self.argument(token)
        return [_binomial(n, self.argument(token))]

    def optional_argument(self, owner: _Token) -> list[_Item]:
        """The pieces of a `[...]` argument if one comes next (spaces left out), else none."""
        self.skip_spaces()
        if (bracket := self.peek()) is None or bracket.kind != "char" or bracket.value != "[":
            return []
        self.pos += 1
        items = [item for item in self.sequence("]") if item.kind != "space"]
        closing = self.take()
        if closing is None:
            raise LatexError(f"\\{owner.value}[ at column {bracket.col} is never closed")
        if closing.kind != "char":
            raise self.unexpected(closing)
        return items

    def skip_argument(self, owner: _Token) -> None:
        """Pass over one argument unread (a colour, a label): a brace group or a single token."""
        token = self.argument_start(owner)
        self.pos += 1
        depth = token.kind == "{"
        while depth:
            if (token := self.take()) is None:
                raise LatexError(f"argument of \\{owner.value} at column {owner.col} is never closed")
            depth += (token.kind == "{") - (token.kind == "}")

    def sqrt(self, token: _Token) -> list[_Item]:
        """`\\sqrt{x}` and `\\sqrt[n]{x}` as roots."""
        index = _join(self.optional_argument(token))
        return [_root(index, self.argument(token))]

    def accent(self, token: _Token, mark: str) -> list[_Item]:
        """An accent or `\\not` as a combining mark on each character of its argument."""
        items = self.argument(token)
        kind = "letter" if _is_atom(items) else "phrase"
        return [_Item(_mark_each(_join(items), mark), kind)]

    def arrow_accent(self, token: _Token) -> list[_Item]:
        """`\\overrightarrow{AB}` as `(AB)^→`, `\\overleftarrow{a}` as `a^←`: one arrow over the whole argument,
        in a form every terminal font has (an empty argument is nothing, as for any accent)."""
        items = self.argument(token)
        if _is_blank(items):
            return [_Item("", "letter")]
        return self.stack(items, [], [_char_item(_ARROW_ACCENTS[token.value])])

    def stacked(self, token: _Token) -> list[_Item]:
        """`\\overset{def}{=}` (or `\\stackrel`) as `=ᵈᵉᶠ`, `\\underset{x}{\\arg\\min}` as `argminₓ`."""
        label = self.argument(token)
        base = self.argument(token)
        return self.stack(base, label, []) if token.value == "underset" else self.stack(base, [], label)

    def extensible_arrow(self, token: _Token) -> list[_Item]:
        """`\\xrightarrow[g]{f}` as `→_gᶠ`: the arrow with its labels as scripts."""
        below = self.optional_argument(token)
        above = self.argument(token)
        return self.stack([_char_item(_EXTENSIBLE_ARROWS[token.value])], below, above)

    def brace(self, token: _Token) -> list[_Item]:
        """`\\underbrace{a+b}_{n}` and `\\overbrace{a+b}^{n}` as `(a+b)ₙ`: the group, labelled."""
        return self.stack(self.argument(token), [], [], labels=True)

    def colour(self, token: _Token) -> list[_Item]:
        """`\\textcolor{red}{x}` as `x`, and `\\color{red}`, which colours what follows, as nothing."""
        self.skip_argument(token)
        return self.argument(token) if token.value == "textcolor" else []

    def unseen(self, token: _Token) -> list[_Item]:
        """`\\phantom{x}` (space the size of x) and `\\label{eq:1}`: nothing."""
        self.skip_argument(token)
        return []

    def modulus(self, token: _Token) -> list[_Item]:
        """`a \\pmod{m}` as `a (mod m)`, `a \\bmod m` as `a mod m`."""
        if token.value == "bmod":
            return [_Item(" ", "space"), _Item("mod", "op"), _Item(" ", "space")]
        return [_Item(" ", "space"), _Item(f"(mod {_join(self.argument(token))})", "group")]

    def mapped_font(self, token: _Token, font: str) -> list[_Item]:
        """`\\mathbb`, `\\mathcal`, ...: each character in unicodeit's styled form when it has one."""
        text = _join(self.argument(token))
        table = _replacements()
        return [_Item("".join(table.get(f"\\{font}{{{c}}}", c) for c in text), "letter")]

    def plain_font(self, token: _Token) -> list[_Item]:
        """`\\mathbf`, `\\boldsymbol`, ...: the argument unchanged, so bold letters stay searchable."""
        return self.argument(token)

    def text(self, token: _Token) -> list[_Item]:
        """`\\text{...}`, `\\mathrm{...}`: the argument verbatim, spaces kept."""
        text = _join(self.argument(token), strip=False)
        return [_Item(text, "phrase" if " " in text else "letter")]

    def operator_name(self, token: _Token) -> list[_Item]:
        """`\\operatorname{softmax}` (or `*`) as a function name."""
        if (star := self.peek()) is not None and star.kind == "char" and star.value == "*":
            self.pos += 1
        return [_Item(_join(self.argument(token)), "func")]

    def spacing(self, token: _Token) -> list[_Item]:
        """A spacing command as one space (`\\hspace` drops its argument)."""
        if token.value == "hspace":
            self.argument(token)
        return [_Item(" ", "space")]

    def ignored(self, token: _Token) -> list[_Item]:
        """Commands that only size or style things: nothing."""
        return []

    def delimiter(self, owner: _Token) -> str:
        """The delimiter after `\\left`, `\\right` or `\\middle` (`.` is none)."""
        self.skip_spaces()
        token = self.take()
        if token is not None and token.kind == "char" and token.value in _CHAR_DELIMITERS:
            return _CHAR_DELIMITERS[token.value]
        if token is not None and token.kind == "cmd" and token.value in _COMMAND_DELIMITERS:
            return _COMMAND_DELIMITERS[token.value]
        raise LatexError(f"missing or unknown delimiter after \\{owner.value} at column {owner.col}")

    def left(self, token: _Token) -> list[_Item]:
        """`\\left( ... \\right)` as the bare delimiters around the content."""
        opening = self.delimiter(token)
        inner = self.sequence()
        closing = self.take()
        if closing is None:
            raise LatexError(f"\\left at column {token.col} has no matching \\right")
        if closing.kind != "cmd" or closing.value != "right":
            raise self.unexpected(closing)
        return [_Item(opening + _join(inner) + self.delimiter(closing), "group")]

    def middle(self, token: _Token) -> list[_Item]:
        """`\\middle|` as a bare delimiter."""
        return [_Item(self.delimiter(token), "op")]

    def environment_name(self, token: _Token) -> str:
        """The `{name}` after `\\begin` or `\\end`."""
        self.skip_spaces()
        opening = self.take()
        name = ""
        while opening is not None and opening.kind == "{" and (char := self.take()) is not None:
            if char.kind == "}" and name:
                return name
            if char.kind != "char" or not (char.value.isalpha() or char.value == "*"):
                break
            name += char.value
        raise LatexError(f"missing or bad environment name after \\{token.value} at column {token.col}")

    def begin(self, token: _Token) -> list[_Item]:
        """`\\begin{env} ... \\end{env}` for matrices, cases and aligned blocks."""
        name = self.environment_name(token)
        if name not in _MATRIX_DELIMITERS and name not in _ALIGNED and name not in _CASES:
            raise LatexError(f"unknown environment {name} at column {token.col}")
        if name == "array":
            self.argument(token)
        self.enter(token.col)
        rows = self.table(name, token.col)
        self.depth -= 1
        return [_environment(name, rows, self.language)]

    def table(self, env: str | None, col: int) -> list[list[str]]:
        """Rows of `&`-separated cells up to `\\end{env}` (or the end of the formula when `env` is None)."""
        rows: list[list[str]] = [[]]
        while True:
            rows[-1].append(_join(self.sequence()))
            token = self.take()
            if token is None and env is None:
                break
            if token is None:
                raise LatexError(f"\\begin{{{env}}} at column {col} has no matching \\end")
            if token.kind == "&":
                continue
            if token.kind == "cmd" and token.value == "\\":
                rows.append([])
                continue
            if env is not None and token.kind == "cmd" and token.value == "end":
                if self.environment_name(token) != env:
                    raise LatexError(f"\\end at column {token.col} does not match \\begin{{{env}}}")
                break
            raise self.unexpected(token)
        if len(rows) > 1 and rows[-1] == [""]:
            rows.pop()
        return rows


_HANDLERS = {
    **dict.fromkeys(_FRACTIONS, _Parser.fraction),
    **dict.fromkeys(_TEXT_COMMANDS, _Parser.text),
    **dict.fromkeys(_PLAIN_FONTS, _Parser.plain_font),
    **{name: partial(_Parser.mapped_font, font=font) for name, font in _MAPPED_FONTS.items()},
    **dict.fromkeys(_SPACING | {"hspace"}, _Parser.spacing),
    **dict.fromkeys(_IGNORED, _Parser.ignored),
    **dict.fromkeys(_ARROW_ACCENTS, _Parser.arrow_accent),
    **dict.fromkeys(_EXTENSIBLE_ARROWS, _Parser.extensible_arrow),
    **dict.fromkeys(("overset", "underset", "stackrel"), _Parser.stacked),
    **dict.fromkeys(("underbrace", "overbrace"), _Parser.brace),
    **dict.fromkeys(("color", "textcolor"), _Parser.colour),
    **dict.fromkeys(("phantom", "hphantom", "vphantom", "label"), _Parser.unseen),
    **dict.fromkeys(("pmod", "bmod"), _Parser.modulus),
    **dict.fromkeys(("binom", "dbinom", "tbinom"), _Parser.binomial),
    "sqrt": _Parser.sqrt,
    "operatorname": _Parser.operator_name,
    "left": _Parser.left,
    "middle": _Parser.middle,
    "begin": _Parser.begin,
}


# Formulas recur (a card's English and Chinese sides share theirs; the bundled cards hold 3,423 formulas, 1,121
# different): each different one is converted once while it stays among this many recently converted.
CONVERTED_KEPT = 4096


def latex_to_unicode(src: str, language: str = "en") -> str:
    """Convert one LaTeX math formula (the text between $...$ or $$...$$) to Unicode text a terminal can show,
    `cases` in the card's `language` (`en` or `zh`)."""
    return _converted(src, language if "cases" in src else "en")


@lru_cache(maxsize=CONVERTED_KEPT)
def _converted(src: str, language: str) -> str:
    """A formula converted (the language matters to `cases` alone, so the sides share the rest); where sibling
    scripts come out in two styles, the formula is read again with them all spelled out."""
    parser = _Parser(src, language)
    text = parser.parse()
    if mixed := parser.mixed_scripts():
        text = _Parser(src, language, mixed).parse()
    return unicodedata.normalize("NFC", _SPACES.sub(" ", text).strip())
