"""The `revise` command: opens the app, or runs one of sync, check, stats, list, show, search, rename, optimize,
import, export and demo."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from revise.errors import ReviseError, explain, is_backend_error, printable, stdout_json
from revise.paths import card_folders, default_config_path, default_db_path, place_numba_cache
from revise.settings import GRAPHICS_MODES, Settings, load_settings

if TYPE_CHECKING:
    from revise.collection import Collection, StudyCard
    from revise.search.snippet import Highlighted
    from revise.stats.model import Stats


GLOBAL_OPTIONS = ("--db", "--cards", "--config", "--graphics")


class ArgumentParser(argparse.ArgumentParser):
    """argparse's parser, echoing what was typed with control characters escaped (an argument holding an
    escape sequence must not drive the terminal)."""

    def error(self, message: str) -> NoReturn:
        """Prints the usage and the message, made printable, and exits with status 2."""
        super().error(printable(message))


def build_parser() -> argparse.ArgumentParser:
    """The argument parser: global options first, then an optional command."""
    parser = ArgumentParser(
        prog="revise", description="Review machine-learning notes with spaced repetition. "
        "With no command, opens the app.")
    parser.add_argument("--db", type=Path, default=None, metavar="PATH",
                        help="the database file (default: $REVISE_DB, else data.db at the project root in a checkout, "
                        "in the user's data folder when installed)")
    parser.add_argument("--cards", type=Path, action="append", default=None, metavar="DIR",
                        help="a card folder; repeat it for several, the last being where new cards and imports go "
                        "(default: $REVISE_CARDS, folders separated by ':', else the bundled cards, the settings' "
                        "card_folders and your own folder: my-cards/ at the project root in a checkout, in the user's "
                        "data folder when installed)")
    parser.add_argument("--config", type=Path, default=None, metavar="PATH",
                        help="the settings file (default: $REVISE_CONFIG, else revise.toml at the project root in a "
                        "checkout, in the user's config folder when installed)")
    parser.add_argument("--graphics", choices=GRAPHICS_MODES, default=None,
                        help="how the app draws plots and formulas (default: the settings file's, else auto: from "
                        "the terminal; inside tmux auto means text, as tmux does not pass images through: "
                        "halfcell draws coloured blocks that tmux shows)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    sync = commands.add_parser(
        "sync", help="bring the database in step with the card files (and the review log with your other devices)",
        description="Add new cards, update edited ones, retire removed ones; then, with a remote (--remote or the "
        "`remote` setting), send this device's reviews there, take the other devices', and reschedule the cards "
        "they touch.")
    sync.add_argument("--remote", metavar="URL", default=None,
                      help="a database shared by your devices: postgresql://user:password@host/db, or "
                      "sqlite:////shared/folder/revise.db (default: the `remote` setting; none if it is empty)")
    commands.add_parser("check", help="validate every card file (exit 1 on any problem)",
                        description="Validate every card file; print file:line for each problem.")
    stats = commands.add_parser("stats", help="today's counts and the statistics",
                                description="Print today's counts, streak, cards by state, forecast, retention "
                                "and distributions.")
    stats.add_argument("--json", action="store_true", help="print JSON")
    stats.add_argument("--plot", type=Path, metavar="DIR", help="also save the plots to DIR as PNG files")
    listing = commands.add_parser("list", help="every card with its state and due date",
                                  description="List every card with its state and due date.")
    listing.add_argument("--json", action="store_true", help="print JSON")
    show = commands.add_parser("show", help="one card, formulas as text", description="Print one card.")
    show.add_argument("card_id", metavar="CARD_ID")
    show.add_argument("--json", action="store_true", help="print JSON")
    search = commands.add_parser(
        "search", help="find cards by keyword, best first",
        description='Find cards: words, "phrases", -word, or, tag:, deck:, is:due/new/learn/review/suspended/'
        "leech, has:demo; English or Chinese.")
    search.add_argument("query", nargs="*", metavar="QUERY")
    search.add_argument("--json", action="store_true", help="print JSON")
    search.add_argument("--limit", type=_positive, default=20, metavar="N", help="show at most N cards (default 20)")
    rename = commands.add_parser(
        "rename", help="give a card a new id, keeping its history",
        description="Give card OLD the id NEW: its schedule and review history move with it, and its file's "
        "`id:` line is rewritten (with `was: OLD`, so other copies of the collection follow at their next sync).")
    rename.add_argument("old_id", metavar="OLD")
    rename.add_argument("new_id", metavar="NEW")
    optimize = commands.add_parser(
        "optimize", help="fit the FSRS parameters to your review log",
        description="Fit the FSRS parameters to your own reviews and compare them with those in use; --apply "
        "stores them and reschedules every reviewed card under them (the review log stays as it is).")
    optimize.add_argument("--apply", action="store_true", help="use the fitted parameters from now on")
    optimize.add_argument("--json", action="store_true", help="print JSON")
    anki = commands.add_parser(
        "import", help="make deck files of an Anki package, with its review history",
        description="Write one deck file per Anki deck of FILE (.apkg or .colpkg) into your own card folder, then sync "
        "and log the package's reviews, each card keeping the due date Anki gave it; importing the same package "
        "again updates the same cards and logs no review twice.")
    anki.add_argument("package", type=Path, metavar="FILE")
    anki.add_argument("--into", type=Path, metavar="DIR",
                      help="write the deck files there (default: your own card folder, the last --cards); "
                      "a folder not among the card folders is not synced")
    export = commands.add_parser(
        "export", help="write the cards as an Anki package, to review in Anki or AnkiDroid",
        description="Write FILE.apkg: one Anki deck per deck, a Front/Back note per card with its formulas as "
        "MathJax, its images and its tags; exporting again and importing into Anki updates the same notes.")
    export.add_argument("package", type=Path, metavar="FILE.apkg")
    export.add_argument("--deck", metavar="NAME", help="only this deck (its file name without .md, or its English "
                        "title)")
    export.add_argument("--language", choices=("en", "zh", "both"), default="both",
                        help="the sides' language (default both: the English, then the Chinese)")
    demo = commands.add_parser(
        "demo", help="run a live demo from the command line", add_help=False,
        description="Run a demo: revise demo NAME [--PARAM VALUE ...] [--json] [--plot FILE.png]. "
        "`revise demo --list` lists the demos; `revise demo NAME --help` lists a demo's parameters.")
    demo.add_argument("--list", action="store_true", help="list the demos")
    demo.add_argument("name", nargs="?", metavar="NAME")
    demo.add_argument("options", nargs=argparse.REMAINDER, metavar="...")
    drill = commands.add_parser(
        "drill", help="a worked problem with fresh numbers, its answer and solution",
        description="Print a drill's problem with its answer and worked solution, or check an answer: revise drill "
        "NAME [--seed N] [--answer TEXT ...] [--json]. `revise drill --list` lists the drills.")
    drill.add_argument("--list", action="store_true", help="list the drills")
    drill.add_argument("name", nargs="?", metavar="NAME", help="a drill, e.g. conv_size.output_shape")
    drill.add_argument("--seed", type=int, help="the problem's seed (default: a random one, printed)")
    drill.add_argument("--answer", action="append", default=[], metavar="TEXT",
                       help="an answer to check (once per field, or FIELD=TEXT); says right or wrong, exit 0")
    drill.add_argument("--json", action="store_true", help="print JSON")
    return parser


def _positive(text: str) -> int:
    """An argument that must be a whole number of at least 1."""
    if not (text.isascii() and text.isdigit()) or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return min(int(text), 2**63 - 1)  # SQLite's largest integer; any more would overflow, and shows every card


def _search_words(argv: list[str]) -> list[str]:
    """The words of a search as typed, in order, `-word` included (argparse would take it for an option)."""
    command = next(i for i, word in enumerate(argv) if word == "search" and (i == 0 or argv[i - 1] not in GLOBAL_OPTIONS))
    words, rest = [], iter(argv[command + 1:])
    for word in rest:
        if word == "--":
            return words + list(rest)
        if word == "--limit":
            next(rest, None)
        elif word != "--json" and not word.startswith("--limit="):
            words.append(word)
    return words


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the command line; a reader closing the pipe early (`revise list | head`) ends it quietly."""
    _tolerate_narrow_encodings()
    place_numba_cache()
    try:
        return _main(argv)
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # so the exit-time flush cannot fail
        return 128 + signal.SIGPIPE


def _tolerate_narrow_encodings() -> None:
    """Lets output the terminal's encoding cannot hold (Chinese under PYTHONIOENCODING=ascii or a C locale) be
    written as backslash escapes rather than end the command with a UnicodeEncodeError; JSON stays valid."""
    for stream in (sys.stdout, sys.stderr):
        if getattr(stream, "errors", None) == "strict":
            try:
                stream.reconfigure(errors="backslashreplace")
            except (AttributeError, ValueError, OSError):  # not a text stream that can be reconfigured
                pass


def _main(argv: Sequence[str] | None) -> int:
    """Parses and runs one command. Revise's own errors, OSErrors (a full disk, a read-only file, a permission)
    and database errors (locked, damaged, another program's) become one line on stderr and exit status 1."""
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    args, unknown = parser.parse_known_args(argv)
    if args.command == "search":
        args.query = _search_words(argv)
        if not args.query:
            parser.error("search: give a QUERY, e.g. revise search adam -tag:rmsprop")
    elif unknown:
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    db_path = args.db or default_db_path()
    try:
        if args.command is None:
            from revise.ui.app import run_app

            return run_app(db_path, args.cards, args.graphics, args.config or default_config_path())
        if args.command == "demo":
            from revise.demo_engine.command import run_demo_command

            return run_demo_command(args.name, args.options, args.list)
        if args.command == "drill":
            from revise.demo_engine.drill_command import run_drill_command

            return run_drill_command(args.name, args.seed, args.answer, args.json, args.list)
        config_path = args.config or default_config_path()
        loaded = load_settings(config_path)
        for warning in loaded.warnings:
            print(f"revise: warning: {printable(warning)}", file=sys.stderr)
        folders = card_folders(args.cards, loaded.settings.card_folders, config_path.parent)
        if args.command == "check":
            return check(folders)
        if args.command == "import":
            _read_anki_package(args, folders[-1])
        return run_command(args, db_path, folders, loaded.settings)
    except BrokenPipeError:
        raise
    except Exception as error:
        if not is_backend_error(error):
            raise
        print(f"revise: error: {explain(error, db_path)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def run_command(args: argparse.Namespace, db_path: Path, folders: list[Path], settings: Settings) -> int:
    """Opens the collection of these card folders under the settings, syncs it (card problems go to stderr), then
    runs the command."""
    from revise.collection import Collection

    collection = Collection(db_path, folders, settings.scheduler_config())
    try:
        report = collection.sync()
        for problem in report.problems:
            print(problem, file=sys.stderr)
        if args.command == "sync":
            from revise.cards.model import errors

            print(report.summary())
            remote = args.remote or settings.remote
            if remote:
                print(collection.sync_remote(remote).summary())
            return 1 if errors(report.problems) else 0
        return COMMANDS[args.command](collection, args)
    finally:
        collection.close()


def check(folders: list[Path]) -> int:
    """Validates the card folders: every problem and warning as file:line, exit 1 if there is a problem (warnings
    alone pass)."""
    from revise.cards.loader import check_cards
    from revise.cards.model import errors, problem_counts

    count, problems = check_cards(folders)
    for problem in problems:
        print(problem)
    print(f"{count} cards, {problem_counts(problems) or '0 problems'}")
    return 1 if errors(problems) else 0


def _iso(moment: datetime | None) -> str | None:
    """A datetime as ISO text in local time, or None."""
    return moment.astimezone().isoformat(timespec="seconds") if moment else None


def _stats_data(figures: Stats) -> dict[str, Any]:
    """Every figure of the statistics as JSON-ready data: dates as ISO text, shares beside their counts."""
    from dataclasses import asdict

    weeks = [{**asdict(week), "week_start": week.week_start.isoformat(), "young_rate": week.young_rate,
              "mature_rate": week.mature_rate} for week in figures.retention]
    return {**asdict(figures), "today": figures.today.isoformat(), "again_rate": figures.again_rate,
            "retention": weeks}


def _share_text(part: int, whole: int) -> str:
    """A share as `80% (4/5)`, or `-` with nothing to divide."""
    return f"{part / whole:.0%} ({part}/{whole})" if whole else "-"


def _stats_lines(figures: Stats) -> list[str]:
    """The statistics as short lines of text: today, streak, cards, the week ahead, retention, distributions."""
    from statistics import median

    from revise.ui.timefmt import describe_duration

    lines = [f"{'today':>14}: {figures.reviewed_today} reviewed, Again "
             f"{_share_text(figures.again_today, figures.reviewed_today)}, {describe_duration(figures.seconds_today)}",
             f"{'streak':>14}: {figures.streak} day{'s' if figures.streak != 1 else ''}",
             f"{'cards by state':>14}: " + ", ".join(f"{name} {count}" for name, count in figures.counts.items()),
             f"{'next 7 days':>14}: " + " ".join(str(count) for count in figures.forecast[:7])
             + " (the first includes overdue)"]
    for week in figures.retention[-4:]:
        lines.append(f"{'week of ' + week.week_start.isoformat():>14}: retention young "
                     f"{_share_text(week.young_passed, week.young_reviews)}, mature "
                     f"{_share_text(week.mature_passed, week.mature_reviews)}")
    for name, values, unit in (("intervals", figures.intervals, " days"), ("stability", figures.stability, " days"),
                               ("difficulty", figures.difficulty, ""),
                               ("retrievability", figures.retrievability, "")):
        summary = f"median {median(values):.2f}{unit} over {len(values)} cards" if values else "no cards yet"
        lines.append(f"{name:>14}: {summary}")
    for week in figures.drills_by_week[-4:]:
        lines.append(f"{'week of ' + week.label:>14}: drills right {_share_text(week.right, week.answered)}")
    for deck in figures.drills_by_deck:
        lines.append(f"{'drills':>14}: {deck.label}: right {_share_text(deck.right, deck.answered)}")
    return lines


def stats(collection: Collection, args: argparse.Namespace) -> int:
    """Prints today's counts and the statistics (see `revise.stats.model.Stats`)."""
    counts = collection.counts()
    figures = collection.stats()
    data = {"cards": counts.cards, "due": counts.due, "new": counts.new, "learning": counts.learning,
            "reviews_today": counts.reviews_today, "next_due": _iso(counts.next_due)}
    if args.json:
        print(stdout_json({**data, **_stats_data(figures)}))
    else:
        for key, value in data.items():
            print(f"{key.replace('_', ' '):>14}: {value if value is not None else '-'}")
        print("\n".join(_stats_lines(figures)))
    if args.plot:
        from revise.stats.plots import save_plots

        for path in save_plots(figures, args.plot):  # listed on stderr under --json, to keep stdout JSON
            print(f"plot saved to {path}", file=sys.stderr if args.json else sys.stdout)
    return 0


def _card_summary(card: StudyCard) -> dict[str, Any]:
    """The fields `list` prints for a card."""
    return {"id": card.text.id, "deck": card.text.deck, "title_en": card.text.title_en,
            "title_zh": card.text.title_zh, "state": card.schedule.state, "due": _iso(card.schedule.due),
            "suspended": card.suspended}


def list_cards(collection: Collection, args: argparse.Namespace) -> int:
    """Prints every card: id, deck, titles, state, due."""
    rows = [_card_summary(card) for card in collection.cards()]
    if args.json:
        print(stdout_json(rows))
        return 0
    for row in rows:
        due = (row["due"] or "-")[:16].replace("T", " ")
        print(f"{row['id']:<28} {row['deck']:<14} {row['state']:<10} {due:<16}  "
              f"{printable(row['title_en'])} | {printable(row['title_zh'])}")
    return 0


def show(collection: Collection, args: argparse.Namespace) -> int:
    """Prints one card (a cloze card's first cloze, or the cloze its item id names) with its formulas as Unicode text."""
    from revise.text.card_markdown import item_texts
    from revise.text.math_markdown import render_math

    card = collection.card(args.card_id)
    text = card.text
    sides = {name: render_math(markdown, for_markdown=False, language=name.rpartition("_")[2])
             for name, markdown in item_texts(text).items()}
    if args.json:
        print(stdout_json({**_card_summary(card), "tags": list(text.tags), "demo": text.demo,
                     "source": text.source, **sides}))
        return 0
    print(f"{printable(text.title_en)} | {printable(text.title_zh)}")  # card text may hold any character
    print(f"id: {text.id}   deck: {text.deck}   state: {card.schedule.state}   "
          f"due: {_iso(card.schedule.due) or '-'}")
    for label, value in (("tags", " ".join(text.tags)), ("demo", text.demo), ("source", text.source)):
        if value:
            print(f"{label}: {printable(value)}")
    for label, name in (("Q", "front_en"), ("问", "front_zh"), ("A", "back_en"), ("答", "back_zh")):
        print(f"\n{label}\n{printable(sides[name], keep=chr(10) + chr(9))}")
    return 0


def _marked(text: Highlighted, bold: bool) -> str:
    """Highlighted text for the terminal: matches in bold when printing to one, as they are otherwise."""
    if not bold:
        return printable(text.text)
    pieces, last = [], 0
    for start, end in text.spans:
        pieces += [printable(text.text[last:start]), "\033[1m", printable(text.text[start:end]), "\033[0m"]
        last = end
    return "".join(pieces) + printable(text.text[last:])


def search(collection: Collection, args: argparse.Namespace) -> int:
    """Prints the cards matching a search, best first, with a snippet around each match."""
    results = collection.search(" ".join(args.query), limit=args.limit)
    for note in results.query.notes:
        print(f"revise: note: {printable(note)}", file=sys.stderr)
    if args.json:
        print(stdout_json([{"id": hit.card_id, "deck": hit.deck, "title_en": hit.title_en.text,
                      "title_zh": hit.title_zh.text, "snippet": hit.snippet.text,
                      "highlights": [list(span) for span in hit.snippet.spans], "state": hit.state,
                      "due": _iso(hit.due), "suspended": hit.suspended} for hit in results.hits]))
        return 0
    bold = sys.stdout.isatty()
    for hit in results.hits:
        due = (_iso(hit.due) or "-")[:16].replace("T", " ")
        print(f"{_marked(hit.title_en, bold)} | {_marked(hit.title_zh, bold)}\n"
              f"  {hit.card_id} · {hit.deck} · {hit.state} · due {due}\n  {_marked(hit.snippet, bold)}")
    print(f"{results.found()} found" + ("" if results.all_shown() else f", {len(results.hits)} shown (--limit)"))
    return 0


def optimize(collection: Collection, args: argparse.Namespace) -> int:
    """Fits FSRS parameters to the review log, shows how both sets predict it, and applies them if asked and better."""
    result = collection.fit_parameters()
    rescheduled = collection.apply_parameters(result.fitted_parameters) if args.apply and result.improves else 0
    if args.json:
        print(stdout_json({"reviews": result.reviews, "cards": result.cards, **{
            name: {"parameters": list(parameters), "log_loss": evaluation.log_loss, "rmse_bins": evaluation.rmse_bins}
            for name, parameters, evaluation in (("current", result.current_parameters, result.current),
                                                 ("fitted", result.fitted_parameters, result.fitted))},
            "applied": bool(rescheduled), "rescheduled": rescheduled}))
        return 0
    print(f"Fitted to {result.reviews} reviews of {result.cards} cards.\n{'':<12}{'current':>9}{'fitted':>9}")
    print(f"{'log loss':<12}{result.current.log_loss:>9.4f}{result.fitted.log_loss:>9.4f}")
    print(f"{'RMSE(bins)':<12}{result.current.rmse_bins:>9.4f}{result.fitted.rmse_bins:>9.4f}")
    if not result.improves:
        print("The parameters in use already predict your reviews as well: nothing to apply.")
    elif rescheduled:
        print(f"Applied: the fitted parameters are stored and {rescheduled} cards were rescheduled under them; "
              "the review log keeps every rating.")
    else:
        print(f"`revise optimize --apply` would store the fitted parameters and reschedule the {result.cards} reviewed "
              "cards by replaying their reviews under them; the review log would keep every rating.")
    return 0


def rename(collection: Collection, args: argparse.Namespace) -> int:
    """Gives a card a new id in the database and in its file, keeping its history (see `Collection.rename`)."""
    path = collection.rename(args.old_id, args.new_id)
    print(f"renamed {args.old_id} -> {args.new_id} (in {printable(path.name)}, with `was: {args.old_id}`)")
    collection.sync()  # takes in the rewritten file, so that the next command need not read it again
    return 0


def _read_anki_package(args: argparse.Namespace, own_folder: Path) -> None:
    """Reads the package to import into `args.decks` before the collection is opened, so that a bad one changes
    nothing, and makes the folder it goes into (a new card folder is not a missing one)."""
    from revise.anki.importer import read_decks

    args.decks = read_decks(args.package)
    (args.into or own_folder).mkdir(parents=True, exist_ok=True)


def import_anki(collection: Collection, args: argparse.Namespace) -> int:
    """Writes an Anki package's decks as card files and, when they went into the card folder, syncs them and logs
    their review history (see `revise.anki.importer`); exit 1 if an imported deck has a problem."""
    from revise.anki.importer import write_decks
    from revise.cards.model import errors

    decks = args.decks
    folder = args.into or collection.own_folder
    paths = write_decks(decks, folder, args.package.name)
    cards = [card for deck in decks for card in deck.cards]  # review items: a cloze card has one per cloze
    print(f"import: {len({card.id for card in cards})} cards in {len(decks)} decks: "
          + ", ".join(printable(path.name) for path in paths))
    if folder.resolve() not in {folder_in_use.resolve() for folder_in_use in collection.folders}:
        print(f"not synced: {printable(str(folder))} is not one of the card folders in use; "
              f"`revise --cards {printable(str(folder))} import` syncs them with their history")
        return 0
    report = collection.sync()
    written = {path.name for path in paths}
    problems = [problem for problem in report.problems if Path(problem.path).name in written]
    for problem in problems:  # the card folder's other problems were printed by the sync before the import
        print(problem, file=sys.stderr)
    print(report.summary())
    added = collection.record_history([card.history for card in cards])
    print(f"history: {added} reviews logged, {sum(len(card.history.reviews) for card in cards) - added} "
          "already in the log")
    return 1 if errors(problems) else 0


def export_anki(collection: Collection, args: argparse.Namespace) -> int:
    """Writes the collection's cards (or one deck's) as an Anki package (see `revise.anki.export`); an image a
    card links that is not there is a warning, and the card goes without it."""
    from revise.anki.export import build_export, write_package

    if args.package.suffix.lower() != ".apkg":
        raise ReviseError(f"{args.package}: an Anki package's name ends in .apkg")
    export = build_export(collection, args.deck, args.language)
    for missing in export.missing:
        print(f"revise: warning: {printable(missing)}: image not found, left out", file=sys.stderr)
    write_package(export, args.package)
    print(f"export: {export.note_count} cards in {len(export.decks)} decks, {len(export.media)} images, "
          f"to {printable(str(args.package))}")
    return 0


COMMANDS: dict[str, Callable[[Collection, argparse.Namespace], int]] = {
    "stats": stats, "list": list_cards, "show": show, "search": search, "rename": rename, "optimize": optimize,
    "import": import_anki, "export": export_anki,
}
