"""The README's table of demos, made from the demo modules and the bundled cards that link them.

`python -m revise.demo_engine.catalogue README.md` rewrites the table between its two marker lines; a
test checks that the README holds what this module makes, so the table never lists demos by hand.
"""

from __future__ import annotations

import sys
from pathlib import Path

from revise.cards.loader import card_files, load_known_names, read_card_file
from revise.cards.model import CardText
from revise.demo_engine.registry import demo_names, load_demo

START_MARK = "<!-- demo table: made by `make readme`, do not edit by hand -->"
END_MARK = "<!-- end of demo table -->"


def linked_cards(cards_dir: Path) -> dict[str, list[CardText]]:
    """The cards of a folder that link each demo, in course order."""
    known, _ = load_known_names(cards_dir)
    linked: dict[str, list[CardText]] = {name: [] for name in demo_names()}
    for path in card_files(cards_dir):
        for card in read_card_file(path, known).cards:
            if card.demo_link is not None and card.stands_for_card:  # a cloze card once, not once a cloze
                linked.setdefault(card.demo_link.name, []).append(card)
    return linked


def demo_table(cards_dir: Path) -> str:
    """A Markdown table: each demo, what it shows, and the titles of the cards that open it."""
    rows = ["| demo | what it shows | cards that open it |", "| --- | --- | --- |"]
    for name, cards in linked_cards(cards_dir).items():
        demo = load_demo(name)
        titles = ", ".join(dict.fromkeys(card.title_en for card in cards)) or "none yet"
        rows.append(f"| `{name}` | {demo.title_en}: {demo.description_en} | {titles} ({len(cards)}) |")
    return "\n".join(rows)


def with_demo_table(readme: str, cards_dir: Path) -> str:
    """The README text with the demo table between its marker lines made anew."""
    head, start, rest = readme.partition(START_MARK)
    _, end, tail = rest.partition(END_MARK)
    if not start or not end:
        raise ValueError(f"the README has no demo table markers ({START_MARK} ... {END_MARK})")
    return f"{head}{START_MARK}\n{demo_table(cards_dir)}\n{END_MARK}{tail}"


def main(argv: list[str]) -> int:
    """Rewrites the demo table of the README named on the command line, from the bundled cards."""
    from revise.paths import PROJECT_ROOT

    readme = Path(argv[0] if argv else PROJECT_ROOT / "README.md")
    readme.write_text(with_demo_table(readme.read_text(encoding="utf-8"), PROJECT_ROOT / "cards"), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
