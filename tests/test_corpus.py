"""The bundled cards: they cover every concept of the notes, in both languages, and every formula reads cleanly."""

from __future__ import annotations

import re
import statistics
import tomllib
from functools import cache

import pytest

from revise.demo_engine.registry import demo_names
from revise.cards.loader import card_files, check_cards, load_known_names, read_card_file
from revise.cards.model import CardText
from revise.paths import PROJECT_ROOT
from revise.cards.parser import MOST_ANSWER_WORDS
from revise.text.card_markdown import CardSides, word_count

CARDS = PROJECT_ROOT / "cards"
NOTES = PROJECT_ROOT.parent / "shared" / "notes"  # the developers' copy of the notes; not in the repository

# Every concept the notes teach, as the tag its cards carry.
CONCEPT_TAGS = {
    "activation functions and their derivatives": ["activation", "sigmoid", "tanh", "relu", "leaky-relu"],
    "gradient descent, computation graphs, backpropagation": ["gradient-descent", "computation-graph",
                                                              "backpropagation"],
    "numerical gradients": ["numerical-gradient", "gradient-checking"],
    "mini-batch and stochastic descent": ["mini-batch", "sgd"],
    "momentum, RMSprop, AdaGrad, Adadelta, Adam": ["momentum", "rmsprop", "adagrad", "adadelta", "adam"],
    "bias correction, learning-rate decay, warm-up": ["bias-correction", "learning-rate-decay", "warmup"],
    "batch normalisation, initialisation, hyperparameter search": ["batch-norm", "initialisation",
                                                                   "hyperparameter-search"],
    "regularisation": ["l1-regularisation", "l2-regularisation", "dropout", "early-stopping", "data-augmentation"],
    "practical methodology": ["train-dev-test", "bias-variance", "human-level-performance", "data-mismatch",
                              "input-normalisation", "single-number-metric", "error-analysis",
                              "mislabelled-data", "cross-validation"],
    "classification": ["logistic-regression", "softmax", "cross-entropy", "one-hot"],
    "critical points": ["critical-point", "saddle-point", "hessian"],
    "CNN basics": ["filter", "stride", "padding", "output-size", "parameters", "1x1-convolution", "pooling",
                   "receptive-field", "parameter-sharing"],
    "CNN architectures": ["lenet", "alexnet", "vgg", "nin", "inception", "resnet", "densenet"],
    "detection": ["object-localisation", "landmark-detection", "sliding-windows", "r-cnn", "yolo", "iou", "nms",
                  "anchor-boxes", "ssd"],
    "segmentation": ["semantic-segmentation", "transposed-convolution", "fcn"],
    "face verification": ["one-shot", "siamese-network", "triplet-loss"],
    "style transfer": ["content-loss", "gram-matrix", "style-loss", "total-variation"],
    "sequence models": ["rnn", "bptt", "gru", "lstm", "deep-rnn", "bidirectional-rnn", "gradient-clipping",
                        "perplexity"],
    "word embeddings": ["one-hot", "embedding-matrix", "word2vec", "skip-gram", "negative-sampling", "glove", "elmo"],
    "sequence to sequence": ["encoder-decoder", "seq2seq", "teacher-forcing", "beam-search", "length-normalisation",
                             "beam-search-error-analysis", "bleu", "brevity-penalty"],
    "attention and Transformers": ["attention", "self-attention", "multi-head-attention", "positional-encoding",
                                   "transformer", "bert"],
}
# Concepts with a live demo, and a card that must launch it.
CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")
LEFTOVER_LATEX = re.compile(r"\\[A-Za-z]+|\$|\\[{}]|\^\{|_\{")


@cache
def bundled_cards() -> tuple[CardText, ...]:
    """Every card of the bundled folder, parsed as sync parses them."""
    known, _ = load_known_names(CARDS)
    return tuple(card for path in card_files(CARDS) for card in read_card_file(path, known).cards)


def test_the_bundled_corpus_checks_clean_and_is_large() -> None:
    count, problems = check_cards(CARDS)
    assert problems == []
    assert count >= 150
    decks = {card.deck for card in bundled_cards()}
    assert len(decks) >= 8, "cards are split into decks by topic"


def test_every_answer_can_be_checked_in_seconds() -> None:
    """About 80 words at most (`revise check` warns over 120), and a median under 70, in both languages."""
    for side in ("back_en", "back_zh"):
        words = sorted(word_count(getattr(card, side)) for card in bundled_cards())
        assert words[-1] <= MOST_ANSWER_WORDS, f"{side}: the longest answer has about {words[-1]} words"
        assert statistics.median(words) < 70, f"{side}: the median answer has about {statistics.median(words)} words"


@pytest.mark.parametrize("concept", sorted(CONCEPT_TAGS))
def test_every_concept_of_the_notes_has_cards(concept: str) -> None:
    tagged = {tag for card in bundled_cards() for tag in card.tags}
    missing = [tag for tag in CONCEPT_TAGS[concept] if tag not in tagged]
    assert not missing, f"{concept}: no card tagged {missing}"


@pytest.mark.parametrize("demo", demo_names())
def test_every_demo_is_opened_by_some_card(demo: str) -> None:
    assert any(card.demo_link and card.demo_link.name == demo for card in bundled_cards()), f"no card opens {demo}"


def test_every_card_reads_in_both_languages() -> None:
    for card in bundled_cards():
        where = f"{card.path}:{card.line} ({card.id})"
        for text in (card.title_zh, card.front_zh, card.back_zh):
            assert CJK.search(text), f"{where}: a Chinese part has no Chinese"
        for text in (card.title_en, card.front_en, card.back_en):
            assert LATIN_WORD.search(text) and not CJK.search(text), f"{where}: an English part is not English"


def test_every_formula_renders_as_clean_unicode() -> None:
    for card in bundled_cards():
        sides = CardSides.of(card)
        for language in ("en", "zh"):
            for block in sides.front[language] + sides.back[language]:
                text = block if isinstance(block, str) else block.unicode
                leftover = LEFTOVER_LATEX.findall(text.replace("\\\\", "").replace("\\$", ""))
                markdown_escapes = re.findall(r"\\[A-Za-z]", text)
                assert not leftover and not markdown_escapes, f"{card.path}:{card.line} ({card.id}): {leftover}"


def test_every_card_names_its_note_and_section() -> None:
    notes = tomllib.loads((CARDS / "sources.toml").read_text(encoding="utf-8"))
    for card in bundled_cards():
        key, _, section = (card.source or "").partition("§")
        assert key.strip() in notes and section.strip(), f"{card.path}:{card.line}: source `{card.source}`"


@pytest.mark.skipif(not NOTES.is_dir(), reason="the notes are not shipped; this runs where they are")
def test_every_source_section_is_a_heading_of_its_note() -> None:
    notes = tomllib.loads((CARDS / "sources.toml").read_text(encoding="utf-8"))
    texts = {key: (NOTES / note["file"]).read_text(encoding="utf-8") for key, note in notes.items()}
    for card in bundled_cards():
        key, _, section = (card.source or "").partition("§")
        assert section.strip() in texts[key.strip()], f"{card.path}:{card.line}: no section `{section.strip()}`"
