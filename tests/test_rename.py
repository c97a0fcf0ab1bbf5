"""Changing a card's id keeps its history: a `was:` line in the file, or `revise rename OLD NEW`."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

from revise.cards.loader import check_cards
from revise.cards.parser import parse_card_file, rewrite_card_id
from revise.cli import main
from revise.collection import Collection, utc_now
from revise.errors import ReviseError
from revise.scheduler.fsrs_scheduler import AGAIN, GOOD
from revise.store.schema import ReviewLog
from tests.conftest import DECK, touch_later

OLD, NEW = "gd-update", "gd-step"


def deck(cards_dir: Path) -> Path:
    return cards_dir / "optimisation.md"


def rewrite(path: Path, old: str, new: str) -> None:
    content = path.read_text(encoding="utf-8")
    assert old in content
    path.write_text(content.replace(old, new), encoding="utf-8")
    touch_later(path)


def rate_three_times(collection: Collection) -> list[int]:
    """Rates the first card three times, a day apart, so that it has a real schedule; returns the log ids."""
    now, log_ids = utc_now(), []
    for days, rating in ((0, GOOD), (1, AGAIN), (2, GOOD)):
        card = collection.card(OLD, now + timedelta(days=days))
        log_ids.append(collection.rate(card, rating, 1000, now + timedelta(days=days)))
    return log_ids


def log_rows(collection: Collection) -> list[tuple[int, str, int]]:
    with collection._sessions() as session:
        return [tuple(row) for row in session.execute(
            select(ReviewLog.id, ReviewLog.card_id, ReviewLog.rating).order_by(ReviewLog.id))]


def rows_naming(collection: Collection, card_id: str) -> dict[str, int]:
    """How many rows of each table that holds card ids still name `card_id`."""
    counts = {}
    with collection._sessions() as session:
        for table, column in (("cards", "id"), ("card_schedules", "card_id"), ("review_log", "card_id"),
                              ("card_tags", "card_id"), ("search_docs", "card_id")):
            counts[table] = session.scalar(text(f"SELECT count(*) FROM {table} WHERE {column} = :id"), {"id": card_id})
    return counts


def search_ids(collection: Collection, query: str) -> list[str]:
    return [hit.card_id for hit in collection.search(query).hits]


def test_was_line_carries_schedule_log_and_search_entry_to_the_new_id(collection: Collection, cards_dir: Path) -> None:
    log_ids = rate_three_times(collection)
    collection.set_suspended([OLD], True)
    before = collection.card(OLD)
    logs_before = log_rows(collection)

    rewrite(deck(cards_dir), f"id: {OLD}\n", f"id: {NEW}\nwas: {OLD}\n")
    report = collection.sync()

    assert report.renamed == [(OLD, NEW)] and report.problems == []
    assert (report.added, report.retired, report.restored, report.updated) == ([], [], [], [])
    assert f"renamed {OLD} -> {NEW}" in report.summary()
    after = collection.card(NEW)
    assert after.schedule == before.schedule and after.schedule.reps == 3
    assert after.suspended and after.text.front_en == before.text.front_en
    assert log_rows(collection) == [(log_id, NEW, rating) for log_id, _, rating in logs_before]
    assert set(rows_naming(collection, OLD).values()) == {0}
    with pytest.raises(ReviseError, match="no card with id"):
        collection.card(OLD)
    assert search_ids(collection, "gradient-descent update") == [NEW]
    assert search_ids(collection, "tag:optimisation") == [NEW]

    collection.set_suspended([NEW], False)
    undone = collection.undo(log_ids[-1])
    assert undone.text.id == NEW and undone.schedule.reps == 2
    assert [row[0] for row in log_rows(collection)] == log_ids[:2]
    assert collection.sync().renamed == []  # the `was:` line may stay: nothing is carried twice


def test_a_card_retired_at_an_earlier_sync_comes_back_under_its_new_id(collection: Collection, cards_dir: Path) -> None:
    rate_three_times(collection)
    reps = collection.card(OLD).schedule.reps
    rewrite(deck(cards_dir), f"id: {OLD}\n", f"id: {NEW}\n")
    report = collection.sync()
    assert report.retired == [OLD] and report.added == [NEW]  # no `was:`: a fresh card, the old one retired

    rewrite(deck(cards_dir), f"id: {NEW}\n", "id: gd-rule\nwas: gd-update\n")
    report = collection.sync()
    assert report.renamed == [(OLD, "gd-rule")] and report.retired == [NEW] and report.problems == []
    assert collection.card("gd-rule").schedule.reps == reps
    assert "gd-rule" in [card.text.id for card in collection.cards()]
    assert search_ids(collection, "gradient-descent update") == ["gd-rule"]


def test_an_edit_made_with_the_rename_is_taken_too(collection: Collection, cards_dir: Path) -> None:
    rate_three_times(collection)
    rewrite(deck(cards_dir), f"id: {OLD}\n", f"id: {NEW}\nwas: {OLD}\n")
    rewrite(deck(cards_dir), "Write the gradient-descent update.", "State the update rule.")
    report = collection.sync()
    assert report.renamed == [(OLD, NEW)] and report.updated == [NEW]
    assert collection.card(NEW).text.front_en == "State the update rule."
    assert search_ids(collection, "update rule") == [NEW]


def test_was_naming_an_unknown_id_is_fine(collection: Collection, cards_dir: Path) -> None:
    rewrite(deck(cards_dir), "id: momentum\n", "id: momentum\nwas: heavy-ball\n")
    report = collection.sync()
    assert (report.renamed, report.problems, report.updated) == ([], [], [])


def test_was_naming_a_card_still_in_the_files_is_a_problem_until_that_card_goes(
        collection: Collection, cards_dir: Path) -> None:
    rate_three_times(collection)
    other = cards_dir / "other.md"
    copied = DECK.split("## Adam bias correction")[0].replace("# Optimisation | 优化", "# Other | 其他")
    other.write_text(copied.replace(f"id: {OLD}\n", f"id: {NEW}\nwas: {OLD}\n"), encoding="utf-8")
    report = collection.sync()
    assert [str(problem) for problem in report.problems] == [
        f"{other}:5: was: {OLD} is still the id of a card at optimisation.md:3"]
    assert report.renamed == [] and report.added == []
    assert collection.card(OLD).schedule.reps == 3
    assert check_cards(cards_dir)[1] == report.problems

    deck(cards_dir).write_text(DECK.replace(DECK.split("## Adam bias")[0].split("\n\n", 1)[1], ""),
                               encoding="utf-8")
    touch_later(deck(cards_dir))
    report = collection.sync()  # other.md, which had a problem, is read again
    assert report.renamed == [(OLD, NEW)] and report.problems == [] and report.retired == []
    assert collection.card(NEW).schedule.reps == 3


def test_two_cards_naming_one_former_id_the_first_takes_it(collection: Collection, cards_dir: Path) -> None:
    content = deck(cards_dir).read_text(encoding="utf-8")
    content = content.replace(f"id: {OLD}\n", f"id: {NEW}\nwas: {OLD}\n")
    content = content.replace("id: momentum\n", f"id: heavy-ball\nwas: {OLD}\n")
    deck(cards_dir).write_text(content, encoding="utf-8")
    touch_later(deck(cards_dir))
    report = collection.sync()
    assert report.renamed == [(OLD, NEW)]
    assert [problem.message for problem in report.problems] == [f"was: {OLD} is also named by the card at "
                                                                "optimisation.md:3"]


def test_parser_reads_was_and_rejects_bad_ids() -> None:
    def parse(lines: str) -> tuple[list, list[str]]:
        source = f"# D | 甲\n\n## T | 题\nid: new-id\n{lines}\n### Q\nq\n### 问\nq\n### A\na\n### 答\na\n"
        parsed = parse_card_file(source, "d.md", "d")
        return parsed.cards, [f"{problem.line}: {problem.message}" for problem in parsed.problems]

    cards, problems = parse("was: old-id, older-id old-id")
    assert problems == [] and cards[0].was == ("old-id", "older-id") and cards[0].was_line == 5
    assert cards[0].content_hash() == parse("")[0][0].content_hash()
    assert parse("was: Old_Id")[1] == [
        "5: bad id `Old_Id` in `was:`: use lowercase letters, digits and single hyphens"]
    assert parse("was: new-id")[1] == ["5: `was:` names the card's own id `new-id`"]
    assert parse("was:")[1] == ["5: `was:` is empty: give the card's former ids, e.g. `was: old-id`"]


def test_rewrite_card_id_keeps_every_other_byte() -> None:
    source = DECK.replace("\n", "\r\n")
    rewritten = rewrite_card_id(source, "adam-bias", "adam-correction")
    assert rewritten == source.replace("id: adam-bias\r\n", "id: adam-correction\r\nwas: adam-bias\r\n")
    with_was = DECK.replace("id: momentum\n", "id: momentum\ntags: x\nwas: inertia\n")
    assert rewrite_card_id(with_was, "momentum", "heavy-ball") == with_was.replace(
        "id: momentum\n", "id: heavy-ball\n").replace("was: inertia\n", "was: momentum inertia\n")
    assert rewrite_card_id("# D | 甲\n\n```\n## T | 题\nid: x\n```\n", "x", "y") is None
    assert rewrite_card_id(DECK, "nope", "y") is None


def cli(capsys: pytest.CaptureFixture[str], db_path: Path, cards_dir: Path, *args: str) -> tuple[int, str, str]:
    code = main(["--db", str(db_path), "--cards", str(cards_dir), *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_rename_command_rewrites_the_file_and_carries_the_history(
        capsys: pytest.CaptureFixture[str], collection: Collection, db_path: Path, cards_dir: Path) -> None:
    log_ids = rate_three_times(collection)
    before = collection.card(OLD).schedule

    code, out, err = cli(capsys, db_path, cards_dir, "rename", OLD, NEW)

    assert (code, err) == (0, "")
    assert out == f"renamed {OLD} -> {NEW} (in optimisation.md, with `was: {OLD}`)\n"
    assert deck(cards_dir).read_text(encoding="utf-8") == DECK.replace(f"id: {OLD}\n", f"id: {NEW}\nwas: {OLD}\n")
    assert collection.card(NEW).schedule == before
    assert [row[:2] for row in log_rows(collection)] == [(log_id, NEW) for log_id in log_ids]
    assert set(rows_naming(collection, OLD).values()) == {0}
    heading = DECK.splitlines().index("## Adam bias correction | Adam 偏差修正") + 1
    assert collection.card("adam-bias").text.line == heading + 1  # the line added moved the cards below it
    report = collection.sync()
    assert (report.files_read, report.added, report.retired, report.renamed) == (0, [], [], [])
    code, out, _ = cli(capsys, db_path, cards_dir, "search", "gradient-descent", "update")
    assert code == 0 and f"  {NEW} · optimisation" in out
    assert not list(cards_dir.glob(".*"))  # no temporary file left behind


@pytest.mark.parametrize(("old", "new", "message"), [
    ("nope", "fresh", "no card with id `nope`"),
    (OLD, "momentum", "a card with id `momentum` already exists (ids stay with their history: pick another)"),
    (OLD, "Bad_Id", "bad id `Bad_Id`: use lowercase letters, digits and single hyphens"),
    ("x\x1b]0;t\x07", NEW, "bad id `x\\x1b]0;t\\x07`: use lowercase letters, digits and single hyphens"),
    (OLD, OLD, f"the card already has the id `{OLD}`"),
])
def test_rename_command_errors_are_one_line(capsys: pytest.CaptureFixture[str], db_path: Path, cards_dir: Path,
                                            old: str, new: str, message: str) -> None:
    code, out, err = cli(capsys, db_path, cards_dir, "rename", old, new)
    assert (code, out, err) == (1, "", f"revise: error: {message}\n")
    assert deck(cards_dir).read_text(encoding="utf-8") == DECK


def test_rename_command_refuses_a_retired_card(capsys: pytest.CaptureFixture[str], db_path: Path,
                                               cards_dir: Path) -> None:
    cli(capsys, db_path, cards_dir, "sync")
    rewrite(deck(cards_dir), "id: momentum\n", "id: inertia\n")
    code, _, err = cli(capsys, db_path, cards_dir, "rename", "momentum", "heavy-ball")
    assert code == 1 and err.count("\n") == 1 and "card `momentum` is retired" in err
