"""Reading one card file (the format in docs/card-format.md) into cards, with file:line problems."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from revise.cards.model import CardText, DeckInfo, KnownNames, ParsedFile, Problem, errors
from revise.demo_engine.link import DemoLinkError, parse_demo_link
from revise.errors import excerpt
from revise.text.card_markdown import word_count
from revise.text.cloze import ClozeError, find_clozes, item_id, show_cloze
from revise.text.math_markdown import FENCE, ReadMath, formula_problems, read_math

CARD_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
TAG = re.compile(r"[\w-]+")
SECTIONS = {"Q": "front_en", "问": "front_zh", "A": "back_en", "答": "back_zh"}
# A cloze card's sections: the text with its clozes, and what the answer adds (optional).
CLOZE_SECTIONS = {"Cloze": "front_en", "填空": "front_zh", "Extra": "back_en", "补充": "back_zh"}
OPTIONAL_SECTIONS = ("Extra", "补充")
ALL_SECTIONS = {**SECTIONS, **CLOZE_SECTIONS}
_EXPECTED_SECTIONS = "### Q, ### 问, ### A and ### 答 (or ### Cloze, ### 填空 and ### Extra, ### 补充)"
FIELDS = ("id", "was", "tags", "demo", "drill", "source")
ANSWERS = ("A", "答")
# An answer should take about 10 seconds to check: about 80 words; over 120 is a warning.
AIM_ANSWER_WORDS, MOST_ANSWER_WORDS = 80, 120
DRILL_NAME = re.compile(r"([a-z_][a-z0-9_]*)\.([a-z_][a-z0-9_]*)")
_FIELD_LINE = re.compile(r"([A-Za-z_]+):\s*(.*)")
LINE_BREAK = re.compile(r"\r\n|\r|\n")  # as editors count lines (str.splitlines also breaks at \f, U+2028…)


def bad_id(card_id: str, where: str = "") -> str:
    """The message for an id that is not lowercase letters and digits in hyphen-joined words."""
    place = f" {where}" if where else ""
    return f"bad id `{excerpt(card_id)}`{place}: use lowercase letters, digits and single hyphens"


@dataclass
class _Draft:
    """A card being read: its heading, fields and sections, each with the line it starts on."""

    line: int
    heading: str
    fields: dict[str, tuple[int, str]] = field(default_factory=dict)
    sections: dict[str, tuple[int, list[str]]] = field(default_factory=dict)
    open_section: str | None = None


class _Reporter:
    """Collects the problems of one file; calling it records `path:line: message`."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[Problem] = []

    def __call__(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.path, line, message))

    def warn(self, line: int, message: str) -> None:
        """Records a warning: something to fix that still lets the card load."""
        self.problems.append(Problem(self.path, line, message, warning=True))

    def error_count(self) -> int:
        """How many errors (not warnings) so far."""
        return len(errors(self.problems))


def split_title(heading: str) -> tuple[str, str] | None:
    """Splits `English | 中文` into its two non-empty halves, or None if it is not of that form."""
    parts = [part.strip() for part in heading.split("|")]
    return (parts[0], parts[1]) if len(parts) == 2 and all(parts) else None


def parse_card_file(text: str, path: str, deck: str, known: KnownNames = KnownNames()) -> ParsedFile:
    """Reads a card file's text; `known` says which notes and demos its cards may name.

    A byte-order mark before the deck title (some Windows editors write one) is not part of the text.
    """
    text = text.removeprefix("\ufeff")
    problem = _Reporter(path)
    deck_info: DeckInfo | None = None
    drafts: list[_Draft] = []
    in_fence = False
    seen_title = False

    lines = LINE_BREAK.split(text)
    if lines[-1] == "":
        lines.pop()  # the newline that ends the last line starts no new one
    for number, line in enumerate(lines, start=1):
        draft = drafts[-1] if drafts else None
        if FENCE.match(line):
            in_fence = not in_fence
        if not in_fence and line.startswith("# ") and not seen_title:
            seen_title = True
            titles = split_title(line[2:])
            if titles is None:
                problem(number, "deck title must read `# English title | 中文标题`")
            else:
                deck_info = DeckInfo(deck, *titles)
        elif not in_fence and line.startswith("## "):
            if not seen_title:
                problem(number, "the file must start with the deck title `# English title | 中文标题`")
                seen_title = True
            drafts.append(_Draft(number, line[3:].strip()))
        elif draft is None:
            if line.strip() and not seen_title:
                problem(number, "the file must start with the deck title `# English title | 中文标题`")
                seen_title = True
        elif not in_fence and line.startswith("### "):
            name = line[4:].strip()
            if name not in ALL_SECTIONS:
                problem(number, f"unknown section `### {excerpt(name)}` (expected {_EXPECTED_SECTIONS})")
                draft.open_section = None
            elif name in draft.sections:
                problem(number, f"section `### {name}` appears twice in card at line {draft.line}")
                draft.open_section = None
            else:
                draft.sections[name] = (number, [])
                draft.open_section = name
        elif draft.open_section is not None:
            draft.sections[draft.open_section][1].append(line)
        elif line.strip():
            if draft.sections:
                problem(number, f"text outside a section: start it with {_EXPECTED_SECTIONS}")
                continue
            match = _FIELD_LINE.fullmatch(line.strip())
            if match is None:
                problem(number, f"expected `key: value` ({', '.join(FIELDS)}) or a section heading")
            elif match.group(1) not in FIELDS:
                problem(number, f"unknown key `{excerpt(match.group(1))}` (expected one of: {', '.join(FIELDS)})")
            elif match.group(1) in draft.fields:
                problem(number, f"`{match.group(1)}` given twice")
            else:
                draft.fields[match.group(1)] = (number, match.group(2).strip())

    if not seen_title:
        problem(1, "the file must start with the deck title `# English title | 中文标题`")
    cards = [card for draft in drafts for card in _finish(draft, path, deck, known, problem)]
    cards = _without_duplicate_ids(cards, problem)
    return ParsedFile(deck_info, cards, problem.problems, text)


def _finish(draft: _Draft, path: str, deck: str, known: KnownNames, problem: _Reporter) -> list[CardText]:
    """Checks a draft card and turns it into its review items (one, or one per cloze number of a cloze card), or
    reports why it cannot be one."""
    count_before = problem.error_count()
    titles = split_title(draft.heading)
    if titles is None:
        problem(draft.line, "card heading must read `## English title | 中文标题`")
    id_line, card_id = draft.fields.get("id", (draft.line, ""))
    if "id" not in draft.fields:
        problem(draft.line, "card has no `id:` line")
    elif not CARD_ID.fullmatch(card_id):
        problem(id_line, bad_id(card_id))
    was_line, was = _former_ids(draft, card_id, problem)
    tags_line, tags_text = draft.fields.get("tags", (draft.line, ""))
    tags = tuple(tag for tag in re.split(r"[\s,]+", tags_text) if tag)
    for tag in tags:
        if not TAG.fullmatch(tag):
            problem(tags_line, f"bad tag `{excerpt(tag)}`: use letters, digits, - and _")
    source = draft.fields.get("source")
    if source is not None:
        _check_source(*source, known.sources, problem)
    demo = draft.fields.get("demo")
    if demo is not None:
        _check_demo(*demo, known.demos, problem)
    drill = draft.fields.get("drill")
    if drill is not None:
        _check_drill(*drill, known.demos, problem)
    is_cloze = any(name in CLOZE_SECTIONS for name in draft.sections)
    if is_cloze and (mixed := [name for name in draft.sections if name in SECTIONS]):
        problem(draft.sections[mixed[0]][0], f"`### {mixed[0]}` in a cloze card: a card has either ### Q, ### 问, "
                "### A and ### 答, or ### Cloze, ### 填空 and ### Extra, ### 补充")
    if is_cloze and drill is not None:
        problem(drill[0], "a cloze card has no `drill:` (its worked problem would show what the clozes hide): "
                "put the drill on a question card")
    bodies, maths, numbers = _sections(draft, CLOZE_SECTIONS if is_cloze else SECTIONS, problem)
    if is_cloze and len(numbers) == 2 and numbers["en"] != numbers["zh"]:
        problem(draft.sections["填空"][0], f"the cloze numbers differ: ### Cloze has {_listed(numbers['en'])}, "
                f"### 填空 has {_listed(numbers['zh'])}; each number hides the same part on both sides")
    if problem.error_count() != count_before or titles is None:
        return []
    card = CardText(
        id=card_id, deck=deck, path=path, line=draft.line, title_en=titles[0], title_zh=titles[1],
        tags=tags, demo=demo[1] if demo else None, demo_line=demo[0] if demo else 0,
        drill=drill[1] if drill else None, drill_line=drill[0] if drill else 0,
        source=source[1] if source else None, was=was, was_line=was_line, maths=maths, **bodies,
    )
    if not is_cloze:
        return [card]
    # Each cloze number is a review item. The first takes over the history of the card's own id (a question turned
    # into a cloze keeps its history) or else of what its `was:` names.
    return [replace(card, id=item_id(card_id, number), was=(card_id, *was) if index == 0 else (),
                    was_line=was_line or id_line) for index, number in enumerate(numbers["en"])]


def _sections(draft: _Draft, sections: dict[str, str], problem: _Reporter
              ) -> tuple[dict[str, str], dict[str, ReadMath], dict[str, list[int]]]:
    """The texts of a draft's sections by side (front_en…), their formulas as converted, and for a cloze card the
    cloze numbers of each language's text; a missing or empty required section is a problem."""
    bodies: dict[str, str] = {}
    maths: dict[str, ReadMath] = {}
    numbers: dict[str, list[int]] = {}
    for name, side in sections.items():
        language = side.rpartition("_")[2]
        if name not in draft.sections:
            if name in OPTIONAL_SECTIONS:
                bodies[side] = ""
            else:
                problem(draft.line, f"card has no `### {name}` section")
            continue
        start, lines = draft.sections[name]
        body = "\n".join(lines).strip()
        if not body and name not in OPTIONAL_SECTIONS:
            problem(start, f"section `### {name}` is empty")
        first_line = start + 1 + next((i for i, text in enumerate(lines) if text.strip()), 0)
        shown = body
        if name in CLOZE_SECTIONS and side.startswith("front"):
            try:
                numbers[language] = sorted({cloze.number for cloze in find_clozes(body)})
            except ClozeError as error:
                problem(first_line + error.line, str(error))
                continue
            if body and not numbers[language]:
                problem(start, f"`### {name}` has no cloze: hide a part as `{{{{c1::part}}}}` or "
                        "`{{c1::part::hint}}`")
            shown = show_cloze(body, 0, reveal=False)
        maths[side] = read = read_math(shown, language)
        for offset, message in formula_problems(shown, read):
            problem.warn(first_line + offset, f"{message} (shown as its LaTeX)")
        if name not in SECTIONS or name in ANSWERS:
            if (words := word_count(shown, read.formulas)) > MOST_ANSWER_WORDS:
                problem.warn(first_line, f"{'an answer' if name in ANSWERS else 'a text'} of about {words} words: "
                             f"split the card or trim it to about {AIM_ANSWER_WORDS} (a card should be answerable "
                             "in about 10 seconds)")
        bodies[side] = body
    return bodies, maths, numbers


def _listed(numbers: list[int]) -> str:
    """Cloze numbers as a reader names them: `c1, c2`, or `none`."""
    return ", ".join(f"c{number}" for number in numbers) or "none"


def _former_ids(draft: _Draft, card_id: str, problem: _Reporter) -> tuple[int, tuple[str, ...]]:
    """The ids a `was:` line says the card had before (most recent first), each once, and the line's number."""
    if "was" not in draft.fields:
        return 0, ()
    line, value = draft.fields["was"]
    former = tuple(dict.fromkeys(word for word in re.split(r"[\s,]+", value) if word))
    if not former:
        problem(line, "`was:` is empty: give the card's former ids, e.g. `was: old-id`")
    for old in former:
        if not CARD_ID.fullmatch(old):
            problem(line, bad_id(old, "in `was:`"))
        elif old == card_id:
            problem(line, f"`was:` names the card's own id `{old}`")
    return line, former


def _check_source(line: int, value: str, source_keys: frozenset[str] | None, problem: _Reporter) -> None:
    """A source reads `note-key § section`, and the key must name a known note when the keys are known."""
    key, sep, section = (part.strip() for part in value.partition("§"))
    if not sep or not key or not section:
        problem(line, f"source `{excerpt(value)}` must read `note-key § section`")
    elif source_keys is not None and key not in source_keys:
        problem(line, f"unknown note `{excerpt(key)}` in source (known: {', '.join(sorted(source_keys))})")


def _check_demo(line: int, value: str, demo_names: frozenset[str] | None, problem: _Reporter) -> None:
    """A `demo:` line names a known demo, then `name=value` pairs (their values are checked by `revise check`)."""
    try:
        name = parse_demo_link(value).name
    except DemoLinkError as error:
        problem(line, str(error))
        return
    if demo_names is not None and name not in demo_names:
        problem(line, f"unknown demo `{excerpt(name)}` (known: {', '.join(sorted(demo_names)) or 'none'})")


def _check_drill(line: int, value: str, demo_names: frozenset[str] | None, problem: _Reporter) -> None:
    """A `drill:` line reads `module.name`, the module a known demo (the name itself is checked by `revise check`,
    which imports the module)."""
    match = DRILL_NAME.fullmatch(value)
    if match is None:
        problem(line, f"drill `{excerpt(value)}` must read `demo.drill`, e.g. `drill: conv_size.output_shape`")
    elif demo_names is not None and match.group(1) not in demo_names:
        problem(line, f"unknown demo `{excerpt(match.group(1))}` in drill (known: {', '.join(sorted(demo_names))})")


def _without_duplicate_ids(cards: list[CardText], problem: _Reporter) -> list[CardText]:
    """The cards with each id kept by its first card (a cloze card's items by their card); every later use is
    reported once, naming both lines."""
    first_line: dict[str, int] = {}
    reported: set[int] = set()
    kept = []
    for card in cards:
        line = first_line.setdefault(card.written_id, card.line)
        if line == card.line:
            kept.append(card)
        elif card.line not in reported:
            reported.add(card.line)
            problem(card.line, f"duplicate id `{card.written_id}` (first used at line {line})")
    return kept


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def rewrite_card_id(text: str, old: str, new: str) -> str | None:
    """A card file's text with the card `old` given the id `new`, its `was:` line naming `old` first (a line is
    added after `id:` when there is none); None when no card of the text has the id `old`. Every other byte,
    line endings included, stays as it was."""
    lines = _LINE.findall(text)
    in_fence, in_card, id_at, was_at = False, False, None, None
    for number, line in enumerate(lines):
        body = line.rstrip("\r\n")
        if FENCE.match(body):
            in_fence = not in_fence
        if in_fence:
            continue
        if body.startswith("## "):
            if id_at is not None:
                break
            in_card, was_at = True, None
        elif body.startswith("### "):
            if id_at is not None:
                break
            in_card = False  # a card's fields come before its sections
        elif in_card and (match := _FIELD_LINE.fullmatch(body.strip())):
            if match.group(1) == "id" and match.group(2).strip() == old:
                id_at = number
            elif match.group(1) == "was":
                was_at = number
    if id_at is None:
        return None
    ending = lines[id_at][len(lines[id_at].rstrip("\r\n")):] or _first_ending(lines)
    indent = lines[id_at][:len(lines[id_at]) - len(lines[id_at].lstrip())]
    lines[id_at] = f"{indent}id: {new}{ending}"
    if was_at is not None:
        was_line = lines[was_at]
        former = [word for word in re.split(r"[\s,]+", _FIELD_LINE.fullmatch(was_line.strip()).group(2)) if word]
        was_ending = was_line[len(was_line.rstrip("\r\n")):]
        lines[was_at] = f"{indent}was: {' '.join(dict.fromkeys([old, *former]))}{was_ending}"
    else:
        lines.insert(id_at + 1, f"{indent}was: {old}{ending}")
    return "".join(lines)


def _first_ending(lines: list[str]) -> str:
    """The line ending a file uses (that of its first line), `\\n` for a file of one unended line."""
    first = lines[0] if lines else ""
    return first[len(first.rstrip("\r\n")):] or "\n"
