"""The card on screen: its title, the question, and the answer once revealed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Markdown, Rule, Static

from revise.text.cloze import cloze_numbers
from revise.ui.widgets.demo_panel import DemoPanel
from revise.ui.widgets.drill_form import DrillForm
from revise.ui.widgets.formula_view import FormulaView

if TYPE_CHECKING:
    from revise.cards.model import CardText
    from revise.text.card_markdown import Block, CardSides


def card_title(card: CardText, language: str) -> str:
    """The card's title in the chosen language, both halves when showing both."""
    return {"en": card.title_en, "zh": card.title_zh}.get(language, f"{card.title_en} | {card.title_zh}")


class CardView(VerticalScroll):
    """Scrolls a long answer; the question stays above it."""

    def __init__(self, graphics: str = "text") -> None:
        super().__init__()
        self.graphics, self.language = graphics, "en"
        self.answer_replaces_question = False  # a cloze item's answer is its whole text again

    def compose(self) -> ComposeResult:
        yield Static("", id="card-title")
        yield Vertical(id="front", classes="card-side")
        yield Vertical(id="drill-slot")
        yield Rule(id="divider")
        yield Vertical(id="back", classes="card-side")
        yield Static("", id="done")

    def on_mount(self) -> None:
        """Starts with the answer hidden."""
        self._set_revealed(False)

    def _set_revealed(self, revealed: bool) -> None:
        """Shows or hides the answer and its divider (a cloze item's answer in place of its question)."""
        self.query_one("#divider").display = revealed and not self.answer_replaces_question
        self.query_one("#back").display = revealed
        self.query_one("#front").display = not (revealed and self.answer_replaces_question)

    def show(self, card: CardText, sides: CardSides, language: str, revealed: bool = False) -> None:
        """Shows a card in a language, question up and the answer hidden unless `revealed`."""
        tags = ("  " + " ".join("#" + tag for tag in card.tags), "dim") if card.tags else ""
        demo = ("  ▶ demo: d", "bold") if card.demo else ""
        numbers = cloze_numbers(card.front_en) if card.cloze else []
        cloze = (f"  cloze {numbers.index(card.cloze) + 1}/{len(numbers)}", "dim") if card.cloze in numbers else ""
        # Text, not markup: a title such as `E[X]` keeps its brackets.
        self.query_one("#card-title", Static).update(
            Text.assemble((card.deck, "dim"), "  ", (card_title(card, language), "bold"), cloze, tags, demo))
        self.language = language
        for panel in self.query(DemoPanel):
            panel.set_language(language)
        for form in self.query(DrillForm):
            form.set_language(language)
        self.query_one("#done", Static).display = False
        self.answer_replaces_question = sides.replaces_front
        self._fill("#front", sides.front[language])
        self._fill("#back", sides.back[language])
        self._set_revealed(revealed)
        self.scroll_home(animate=False)
        self.focus()

    def _fill(self, side: str, blocks: list[Block]) -> None:
        """Replaces a side's content with Markdown paragraphs and display formulas."""
        container = self.query_one(side, Vertical)
        container.remove_children()
        container.mount_all(self._block_widgets(blocks))

    def _block_widgets(self, blocks: list[Block]) -> list[Widget]:
        """The widgets for the pieces of a side: a Markdown view per text, a FormulaView per run of formulas."""
        widgets: list[Widget] = []
        for block in blocks:
            if isinstance(block, str):
                widgets.append(Markdown(block))
            elif widgets and isinstance(widgets[-1], FormulaView):
                widgets[-1].formulas.append(block)
            else:
                widgets.append(FormulaView([block], self.graphics))
        return widgets

    def reveal(self) -> None:
        """Shows the answer under the question, and the drill's worked solution if the card has one."""
        self._set_revealed(True)
        for form in self.query(DrillForm):
            form.show_solution()

    def show_drill(self, drill_name: str, seed: int) -> None:
        """Puts a fresh drill under the question (the card's numbers for this review), in place of any other."""
        self.close_drill()
        self.query_one("#drill-slot", Vertical).mount(DrillForm(drill_name, seed, self.language))

    def close_drill(self) -> None:
        """Takes the drill away, if the card had one."""
        self.query(DrillForm).remove()

    def toggle_demo(self, card: CardText) -> None:
        """Opens the card's live demo under it, or closes it if it is open."""
        if not card.demo:
            self.notify("This card has no demo.")
            return
        panels = self.query(DemoPanel)
        if panels:
            panels.remove()
            return
        panel = DemoPanel(card.demo_link, self.graphics, self.language)
        self.mount(panel)
        self.call_after_refresh(self.scroll_to_widget, panel, top=True)

    def close_demo(self) -> None:
        """Takes the demo panel away, if one is open."""
        self.query(DemoPanel).remove()

    def show_done(self, message: str, title: str = "Congratulations: nothing more is due now.") -> None:
        """Replaces the card with the end-of-session message (or another message under its own title)."""
        self.query_one("#card-title", Static).update(Text(title, style="bold"))
        self.close_drill()
        self._set_revealed(False)
        self.query_one("#front").display = False
        done = self.query_one("#done", Static)
        done.update(Text(f"{message}\nPress q to go back."))
        done.display = True
