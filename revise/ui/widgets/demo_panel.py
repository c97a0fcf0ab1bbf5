"""The live demo under a card: a parameter form, the summary and table, and the plot, re-run on every edit."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table as RichTable
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Label, ProgressBar, Select, Static

from revise.errors import explain
from revise.ui.graphics import shown_background

if TYPE_CHECKING:
    from revise.demo_engine.link import DemoLink
    from revise.demo_engine.runner import DemoRun
    from revise.demo_engine.spec import Demo, DemoResult, Param, ParamValue

EDIT_DELAY = 0.25
SCROLLBAR_ROOM = 3
PLOT_ROWS = 22


def _field_id(param: Param) -> str:
    """The id of a parameter's form field."""
    return f"param-{param.name}"


class StepInput(Input):
    """A whole-number field that ↑ and ↓ step by one within the parameter's range: a demo's step-through."""

    BINDINGS = [Binding("up", "step(1)", "Next", show=False), Binding("down", "step(-1)", "Previous", show=False)]

    class Stepped(Message):
        """The value was stepped, so the demo runs again at once."""

    def __init__(self, param: Param, value: ParamValue, **kwargs: Any) -> None:
        super().__init__(param.as_text(value), **kwargs)
        self.low, self.high = int(param.low or 0), int(param.high or 0)

    def action_step(self, by: int) -> None:
        """Moves the value one up or down, kept in range; a value that is not a number starts from the low end."""
        try:
            current = int(self.value.strip())
        except ValueError:
            current = self.low - by
        stepped = min(self.high, max(self.low, current + by))
        if str(stepped) != self.value:
            self.value = str(stepped)
            self.cursor_position = len(self.value)
            self.post_message(self.Stepped())


def table_text(result: DemoResult, language: str, width: int) -> Text:
    """A result's table laid out as text at most `width` cells wide: done in the run's worker, it keeps a long
    table (44 rows for the language model) from costing the UI thread a frame at each re-run."""
    table = RichTable(*result.table.headers(language), box=None, header_style="bold", pad_edge=False)
    for row in result.table.rows:
        table.add_row(*row)
    console = Console(width=width, file=io.StringIO(), color_system="truecolor", legacy_windows=False)
    lines = console.render_lines(table, console.options, pad=False)
    return Text("\n").join(Text.assemble(*((segment.text, segment.style) for segment in line if not segment.control))
                           for line in lines)


class DemoPanel(Vertical):
    """Runs a demo in a worker whenever its form changes, and draws the result when it arrives."""

    BINDINGS = [Binding("escape", "leave_form", "Leave form", show=False)]

    @dataclass
    class Progressed(Message):
        """Loading moved on: the import is one step, each kernel compiled another."""

        done: int
        total: int

    @dataclass
    class Loaded(Message):
        """The demo module is imported and its kernels are compiled; the form opens on `values`.

        `values` are the card's own (its `demo:` line) over the defaults; `problem` says why the card's
        values were set aside for the defaults, when they were.
        """

        demo: Demo
        values: dict[str, ParamValue]
        problem: str = ""

    @dataclass
    class Ran(Message):
        """A run finished; `plot` is braille text or a PIL image, and `table` the result's table as text in
        `language`, both ready to show."""

        run: DemoRun
        plot: Any
        table: Text
        language: str

    @dataclass
    class Failed(Message):
        """A run was refused (bad parameter, impossible input); the previous result stays."""

        error: str

    def __init__(self, link: DemoLink, graphics: str, language: str = "en") -> None:
        super().__init__(id="demo-panel")
        self.demo_name, self.preset, self.graphics, self.language = link.name, link.as_dict(), graphics, language
        self.last_run: DemoRun | None = None
        self.demo: Demo | None = None
        self.problem = ""
        self._edit_timer = None

    def compose(self) -> ComposeResult:
        yield Static(f"▶ demo: {self.demo_name}", id="demo-title")
        yield Static("Loading the demo… (the first run on this machine compiles its kernels)", id="demo-status")
        yield ProgressBar(id="demo-progress", show_eta=False)
        yield Horizontal(id="demo-form")
        yield Static("", id="demo-summary")
        yield Static("", id="demo-table")
        yield Vertical(id="demo-plot")

    def on_mount(self) -> None:
        """Loads (and compiles) the demo off the UI thread."""
        self.load()

    @work(thread=True, exclusive=True, group="demo-load", exit_on_error=False)
    def load(self) -> None:
        """Imports the demo module, warms its kernels and checks the card's values."""
        from revise.demo_engine.registry import ready_demo
        from revise.demo_engine.spec import DemoParamError

        try:
            demo = ready_demo(self.demo_name, lambda done, total: self.post_message(self.Progressed(done, total)))
        except Exception as error:  # noqa: BLE001 - any failure becomes one line on screen, not a crash
            self.post_message(self.Failed(f"cannot load demo {self.demo_name}: {explain(error)}"))
            return
        try:
            self.post_message(self.Loaded(demo, demo.validate(self.preset)))
        except DemoParamError as error:
            self.post_message(self.Loaded(demo, demo.defaults(), f"this card's demo values were set aside for the "
                                                                 f"defaults: {error} (`revise check` finds these)"))

    def on_demo_panel_progressed(self, message: Progressed) -> None:
        """Moves the loading bar on."""
        self.query_one("#demo-progress", ProgressBar).update(total=message.total, progress=message.done)

    async def on_demo_panel_loaded(self, message: Loaded) -> None:
        """Builds the form from the demo's parameters and runs it with the defaults."""
        self.demo = demo = message.demo
        self.query_one("#demo-progress", ProgressBar).display = False
        self.query_one("#demo-title", Static).update(
            f"[b]▶ {demo.title_en} | {demo.title_zh}[/b]\n[dim]{demo.description_en}\n{demo.description_zh}[/dim]")
        form = self.query_one("#demo-form", Horizontal)
        await form.mount_all(self._field(param, message.values[param.name]) for param in demo.params)
        self.problem = message.problem
        self.request_run()

    def _field(self, param: Param, value: ParamValue) -> Widget:
        """A labelled form field suited to the parameter's kind, holding `value`."""
        if param.kind == "choice":
            field: Widget = Select([(choice, choice) for choice in param.choices], value=value,
                                   allow_blank=False, id=_field_id(param), compact=True)
        elif param.kind == "bool":
            field = Checkbox(value=bool(value), id=_field_id(param), compact=True)
        else:
            tip = f"{param.help_en} ({param.describe_range()})"
            if param.kind == "int":
                field = StepInput(param, value, id=_field_id(param), compact=True, tooltip=f"{tip}; ↑ ↓ step it")
            else:
                field = Input(param.as_text(value), id=_field_id(param), compact=True, tooltip=tip)
        return Vertical(Label(param.name.replace("_", " ")), field, classes="demo-field")

    def values(self) -> dict[str, Any]:
        """The form's current values, as typed (the demo validates them)."""
        values: dict[str, Any] = {}
        for param in self.demo.params if self.demo else ():
            field = self.query_one(f"#{_field_id(param)}")
            values[param.name] = field.value
        return values

    @on(Input.Changed)
    def _typed(self) -> None:
        """Re-runs shortly after the learner stops typing."""
        if self._edit_timer is not None:
            self._edit_timer.stop()
        self._edit_timer = self.set_timer(EDIT_DELAY, self.request_run)

    @on(Input.Submitted)
    @on(StepInput.Stepped)
    @on(Select.Changed)
    @on(Checkbox.Changed)
    def _chosen(self) -> None:
        """Re-runs at once after a choice or Enter."""
        self.request_run()

    def request_run(self) -> None:
        """Starts a run with the form's values, sized to the plot area."""
        if self.demo is None:
            return
        self.run_demo(self.values(), self._content_width(), shown_background(self.query_one("#demo-plot")))

    def _content_width(self) -> int:
        """The width in cells that a plot and the table are laid out to: the plot area's, its scrollbar apart."""
        return max(40, (self.query_one("#demo-plot").size.width or self.size.width or 96) - SCROLLBAR_ROOM)

    @work(thread=True, exclusive=True, group="demo-run", exit_on_error=False)
    def run_demo(self, values: dict[str, Any], width: int, background: str) -> None:
        """Runs the demo and renders its figure off the UI thread (an image on the plot area's `background`)."""
        from revise.demo_engine.runner import DemoRunError, run_demo
        from revise.demo_engine.spec import DemoParamError

        language = self.language
        try:
            run = run_demo(self.demo_name, values)
            plot = self._render_plot(run, width, background)
            table = table_text(run.result, language, width)
        except (DemoParamError, DemoRunError) as error:
            self.post_message(self.Failed(str(error)))
            return
        except Exception as error:  # noqa: BLE001 - a bug in a demo shows as one line, the app keeps going
            self.post_message(self.Failed(f"{self.demo_name} failed: {explain(error)}"))
            return
        self.post_message(self.Ran(run, plot, table, language))

    def _render_plot(self, run: DemoRun, width: int, background: str) -> Any:
        """The figure as braille text, or as a PIL image for terminal graphics, drawn on the screen's background."""
        if self.graphics == "text":
            from revise.demo_engine.text_plot import figure_to_text

            return figure_to_text(run.result.figure, columns=width, rows=PLOT_ROWS)
        from revise.figures import screen_image
        from revise.ui.graphics import image_box

        return screen_image(run.result.figure, background, *image_box(width, PLOT_ROWS))

    def on_demo_panel_ran(self, message: Ran) -> None:
        """Draws the new result in place of the old one."""
        self.last_run = message.run
        self._show_words(message.table if message.language == self.language else None)
        status = Text(f"ran in {message.run.seconds * 1000:.0f} ms · edit a value to re-run · Esc leaves the form",
                      style="dim")
        if self.problem:
            status.append(f"\n{self.problem}", style="yellow")
        self.query_one("#demo-status", Static).update(status)
        plot_area = self.query_one("#demo-plot", Vertical)
        if not plot_area.children:
            plot_area.mount(self._plot_widget(message.plot))
        elif self.graphics == "text":
            plot_area.query_one(Static).update(message.plot)
        else:
            plot_area.children[0].image = message.plot

    def set_language(self, language: str) -> None:
        """Shows the summary and table headers in another language ("en", "zh" or "both"), without a re-run."""
        self.language = language
        if self.last_run is not None:
            self._show_words()

    def _show_words(self, table: Text | None = None) -> None:
        """Writes the last run's summary and table in the panel's language: the table as the run's worker laid it
        out, or, after a change of language, laid out here."""
        result = self.last_run.result
        self.query_one("#demo-summary", Static).update(Text(result.summary_in(self.language)))
        if table is None:
            table = table_text(result, self.language, self._content_width())
        self.query_one("#demo-table", Static).update(table)

    def _plot_widget(self, plot: Any) -> Widget:
        """The widget that shows the first plot; later plots are swapped into it."""
        if self.graphics == "text":
            return Static(plot, id="demo-plot-text")
        from revise.ui.graphics import image_widget_class

        image = image_widget_class(self.graphics)(plot, id="demo-plot-image")
        image.styles.height = PLOT_ROWS
        return image

    def on_demo_panel_failed(self, message: Failed) -> None:
        """Says why the run was refused; the last good result stays on screen."""
        self.query_one("#demo-progress", ProgressBar).display = False
        self.query_one("#demo-status", Static).update(Text(message.error, style="bold red"))

    def action_leave_form(self) -> None:
        """Gives the keys back to the review (rating, undo, scrolling) after editing a value."""
        self.parent.focus()
