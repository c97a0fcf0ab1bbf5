"""`revise export` to a real Anki package, opened by the official `anki` library: notes, cloze notes, MathJax, tags,
media, guids that stay the same from one export to the next, and a round trip through `revise import`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from revise.anki.export import note_guid
from revise.anki.importer import card_id
from revise.cli import main
from revise.collection import Collection
from revise.paths import default_cards_dir
from revise.text.cloze import anki_text, cloze_numbers, item_id

anki_collection = pytest.importorskip("anki.collection")

BUNDLED = default_cards_dir()
IMAGE = b"\x89PNG\r\n\x1a\n not really a picture"
SMALL_DECK = """# Pictures | 图片

## A curve | 一条曲线
id: curve
tags: plots

### Q
What does **this** curve show, for *small* $x < 1$?

### 问
这条曲线表示什么?

### A
![](pictures-media/curve.png)
- it falls as $$e^{-x}$$
- `np.exp(-x)` costs \\$1

### 答
它随 $x$ 下降。
"""
CLOZE_DECK = """# Adam | Adam

## Bias correction | 偏差修正
id: adam-bias
tags: optimisers

### Cloze
Adam divides by {{c2::$1-\\beta_2^t$::a factor}} to undo the zero start:
$$\\hat{v}_t = \\frac{v_t}{ {{c1::1-\\beta_2^t}} }$$
and likewise $\\hat{m}_t = {{c3::\\frac{m_t}{1-\\beta_1^t}}}$.

### 填空
Adam 除以 {{c2::$1-\\beta_2^t$::一个因子}} 来抵消从零开始的偏差:
$$\\hat{v}_t = \\frac{v_t}{ {{c1::1-\\beta_2^t}} }$$
同样 $\\hat{m}_t = {{c3::\\frac{m_t}{1-\\beta_1^t}}}$。

### Extra
Early on $v_t$ is pulled towards **zero**.
"""


def revise(capsys: pytest.CaptureFixture[str], folder: Path, cards: Path, *args: str) -> tuple[int, str, str]:
    code = main(["--db", str(folder / "data.db"), "--cards", str(cards), "--config", str(folder / "revise.toml"),
                 *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def anki_notes(package: Path, folder: Path) -> tuple[dict, object]:
    """The notes of `package` imported into a fresh Anki collection in `folder`, by guid, and that collection."""
    folder.mkdir()
    col = anki_collection.Collection(str(folder / "collection.anki2"))
    col.import_anki_package(anki_collection.ImportAnkiPackageRequest(
        package_path=str(package), options=anki_collection.ImportAnkiPackageOptions()))
    notes = {note.guid: note for note in (col.get_note(note_id) for note_id in col.find_notes(""))}
    return notes, col


def bundled_cards(folder: Path) -> dict:
    """The bundled cards as the collection in `folder` holds them, by id."""
    collection = Collection(folder / "data.db", BUNDLED)
    try:
        return {card.text.id: card.text for card in collection.cards()}
    finally:
        collection.close()


def test_the_bundled_cards_become_anki_notes_with_mathjax_tags_and_stable_guids(capsys, tmp_path: Path) -> None:
    code, out, err = revise(capsys, tmp_path, BUNDLED, "export", str(tmp_path / "first.apkg"))
    assert code == 0, err
    cards = bundled_cards(tmp_path)
    written = {text.written_id for text in cards.values()}  # a cloze card's items are one note
    assert f"export: {len(written)} cards in 9 decks, 0 images" in out
    notes, col = anki_notes(tmp_path / "first.apkg", tmp_path / "anki")
    try:
        assert set(notes) == {note_guid(card) for card in written}
        assert col.card_count() == len(cards)  # an Anki card per review item: per cloze of a cloze card
        assert "revise::Optimisation | 优化" in {deck.name for deck in col.decks.all_names_and_ids()}
        sigmoid = notes[note_guid("sigmoid-derivative")]
        assert sigmoid["Front"] == (
            "<p>Write the sigmoid function and its derivative in terms of its own output. What is the derivative's "
            "largest value, and why does that make deep sigmoid networks prone to vanishing gradients?</p>\n<p>写出 "
            "sigmoid 函数,并用它自身的输出表示它的导数。导数的最大值是多少?为什么这会让很深的 sigmoid 网络容易出现梯度消失?</p>")
        assert sigmoid["Back"].startswith(
            "<p>\\[\\sigma(z) = \\frac{1}{1 + e^{-z}}, \\quad \\sigma'(z) = \\sigma(z) \\left( 1 - \\sigma(z) \\right)"
            "\\]<br />\nThe output lies in \\((0, 1)\\); with \\(a = \\sigma(z)\\) stored")
        assert "$" not in sigmoid["Back"].replace("\\$", "")
        assert sorted(sigmoid.tags) == sorted({*cards["sigmoid-derivative"].tags, "01-neural-net-basics"})
        assert col.get_card(sigmoid.card_ids()[0]).did == col.decks.id_for_name(
            "revise::Neural-network basics | 神经网络基础")
    finally:
        col.close()

    code, _, err = revise(capsys, tmp_path, BUNDLED, "export", str(tmp_path / "second.apkg"))
    assert code == 0, err
    again, col = anki_notes(tmp_path / "second.apkg", tmp_path / "anki-again")
    col.close()
    assert set(again) == set(notes)


def test_a_deck_with_an_image_takes_it_into_the_media(capsys, tmp_path: Path) -> None:
    cards = tmp_path / "cards"
    (cards / "pictures-media").mkdir(parents=True)
    (cards / "pictures.md").write_text(SMALL_DECK, encoding="utf-8")
    (cards / "pictures-media" / "curve.png").write_bytes(IMAGE)
    (cards / "other.md").write_text(SMALL_DECK.replace("id: curve", "id: other").replace("# Pictures", "# Other"),
                                    encoding="utf-8")
    code, out, err = revise(capsys, tmp_path, cards, "export", str(tmp_path / "pictures.apkg"), "--deck", "Pictures",
                            "--language", "en")
    assert code == 0, err
    assert "export: 1 cards in 1 decks, 1 images" in out
    notes, col = anki_notes(tmp_path / "pictures.apkg", tmp_path / "anki")
    try:
        note = notes[note_guid("curve")]
        assert note["Front"] == "<p>What does <strong>this</strong> curve show, for <em>small</em> \\(x &lt; 1\\)?</p>"
        assert note["Back"] == ('<p><img src="curve.png" alt="" /></p>\n<ul>\n<li>it falls as \\[e^{-x}\\]</li>\n'
                                "<li><code>np.exp(-x)</code> costs $1</li>\n</ul>")
        assert sorted(note.tags) == ["pictures", "plots"]
        assert [deck.name for deck in col.decks.all_names_and_ids() if deck.name.startswith("revise")] == [
            "revise", "revise::Pictures | 图片"]
        assert (Path(col.media.dir()) / "curve.png").read_bytes() == IMAGE
    finally:
        col.close()

    code, out, err = revise(capsys, tmp_path / "back", tmp_path / "back" / "cards", "import",
                            str(tmp_path / "pictures.apkg"))
    assert code == 0, err
    imported = (tmp_path / "back" / "cards" / "revise-pictures-图片.md").read_text(encoding="utf-8")
    assert "![](revise-pictures-图片-media/curve.png)" in imported
    assert (tmp_path / "back" / "cards" / "revise-pictures-图片-media" / "curve.png").read_bytes() == IMAGE

    code, out, err = revise(capsys, tmp_path / "back", tmp_path / "back" / "cards", "export",
                            str(tmp_path / "again.apkg"))
    assert code == 0, err
    again, col = anki_notes(tmp_path / "again.apkg", tmp_path / "anki-again")
    try:
        (note,) = again.values()  # an imported card's text is on both sides: it goes into the note once
        assert note["Front"] == notes[note_guid("curve")]["Front"]
        assert note["Back"].startswith('<p><img src="curve.png" alt="" /></p>\n<ul>\n<li>it falls as</li>')
        assert "revise::revise::Pictures / 图片" in {deck.name for deck in col.decks.all_names_and_ids()}
    finally:
        col.close()


def test_a_cloze_card_becomes_one_cloze_note_with_a_card_per_cloze_and_comes_back(capsys, tmp_path: Path) -> None:
    cards = tmp_path / "cards"
    cards.mkdir()
    (cards / "adam.md").write_text(CLOZE_DECK, encoding="utf-8")
    code, out, err = revise(capsys, tmp_path, cards, "export", str(tmp_path / "adam.apkg"), "--language", "en")
    assert code == 0, err
    notes, col = anki_notes(tmp_path / "adam.apkg", tmp_path / "anki")
    try:
        (note,) = notes.values()
        assert note.guid == note_guid("adam-bias")
        assert note.note_type()["type"] == 1  # a cloze note type
        assert col.card_count() == 3
        assert sorted(col.get_card(card).ord for card in note.card_ids()) == [0, 1, 2]
        assert note["Text"] == (
            "<p>Adam divides by {{c2::\\(1-\\beta_2^t\\)::a factor}} to undo the zero start:<br />\n"
            "\\[\\hat{v}_t = \\frac{v_t}{ {{c1::1-\\beta_2^t}} }\\]<br />\n"
            "and likewise \\(\\hat{m}_t = {{c3::\\frac{m_t}{1-\\beta_1^t} }}\\).</p>")
        assert note["Back Extra"] == "<p>Early on \\(v_t\\) is pulled towards <strong>zero</strong>.</p>"
        assert sorted(note.tags) == ["adam", "optimisers"]
        english, extra = note["Text"], note["Back Extra"]
    finally:
        col.close()

    code, out, err = revise(capsys, tmp_path, cards, "export", str(tmp_path / "both.apkg"))
    assert code == 0, err
    notes, col = anki_notes(tmp_path / "both.apkg", tmp_path / "anki-both")
    try:
        (note,) = notes.values()
        assert note["Text"].startswith(english + "\n<p>Adam 除以 {{c2::\\(1-\\beta_2^t\\)::一个因子}}")
        assert note["Text"].endswith("同样 \\(\\hat{m}_t = {{c3::\\frac{m_t}{1-\\beta_1^t} }}\\)。</p>")
        assert note["Back Extra"] == extra and col.card_count() == 3  # no ### 补充: the English extra alone
    finally:
        col.close()

    back = tmp_path / "back"
    code, out, err = revise(capsys, back, back / "cards", "import", str(tmp_path / "adam.apkg"))
    assert code == 0, err
    collection = Collection(back / "data.db", back / "cards")
    try:
        imported = [card.text for card in collection.cards()]
    finally:
        collection.close()
    written = card_id(note_guid("adam-bias"))
    assert sorted(text.id for text in imported) == [item_id(written, number) for number in (1, 2, 3)]
    assert cloze_numbers(imported[0].front_en) == cloze_numbers(imported[0].front_zh) == [1, 2, 3]
    written_text = CLOZE_DECK.split("### Cloze\n")[1].split("\n\n")[0]
    assert _paragraphs(imported[0].front_en) == _paragraphs(anki_text(written_text))  # `} }` as Anki needs it


def _paragraphs(text: str) -> str:
    """A card side with its line breaks as paragraphs, as an Anki field's `<br>` comes back from `revise import`."""
    return re.sub(r"\n+", "\n", text).strip()


def test_the_bundled_cards_come_back_from_revise_import_with_the_same_text(capsys, tmp_path: Path) -> None:
    for language in ("en", "zh"):
        code, _, err = revise(capsys, tmp_path, BUNDLED, "export", str(tmp_path / f"{language}.apkg"),
                              "--language", language)
        assert code == 0, err
        back = tmp_path / language
        code, out, err = revise(capsys, back, back / "cards", "import", str(tmp_path / f"{language}.apkg"))
        assert code == 0, err
        original = bundled_cards(tmp_path)
        assert f"{len({text.written_id for text in original.values()})} added" in out  # cards, not review items
        collection = Collection(back / "data.db", back / "cards")
        try:
            imported = {card.text.id: card.text for card in collection.cards()}
        finally:
            collection.close()
        assert len(imported) == len(original)
        differ = []
        for text in original.values():
            again_id = card_id(note_guid(text.written_id))
            again = imported[item_id(again_id, text.cloze) if text.cloze else again_id]
            for side in (f"front_{language}", f"back_{language}"):
                exported = anki_text(getattr(text, side)) if text.cloze else getattr(text, side)
                if _paragraphs(exported) != _paragraphs(getattr(again, side)):
                    differ.append(text.id)
        # `revise import` reads a code block as inline code, its lines as one: the one card with a fenced block.
        assert differ == ["dropout-inverted"]


@pytest.mark.parametrize("args, message", [
    (("export", "cards.zip"), "cards.zip: an Anki package's name ends in .apkg"),
    (("export", "cards.apkg", "--deck", "nope"), "no deck named 'nope' (decks: 01-neural-net-basics, "),
    (("export", "missing/cards.apkg"), "missing"),
])
def test_bad_exports_are_one_line_and_write_nothing(capsys, tmp_path: Path, args: tuple[str, ...],
                                                    message: str) -> None:
    code, _, err = revise(capsys, tmp_path, BUNDLED, *args[:1], str(tmp_path / args[1]), *args[2:])
    assert code == 1
    assert err.startswith("revise: error: ") and message in err and err.count("\n") == 1, err
    assert sorted(path.name for path in tmp_path.iterdir()) == ["data.db"]
