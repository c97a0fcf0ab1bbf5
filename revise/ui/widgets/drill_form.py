"""A drill under a card's question: its numbers, a field per answer, then each answer marked and the worked solution."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Input, Label, Static

from revise.ui.work import WorkFailed, backend_work

if TYPE_CHECKING:
    from revise.demo_engine.drill import DrillInstance, Mark

FIELD_ID_PREFIX = "answer-"  # an answer field's id is this and the field's name


class DrillForm(Vertical):
    """Draws a drill instance in a worker, asks for its answers, and checks them when Enter is pressed."""

    BINDINGS = [Binding("escape", "leave", "Leave the answers", show=False)]

    @dataclass
    class Prepared(Message):
        """The instance is drawn (its module imported and warm): the form can ask."""

        instance: DrillInstance

    @dataclass
    class Checked(Message):
        """The answers were checked: each field's mark, all right or not, and the record the log keeps."""

        instance: DrillInstance
        marks: tuple[Mark, ...]

    def __init__(self, drill_name: str, seed: int, language: str = "en") -> None:
        super().__init__()
        self.drill_name, self.seed, self.language = drill_name, seed, language
        self.instance: DrillInstance | None = None
        self.marks: tuple[Mark, ...] | None = None

    def compose(self) -> ComposeResult:
        yield Static(Text("Drill: preparing fresh numbers…", style="dim"), id="drill-question")
        yield Horizontal(id="drill-fields")
        yield Static("", id="drill-verdict")
        yield Static("", id="drill-solution")

    def on_mount(self) -> None:
        """Draws the instance off the UI thread (importing the demo module may compile its kernels)."""
        self.query_one("#drill-solution").display = False
        self.prepare()

    @backend_work("drill", exclusive=True)
    def prepare(self) -> None:
        """Imports and warms the drill's module, then draws the instance for this seed."""
        from revise.demo_engine.registry import load_drill, ready_demo

        drill = load_drill(self.drill_name)
        ready_demo(drill.module)
        self.post_message(self.Prepared(drill.instance(self.seed)))

    def on_work_failed(self, message: WorkFailed) -> None:
        """The drill could not be drawn: says why in its place; the card can still be revealed and rated."""
        message.stop()
        self.query_one("#drill-question", Static).update(
            Text(f"The drill could not be prepared: {message.error}", style="red"))

    async def on_drill_form_prepared(self, message: Prepared) -> None:
        """Shows the question and one field per answer, the first one focused."""
        message.stop()
        self.instance = message.instance
        self._show_question()
        fields = self.query_one("#drill-fields", Horizontal)
        await fields.mount_all(
            Vertical(Label(field.label(self.language)), Input(placeholder=field.hint(), id=FIELD_ID_PREFIX + field.name,
                                                      compact=True, max_length=200), classes="drill-field")
            for field in message.instance.drill.fields)
        self.query(Input).first().focus()

    def _show_question(self) -> None:
        """The question with its numbers, in the language (both, one under the other, for "both")."""
        if self.instance is None:
            return
        lines = {"en": [self.instance.question_en], "zh": [self.instance.question_zh]}.get(
            self.language, [self.instance.question_en, self.instance.question_zh])
        heading = (f"练习 · {self.instance.drill.title_zh}" if self.language == "zh"
                   else f"Drill · {self.instance.drill.title_en}")
        self.query_one("#drill-question", Static).update(Text.assemble((heading + "\n", "bold"), "\n".join(lines)))

    def set_language(self, language: str) -> None:
        """Redraws the question, labels and solution in another language."""
        self.language = language
        self._show_question()
        if self.instance is not None:
            for label, field in zip(self.query(Label), self.instance.drill.fields):
                label.update(field.label(self.language))
        if self.marks is not None:
            self._show_verdict()
        if self.marks is not None or self.query_one("#drill-solution").display:
            self.show_solution()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        """Enter checks every answer at once (or moves on to the next empty field; in an empty one it waits)."""
        event.stop()
        if self.instance is None or self.marks is not None or not event.value.strip():
            return  # nothing typed yet: Escape then Space reveals without answering
        inputs = list(self.query(Input))
        empty = next((field for field in inputs if not field.value.strip()), None)
        if empty is not None and empty is not event.input:
            empty.focus()
            return
        self.marks = self.instance.check({field.id.removeprefix(FIELD_ID_PREFIX): field.value for field in inputs})
        for field, mark in zip(inputs, self.marks):
            field.disabled = True
            field.set_class(mark.right, "right")
            field.set_class(not mark.right, "wrong")
        self._show_verdict()
        self.show_solution()
        self.post_message(self.Checked(self.instance, self.marks))

    def _show_verdict(self) -> None:
        """Each field marked right or wrong, with the right answer or why the text could not be read."""
        assert self.instance is not None and self.marks is not None
        right = all(mark.right for mark in self.marks)
        zh = self.language == "zh"
        headline = ("答对了！" if zh else "Right!") if right else ("不太对。" if zh else "Not quite.")
        verdict = Text(headline + "\n", style="bold green" if right else "bold red")
        verdict.append("\n".join(self.instance.verdict_lines(self.marks, "zh" if zh else "en")))
        self.query_one("#drill-verdict", Static).update(verdict)

    def show_solution(self) -> None:
        """The right answers and the worked solution with these numbers, in the language."""
        if self.instance is None:
            return
        worked = self.instance.worked
        steps = {"en": worked.steps_en, "zh": worked.steps_zh}.get(self.language, (*worked.steps_en,
                                                                                   *worked.steps_zh))
        answers = self.instance.answer_lines("zh" if self.language == "zh" else "en")
        solution = self.query_one("#drill-solution", Static)
        solution.update(Text.assemble(("Worked solution\n" if self.language != "zh" else "解答\n", "bold"),
                                      "\n".join(f"  {step}" for step in steps), "\n",
                                      ("  = " + "; ".join(answers), "bold")))
        solution.display = True

    def action_leave(self) -> None:
        """Gives the keys back to the review (reveal, rate, demo) without answering."""
        self.screen.set_focus(None)
