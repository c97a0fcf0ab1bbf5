"""Anki field HTML as revise Markdown: line breaks, emphasis, lists and entities, MathJax as `$...$`; clozes
(`{{c1::...}}`) stay as written, inside MathJax too, for revise reads Anki's cloze syntax."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from html.parser import HTMLParser

# Anki's MathJax (`\(...\)`, `\[...\]`) and its older LaTeX-as-MathJax forms (`[$]...[/$]`, `[$$]...[/$$]`).
MATH = re.compile(r"\\\((?P<inline>.*?)\\\)|\\\[(?P<display>.*?)\\\]"
                  r"|\[\$\](?P<old_inline>.*?)\[/\$\]|\[\$\$\](?P<old_display>.*?)\[/\$\$\]", re.S)
SOUND = re.compile(r"\[sound:[^\]]*\]")
# Stands in for a formula while the text around it is converted, between HTML and Markdown either way.
PLACEHOLDER = re.compile("\ue000(\\d+)\ue001")
_TAG = re.compile(r"<[^>]*>")
BLOCKS = {"div", "p", "br", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table", "tr", "hr"}
EMPHASIS = {"b": "**", "strong": "**", "i": "*", "em": "*", "code": "`"}
HIDDEN = {"script", "style"}


def placeholder(index: int) -> str:
    """The stand-in for the formula at `index`, which neither HTML nor Markdown reads as markup."""
    return f"\ue000{index}\ue001"


def to_markdown(field: str, image_link: Callable[[str], str]) -> str:
    """An Anki field (HTML) as Markdown; `image_link` gives the Markdown for an image's `src`."""
    formulas: list[str] = []

    def set_aside(match: re.Match[str]) -> str:
        """Keeps a formula out of the HTML conversion, to be put back as `$...$` or `$$...$$`."""
        display = match["display"] is not None or match["old_display"] is not None
        latex = next(group for group in match.groups() if group is not None)
        latex = " ".join(html.unescape(_TAG.sub(" ", latex)).split())
        formulas.append(f"\n\n$${latex}$$\n\n" if display else f"${latex}$")
        return placeholder(len(formulas) - 1)

    writer = _MarkdownWriter(image_link)
    writer.feed(MATH.sub(set_aside, SOUND.sub("", field)))
    writer.close()
    text = PLACEHOLDER.sub(lambda match: formulas[int(match[1])], "".join(writer.out))
    lines = [line.rstrip() if re.match(r"\s*(?:- |\d+\. )", line) and line.startswith(" ") else line.strip()
             for line in text.split("\n")]
    lines = ["\\" + line if line.startswith("#") else line for line in lines]  # no line may read as a heading
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


class _MarkdownWriter(HTMLParser):
    """Collects Markdown for the HTML fed to it: blocks as paragraphs, list items as `- ` or `1. `."""

    def __init__(self, image_link: Callable[[str], str]) -> None:
        super().__init__(convert_charrefs=True)
        self.image_link = image_link
        self.out: list[str] = []
        self.lists: list[list[int]] = []  # per open list: [1 if ordered else 0, items so far]
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in HIDDEN:
            self.hidden += 1
        elif tag in BLOCKS:
            self.out.append("\n\n")
        elif tag in EMPHASIS:
            self.out.append(EMPHASIS[tag])
        elif tag in ("ul", "ol"):
            self.lists.append([tag == "ol", 0])
            self.out.append("\n\n" if len(self.lists) == 1 else "")
        elif tag == "li" and self.lists:
            ordered = self.lists[-1]
            ordered[1] += 1
            self.out.append("\n" + "  " * (len(self.lists) - 1) + (f"{ordered[1]}. " if ordered[0] else "- "))
        elif tag == "img" and (source := dict(attrs).get("src")):
            self.out.append(self.image_link(source))
        elif tag in ("td", "th"):
            self.out.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in BLOCKS - {"br", "hr"}:
            self.out.append("\n\n")
        elif tag in EMPHASIS:
            last = self.out[-1] if self.out else ""
            if last.endswith(" "):  # `**bold **` is no emphasis in Markdown: the space goes after the marker
                self.out[-1] = last.rstrip()
            self.out.append(EMPHASIS[tag] + (" " if last.endswith(" ") else ""))
        elif tag in ("ul", "ol") and self.lists:
            self.lists.pop()
            self.out.append("\n\n" if not self.lists else "")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.out.append(re.sub(r"\s+", " ", data.replace("\xa0", " ")).replace("$", "\\$"))
