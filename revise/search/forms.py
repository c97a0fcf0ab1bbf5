"""The other forms a searched text is found by: its other spellings, and the other names of the concept it names.

A search for `regularization` also finds "regularisation", `"mini batch"` finds "mini-batch", `n元语法` finds
"n 元语法", and with a glossary (see `revise.cards.glossary`) `BN` finds 批量归一化 and `暂退法` finds dropout. The query
is expanded, not the index, so that the index stays as it is and a glossary edit needs no reindexing: each searched
text becomes an OR of its forms in the FTS5 expression (see the engine's `text_expression`), at the cost of a few regular
expressions per searched word (kept for the next keystroke) and a dictionary lookup per form.
"""

from __future__ import annotations

import itertools
import re
from functools import lru_cache
from typing import TYPE_CHECKING

from revise.search.folding import CJK
from revise.search.query import All, AnyOf, Node, Not, Query, Text

if TYPE_CHECKING:
    from revise.cards.glossary import Glossary

# A Latin name this short, letters alone, is found where it starts a word when it is another form (`is_short_name`).
SHORT_NAME = 4
# Stems whose American -or is a British -our (color, colour), and whose American -er is a British -re (center, centre).
_OUR = "colo|flavo|favo|hono|humo|labo|neighbo|rumo|vapo|behavio|harbo|odo|rigo|savo|tumo|vigo|endeavo|armo|valo"
_RE = "cent|fib|theat|calib"
# Stems in -al that double the l before -ed and -ing in British spelling (signalled, signaled).
_ALL = "sign|tot|equ|di|riv|ped|marsh"
# American spelling into British, then British into American, each a (pattern, replacement) pair applied to lower-case
# text. -ize is -ise (and -yze -yse) after three letters or more, before e, i or a (optimizer, organizing,
# regularization) or at the end of a word typed so far (`regulariz`); a single l after e (but not ee) doubles before
# -ed, -ing and -er (labeled, modeling, traveler). A rule that misfires (precise → precize) gives a form no text holds.
_TO_BRITISH = tuple((re.compile(pattern), replacement) for pattern, replacement in (
    (r"(?<=[a-z]{3})([iy])z(?=[eia]|(?![a-z]))", r"\1s"),
    (f"({_OUR})r(?!u)", r"\1ur"),
    (f"({_RE})er(?=s?(?![a-z]))", r"\1re"),
    (f"({_RE})er(ed|ing)", r"\1r\2"),
    (r"(?<=[a-z][a-df-z])el(ed|ing|ers?)(?![a-z])", r"ell\1"),
    (f"({_ALL})al(ed|ing)(?![a-z])", r"\1all\2"),
    (r"dgment", "dgement"),
    (r"(?<![a-z])gray", "grey"),
    (r"(?<![a-z])skeptic", "sceptic"),
    (r"(defen|offen|preten|licen)se", r"\1ce"),
    (r"(?<![a-z])learned(?![a-z])", "learnt"),
))
_TO_AMERICAN = tuple((re.compile(pattern), replacement) for pattern, replacement in (
    (r"(?<=[a-z]{3})([iy])s(?=[eia])", r"\1z"),
    (f"({_OUR})ur", r"\1r"),
    (f"({_RE})re(?=s?(?![a-z]))", r"\1er"),
    (f"({_RE})r(ed|ing)", r"\1er\2"),
    (r"(?<=[a-z][a-df-z])ell(ed|ing|ers?)(?![a-z])", r"el\1"),
    (f"({_ALL})all(ed|ing)(?![a-z])", r"\1al\2"),
    (r"dgement", "dgment"),
    (r"(?<![a-z])grey", "gray"),
    (r"(?<![a-z])sceptic", "skeptic"),
    (r"(defen|offen|preten|licen)ce", r"\1se"),
    (r"(?<![a-z])learnt(?![a-z])", "learned"),
    (r"(catal|dial|anal|monol|prol|epil)ogue", r"\1og"),
    (r"programme", "program"),
    (r"practis(?=e|ing)", "practic"),
))
# Ways of joining words and writing sizes: a hyphen, a space or nothing between words (mini-batch, mini batch,
# minibatch); a space or none between Chinese and Latin (n 元语法, n元语法); × or x between digits (3×3, 3x3).
_JOININGS = tuple((re.compile(pattern), replacement) for pattern, replacement in (
    (r"(?<=\w)-(?=\w)", " "),
    (r"(?<=\w)-(?=\w)", ""),
    (f"(?<=[^\\W\\d_{CJK}])\\s(?=[^\\W\\d_{CJK}])", "-"),
    (f"(?<=[{CJK}])\\s+(?=[^\\W_{CJK}])|(?<=[^\\W_{CJK}])\\s+(?=[{CJK}])", ""),
    (f"(?<=[{CJK}])(?=[^\\W_{CJK}])|(?<=[^\\W_{CJK}])(?=[{CJK}])", " "),
    (r"(?<=\d)x(?=\d)", "×"),
    (r"(?<=\d)×(?=\d)", "x"),
))


@lru_cache(maxsize=4096)
def spellings(text: str) -> tuple[str, ...]:
    """The ways of writing a searched text, itself first: in British and American spelling, then each of those with
    words joined otherwise; lower case, each once. Kept for the next keystrokes, which search the same words again."""
    lowered = text.lower()
    spelled = dict.fromkeys([lowered, _rewritten(lowered, _TO_BRITISH), _rewritten(lowered, _TO_AMERICAN)])
    return tuple(dict.fromkeys(joined for form in spelled for joined in [form, *(
        pattern.sub(replacement, form) for pattern, replacement in _JOININGS)]))


def _rewritten(text: str, rules: tuple[tuple[re.Pattern[str], str], ...]) -> str:
    """The text with every rule applied in turn."""
    for pattern, replacement in rules:
        text = pattern.sub(replacement, text)
    return text


def with_other_forms(query: Query, glossary: Glossary | None) -> Query:
    """The query with each searched text given its other forms: its spellings, and every name of the concepts the
    glossary says it names. A run of words that together name a concept (`batch normalization`) becomes that name."""
    return Query(_expanded(query.root, glossary), query.notes) if query.root is not None else query


def _expanded(node: Node, glossary: Glossary | None) -> Node:
    """The node with its texts given their other forms."""
    if isinstance(node, Text):
        return _named(node.value, glossary)
    if isinstance(node, Not):
        return Not(_expanded(node.child, glossary))
    if isinstance(node, AnyOf):
        return AnyOf(tuple(_expanded(child, glossary) for child in node.children))
    if isinstance(node, All):
        children = _names_joined(node.children, glossary)
        return children[0] if len(children) == 1 else All(children)
    return node


def _names_joined(children: tuple[Node, ...], glossary: Glossary | None) -> tuple[Node, ...]:
    """The children expanded, each run of consecutive words that names a concept in the glossary made one text, the
    longest run first (`batch normalization` rather than `batch`)."""
    joined: list[Node] = []
    start = 0
    while start < len(children):
        size = _name_length(children[start:], glossary)
        words = " ".join(child.value for child in children[start:start + size] if isinstance(child, Text))
        joined.append(_named(words, glossary) if size > 1 else _expanded(children[start], glossary))
        start += size
    return tuple(joined)


def _name_length(children: tuple[Node, ...], glossary: Glossary | None) -> int:
    """How many of the first children are words that together name a concept, as many as can; 1 when none do."""
    if glossary is None:
        return 1
    words = [child.value for child in itertools.takewhile(lambda child: isinstance(child, Text),
                                                          children[:glossary.most_words])]
    return next((size for size in range(len(words), 1, -1)
                 if any(map(glossary.other_names, spellings(" ".join(words[:size]))))), 1)


def _named(value: str, glossary: Glossary | None) -> Text:
    """A searched text with its other forms: its spellings, and the names of the concepts any of them names."""
    spelled = spellings(value)
    names = [name for form in spelled for name in glossary.other_names(form)] if glossary else []
    forms = dict.fromkeys([*spelled, *names])
    forms.pop(value.lower(), None)
    return Text(value, tuple(forms))


def is_short_name(form: str) -> bool:
    """Whether a form is a few Latin letters alone (PPL, GRU, ReLU), which a search for parts of words also finds
    inside other words (`ppl` in "applied"): as another form of what was typed, it must start a word (see the engine)."""
    return len(form) <= SHORT_NAME and form.isascii() and form.isalpha()
