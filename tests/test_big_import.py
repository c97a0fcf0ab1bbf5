"""A big addition (an imported deck) is saved first, to be studied at once, and indexed for search afterwards in
short batches: by the command line before it returns, by the app in the background."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import update

from revise.cards.sync import INDEX_AT_ONCE
from revise.collection import INDEX_BATCH, Collection
from revise.store.schema import Setting
from revise.search.index import INDEX_VERSION_KEY
from revise.ui.app import ReviseApp
from tests.screen import screen_text, wait_for_text

CARDS = INDEX_AT_ONCE + INDEX_BATCH // 2


@pytest.fixture
def big_folder(tmp_path: Path) -> Path:
    """A folder with one deck of CARDS short question cards and one cloze card."""
    folder = tmp_path / "big"
    folder.mkdir()
    cards = [f"## Card {number} | 卡片 {number}\nid: big-{number}\n\n### Q\nWhat is item {number}?\n\n### 问\n"
             f"第 {number} 项是什么?\n\n### A\nIt is number {number}.\n\n### 答\n它是第 {number} 个。\n"
             for number in range(1, CARDS + 1)]
    cloze = ("## Momentum | 动量\nid: big-cloze\n\n### Cloze\nMomentum averages the {{c1::gradients}} with "
             "{{c2::$\\beta$}}.\n\n### 填空\n动量用 {{c2::$\\beta$}} 对{{c1::梯度}}取平均。\n")
    (folder / "big.md").write_text("# Big | 大\n\n" + "\n".join([*cards, cloze]), encoding="utf-8")
    return folder


def test_a_big_addition_is_saved_first_then_indexed_in_batches(db_path: Path, big_folder: Path) -> None:
    collection = Collection(db_path, big_folder)
    try:
        report = collection.sync(index_now=False)
        assert len(report.added) == CARDS + 2 and collection.counts().cards == CARDS + 1  # the cloze card once
        assert collection.search("item 2400").hits == [], "not searchable yet, but saved"
        assert collection.next_card() is not None, "the new cards can be studied at once"
        left: list[int] = []
        collection.index_all(on_batch=left.append)
        assert left == [CARDS + 1 - INDEX_BATCH, CARDS + 1 - 2 * INDEX_BATCH], "the cloze card counts once"
        assert [hit.card_id for hit in collection.search("item 2400").hits] == ["big-2400"]
        assert [hit.card_id for hit in collection.search("动量").hits] == ["big-cloze::c1"]
        assert collection.unindexed == 0
        assert collection.sync().summary().startswith("sync: 0 added"), "nothing is left to do"
    finally:
        collection.close()


def test_an_index_from_another_version_is_made_again_by_the_next_sync(db_path: Path, cards_dir: Path) -> None:
    collection = Collection(db_path, cards_dir)
    try:
        collection.sync()
        with collection._sessions.begin() as session:
            session.execute(update(Setting).where(Setting.key == INDEX_VERSION_KEY).values(value="0"))
        collection.sync()
        assert [hit.card_id for hit in collection.search("momentum").hits] == ["momentum"]
    finally:
        collection.close()


async def test_the_app_studies_a_big_import_at_once_and_search_catches_up(db_path: Path, big_folder: Path) -> None:
    app = ReviseApp(db_path, big_folder)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_text(pilot, "20 new")
        await pilot.press("space")
        await wait_for_text(pilot, "What is item 1?")
        await pilot.press("ctrl+f")
        await pilot.press(*"item 2400")
        await wait_for_text(pilot, "Card 2400", timeout=30)
        assert "Still indexing" not in screen_text(pilot)
