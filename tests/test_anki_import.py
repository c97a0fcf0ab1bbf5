"""`revise import` of real Anki packages, made by the official `anki` library: deck files, maths, images, cloze
cards, the review history with Anki's due dates and a replayed memory state (per cloze too), and a second import
that changes nothing."""

from __future__ import annotations

import sqlite3
import zipfile
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from revise.anki.convert import to_markdown
from revise.anki.importer import card_id
from revise.cards.parser import parse_card_file
from revise.cli import main
from revise.collection import Collection
from revise.scheduler.fsrs_scheduler import CardScheduler, SchedulerConfig
from revise.scheduler.optimize import Review, replay
from revise.text.cloze import item_id

anki_collection = pytest.importorskip("anki.collection")

IMAGE = b"\x89PNG\r\n\x1a\n not really a picture"


def _build_collection(folder: Path) -> dict:
    """An Anki collection with a Basic, a Basic-and-reversed and a Cloze note (a cloze inside MathJax), maths, an
    image and reviews, one of them of the cloze note's second cloze."""
    col = anki_collection.Collection(str(folder / "collection.anki2"))
    deck = col.decks.id("ML::Optimisation")
    basic = col.new_note(col.models.by_name("Basic"))
    basic["Front"] = "What is <b>SGD</b>?<div>In one line.</div>"
    basic["Back"] = "Step &amp; repeat: \\(\\theta - \\alpha g\\) costs $1<br><img src=\"curve.png\">"
    col.add_note(basic, deck)
    reversed_note = col.new_note(col.models.by_name("Basic (and reversed card)"))
    reversed_note["Front"] = "Adam"
    reversed_note["Back"] = "[$]m_t[/$] and [$$]v_t[/$$]<ul><li>first</li><li>second</li></ul>"
    col.add_note(reversed_note, deck)
    cloze = col.new_note(col.models.by_name("Cloze"))
    cloze["Text"] = ("The {{c1::softmax::function}} turns {{c2::logits}} into probabilities, "
                     "\\(\\sum_i {{c2::p_i}} = 1\\)")
    cloze["Back Extra"] = "<i>Exponentiate</i>, then normalise: \\[p_i = \\frac{e^{z_i}}{\\sum_j e^{z_j}}\\]"
    col.add_note(cloze, col.decks.id("Default"))
    (folder / "curve.png").write_bytes(IMAGE)
    col.media.add_file(str(folder / "curve.png"))
    col.decks.select(deck)
    answers = {}
    for ease in (4, 1, 3):  # Easy: a review card due in days; Again and Good: learning cards due in seconds
        card = col.sched.getCard()
        card.start_timer()
        col.sched.answerCard(card, ease)
        answers[card.id] = ease
    first_cloze = next(card.id for card in cloze.cards() if card.ord == 0)
    col.sched.suspend_cards([first_cloze])  # so that the second cloze is the one Anki asks
    col.decks.select(col.decks.id("Default"))
    card = col.sched.getCard()
    card.start_timer()
    col.sched.answerCard(card, 4)  # Easy: a review card due in days
    answers[card.id] = 4
    col.sched.unsuspend_cards([first_cloze])
    cards = {card_id: col.get_card(card_id) for card_id in answers}
    facts = {
        "guids": {"basic": basic.guid, "reversed": reversed_note.guid, "cloze": cloze.guid},
        "crt": col.crt,
        "cards": {(cards[cid].note().guid, cards[cid].ord): (cards[cid].type, cards[cid].queue, cards[cid].due)
                  for cid in cards},
        "revlog": col.db.all("SELECT id, cid, ease, time FROM revlog ORDER BY id"),
        "card_notes": {cid: (cards[cid].note().guid, cards[cid].ord) for cid in cards},
    }
    options = anki_collection.ExportAnkiPackageOptions
    col.export_anki_package(out_path=str(folder / "current.apkg"), limit=None, options=options(
        with_scheduling=True, with_deck_configs=True, with_media=True, legacy=False))
    col.export_anki_package(out_path=str(folder / "legacy.apkg"), limit=None, options=options(
        with_scheduling=True, with_deck_configs=True, with_media=True, legacy=True))
    col.export_collection_package(str(folder / "whole.colpkg"), include_media=True, legacy=False)
    col.close()
    return facts


@pytest.fixture(scope="module")
def anki_packages(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    folder = tmp_path_factory.mktemp("anki")
    return folder, _build_collection(folder)


def revise(capsys: pytest.CaptureFixture[str], folder: Path, *args: str) -> tuple[int, str, str]:
    code = main(["--db", str(folder / "data.db"), "--cards", str(folder / "cards"), "--config",
                 str(folder / "revise.toml"), *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _revise_id(facts: dict, guid: str, ord: int) -> str:
    """The review item an Anki card becomes: cloze `ord + 1` of the Cloze note, else the card or its reverse."""
    if guid == facts["guids"]["cloze"]:
        return item_id(card_id(guid), ord + 1)
    return card_id(guid, reverse=ord == 1)


@pytest.mark.parametrize("package", ["legacy.apkg", "current.apkg", "whole.colpkg"])
def test_import_writes_decks_logs_history_and_changes_nothing_the_second_time(
        capsys, tmp_path: Path, anki_packages: tuple[Path, dict], package: str) -> None:
    source, facts = anki_packages
    code, out, err = revise(capsys, tmp_path, "import", str(source / package))
    assert code == 0, err
    assert "import: 4 cards in 2 decks" in out and "history: 4 reviews logged" in out

    cards = tmp_path / "cards"
    deck = (cards / "ml-optimisation.md").read_text(encoding="utf-8")
    assert deck.startswith("# ML::Optimisation | ML::Optimisation\n")
    assert (cards / "ml-optimisation-media" / "curve.png").read_bytes() == IMAGE
    collection = Collection(tmp_path / "data.db", cards)
    try:
        guids = facts["guids"]
        basic = collection.card(card_id(guids["basic"])).text
        assert basic.front_en == basic.front_zh == "What is **SGD**?\n\nIn one line."
        assert basic.back_en == ("Step & repeat: $\\theta - \\alpha g$ costs \\$1\n\n"
                                 "![](ml-optimisation-media/curve.png)")
        assert basic.title_en == "What is SGD?"
        forward = collection.card(card_id(guids["reversed"])).text
        assert forward.back_en == "$m_t$ and\n\n$$v_t$$\n\n- first\n- second"
        backward = collection.card(card_id(guids["reversed"], reverse=True)).text
        assert (backward.front_en, backward.back_en) == (forward.back_en, "Adam")
        cloze_id = card_id(guids["cloze"])
        assert {card.text.id for card in collection.cards() if card.text.written_id == cloze_id} == {
            item_id(cloze_id, 1), item_id(cloze_id, 2)}
        cloze = collection.card(item_id(cloze_id, 1)).text
        assert cloze.deck == "default" and cloze.cloze == 1
        assert cloze.front_en == cloze.front_zh == (
            "The {{c1::softmax::function}} turns {{c2::logits}} into probabilities, $\\sum_i {{c2::p_i}} = 1$")
        assert cloze.back_en == cloze.back_zh == (
            "*Exponentiate*, then normalise:\n\n$$p_i = \\frac{e^{z_i}}{\\sum_j e^{z_j}}$$")
        assert cloze.title_en == "The [function] turns […] into probabilities,…"  # no cloze given away
        default = (cards / "default.md").read_text(encoding="utf-8")
        assert [line for line in default.split("\n") if line.startswith("###")] == [
            "### Cloze", "### 填空", "### Extra", "### 补充"]

        logs = {row[0]: row for row in _review_log(tmp_path / "data.db")}
        scheduler = CardScheduler(replace(SchedulerConfig(), enable_fuzzing=False))
        for revlog_id, anki_card, ease, time_ms in facts["revlog"]:
            guid, ord = facts["card_notes"][anki_card]
            revise_id = _revise_id(facts, guid, ord)
            reviewed_at = datetime.fromtimestamp(revlog_id / 1000, timezone.utc)
            assert logs[revise_id][1:] == (reviewed_at.replace(tzinfo=None).isoformat(sep=" "), ease, time_ms, "new")
            card = collection.card(revise_id)
            anki_type, queue, due = facts["cards"][(guid, ord)]
            expected_due = (datetime.fromtimestamp(facts["crt"], timezone.utc) + timedelta(days=due) if queue == 2
                            else datetime.fromtimestamp(due, timezone.utc))
            assert card.schedule.due == expected_due
            replayed = replay(scheduler, [Review(ease, reviewed_at)])
            assert (card.schedule.stability, card.schedule.difficulty) == (replayed.stability, replayed.difficulty)
            assert card.schedule.stability is not None
        assert collection.card(item_id(cloze_id, 1)).schedule.state == "new"  # its Anki card was never reviewed
        assert collection.card(item_id(cloze_id, 2)).schedule.state == "review"
        schedules_before = [(card.text.id, card.schedule) for card in collection.cards()]
    finally:
        collection.close()

    code, out, err = revise(capsys, tmp_path, "import", str(source / package))
    assert code == 0, err
    assert "sync: 0 added, 0 updated, 0 retired, 0 restored" in out
    assert "history: 0 reviews logged, 4 already in the log" in out
    assert (cards / "ml-optimisation.md").read_text(encoding="utf-8") == deck
    assert len(_review_log(tmp_path / "data.db")) == 4
    collection = Collection(tmp_path / "data.db", cards)
    try:
        assert [(card.text.id, card.schedule) for card in collection.cards()] == schedules_before
    finally:
        collection.close()


def _review_log(db_path: Path) -> list[tuple]:
    with sqlite3.connect(db_path) as db:
        return db.execute("SELECT card_id, reviewed_at, rating, duration_ms, kind FROM review_log").fetchall()


def test_a_second_import_keeps_the_side_the_learner_wrote(capsys, tmp_path: Path, anki_packages) -> None:
    source, facts = anki_packages
    revise(capsys, tmp_path, "import", str(source / "current.apkg"))
    deck = tmp_path / "cards" / "ml-optimisation.md"
    text = deck.read_text(encoding="utf-8")
    basic_id = card_id(facts["guids"]["basic"])
    start = text.index(f"id: {basic_id}")
    answer_zh = text.index("### 答\n", start) + len("### 答\n")
    end = text.index("\n\n## ", answer_zh)
    text = text[:answer_zh] + "一步一步沿梯度反方向走。" + text[end:]
    start = text.index(f"id: {card_id(facts['guids']['reversed'])}\n")  # as if the note were Chinese: English written
    answer_en = text.index("### A\n", start) + len("### A\n")
    deck.write_text(text[:answer_en] + "Adam keeps two moving averages." + text[text.index("\n\n### 答", answer_en):],
                    encoding="utf-8")
    cloze_deck = tmp_path / "cards" / "default.md"
    text = cloze_deck.read_text(encoding="utf-8")
    cloze_zh = "{{c1::softmax::函数}}把{{c2::logits}}变成概率, $\\sum_i {{c2::p_i}} = 1$"
    start = text.index("### 填空\n") + len("### 填空\n")
    cloze_deck.write_text(text[:start] + cloze_zh + text[text.index("\n\n### ", start):], encoding="utf-8")

    code, out, err = revise(capsys, tmp_path, "import", str(source / "current.apkg"))
    assert code == 0, err
    assert "一步一步沿梯度反方向走。" in deck.read_text(encoding="utf-8")
    assert "history: 0 reviews logged" in out
    reversed_note = parse_card_file(deck.read_text(encoding="utf-8"), str(deck), "ml-optimisation").cards[1]
    assert reversed_note.back_en == "Adam keeps two moving averages."
    assert reversed_note.back_zh.startswith("$m_t$ and"), "the side the learner did not write follows the note"
    collection = Collection(tmp_path / "data.db", tmp_path / "cards")
    try:
        cloze = collection.card(item_id(card_id(facts["guids"]["cloze"]), 2)).text
    finally:
        collection.close()
    assert cloze.front_zh == cloze_zh and cloze.front_en.startswith("The {{c1::softmax::function}}")


def test_a_deck_file_not_written_by_an_import_is_never_overwritten(capsys, tmp_path: Path, anki_packages) -> None:
    source, _ = anki_packages
    cards = tmp_path / "cards"
    cards.mkdir()
    (cards / "ml-optimisation.md").write_text("# Mine | 我的\n", encoding="utf-8")
    code, _, err = revise(capsys, tmp_path, "import", str(source / "legacy.apkg"))
    assert code == 1
    assert "ml-optimisation.md exists and was not written by revise import" in err
    assert sorted(path.name for path in cards.iterdir()) == ["ml-optimisation.md"]


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _unknown_schema(tmp_path: Path) -> bytes:
    database = tmp_path / "schema99.sqlite"
    with sqlite3.connect(database) as db:
        db.execute("CREATE TABLE col (ver INTEGER, crt INTEGER)")
        db.execute("INSERT INTO col VALUES (99, 0)")
    db.close()
    return database.read_bytes()


@pytest.mark.parametrize("kind, message", [
    ("text", "not an Anki package (not a zip file)"),
    ("no collection", "not an Anki package (no collection.anki2, .anki21 or .anki21b inside)"),
    ("corrupt database", "not a readable Anki package (DatabaseError"),
    ("corrupt zstd", "not a readable Anki package (ValueError: corrupt zstd data"),
    ("unknown schema", "unknown Anki collection schema 99"),
])
def test_bad_packages_are_one_line_naming_the_file_and_import_nothing(capsys, tmp_path: Path, kind: str,
                                                                      message: str) -> None:
    path = tmp_path / "bad.apkg"
    if kind == "text":
        path.write_text("not a zip")
    else:
        _zip(path, {"no collection": {"readme.txt": b"hi"},
                    "corrupt database": {"collection.anki21": b"SQLite format 3\x00" + b"\x01" * 200},
                    "corrupt zstd": {"collection.anki21b": b"\x28\xb5\x2f\xfd garbage"},
                    "unknown schema": {"collection.anki2": _unknown_schema(tmp_path)}}[kind])
    code, out, err = revise(capsys, tmp_path, "import", str(path))
    assert code == 1
    assert err.startswith(f"revise: error: {path}: ") and message in err, err
    assert err.count("\n") == 1
    assert not (tmp_path / "cards").exists() and not (tmp_path / "data.db").exists()


def test_field_html_becomes_markdown() -> None:
    link = lambda source: f"![](media/{source})"  # noqa: E731
    assert to_markdown("<p>a&nbsp;&lt;b&gt;</p><p><i>c</i> <strong>d </strong>e</p>", link) == "a <b>\n\n*c* **d** e"
    assert to_markdown("<ol><li>one</li><li>two</li></ol>#3", link) == "1. one\n2. two\n\n\\#3"
    assert to_markdown("\\(a<br>&lt; b\\) and \\[c\\]", link) == "$a < b$ and\n\n$$c$$"
    assert to_markdown('[sound:x.mp3]<img src="y.png">', link) == "![](media/y.png)"
    assert to_markdown("{{c1::Paris::city}} is in <b>{{c2::France}}</b>: \\(\\frac{ {{c1::a}} }{b}\\)", link) == (
        "{{c1::Paris::city}} is in **{{c2::France}}**: $\\frac{ {{c1::a}} }{b}$")


def test_imported_decks_pass_check_and_into_another_folder_syncs_nothing(capsys, tmp_path: Path,
                                                                         anki_packages) -> None:
    source, _ = anki_packages
    code, out, err = revise(capsys, tmp_path, "import", str(source / "legacy.apkg"),
                            "--into", str(tmp_path / "elsewhere"))
    assert code == 0, err
    assert "not synced" in out
    assert sorted(path.name for path in (tmp_path / "elsewhere").iterdir()) == [
        "default.md", "ml-optimisation-media", "ml-optimisation.md"]
    code = main(["--cards", str(tmp_path / "elsewhere"), "check"])
    out = capsys.readouterr().out
    assert code == 0 and out.endswith("4 cards, 4 warnings\n"), out  # warnings alone pass
    assert out.count("warning: the English and Chinese sides are the same text: write the other language") == 4


def test_an_imported_note_exported_again_goes_back_to_its_own_guid(capsys, tmp_path: Path, anki_packages) -> None:
    from tests.test_anki_export import anki_notes

    source, facts = anki_packages
    revise(capsys, tmp_path, "import", str(source / "current.apkg"))
    code, _, err = revise(capsys, tmp_path, "export", str(tmp_path / "back.apkg"))
    assert code == 0, err
    notes, col = anki_notes(tmp_path / "back.apkg", tmp_path / "anki")
    col.close()
    originals = set(facts["guids"].values())
    assert originals <= set(notes), "Anki updates the notes the cards came from instead of adding copies"
    assert len(notes) == 4, "the reversed note's second card is a note of its own"
