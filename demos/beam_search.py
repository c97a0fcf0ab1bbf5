"""Beam search with length normalisation over a table of next-token log-probabilities, next to greedy and
exhaustive search.

The model is a table `logp[t, prev, next]` (float64, shape (T, V, V)): the log-probability of token `next`
at step t after token `prev`; the first step reads the row of `eos`, which doubles as the start token.
A hypothesis ends when it emits `eos` (kept as its last token) or after `max_len` tokens. Its score is
sum(log-probs) / L**alpha, L = the number of generated tokens including the final EOS (as in the
deeplearning.ai notes and Hugging Face's length_penalty).

The beam rule is the simple textbook one: at every step each live hypothesis is extended by every token,
the best `beam_width - finished` candidates are kept (all live hypotheses have the same length, so raw and
normalised scores rank them alike), and a candidate ending in EOS leaves the beam for the list of finished
hypotheses, shrinking the beam by one. The search stops after `max_len` steps or when no hypothesis is
live. The result is the finished hypotheses plus those still live at `max_len`, ranked by normalised score:
at most `beam_width` of them. Candidates of probability zero (log-prob -inf) are never kept.
`beam_candidates` lists what the beam weighs at one step (every extension of its live hypotheses, kept or
dropped); the demo's `worked` model has the notes' worked step (B = 2: Jane 0.5, In 0.3, September 0.1; after
Jane: is 0.4, visits 0.35; after In: September 0.9).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import numpy as np
from numba import njit

from revise.demo_engine.answers import Field
from revise.demo_engine.checks import check_array, check_choice, check_int, check_number
from revise.demo_engine.drill import Drill, Worked, declare_drills
from revise.demo_engine.spec import Arg, DemoResult, Table, declare_demo
from revise.figures import COLOURS, MARKERS, new_axes


@dataclass(frozen=True)
class BeamTree:
    """Every step's beam, best first: arrays of shape (steps, beam_width), -1 / -inf past the kept entries.

    tokens[t, r]: the token the hypothesis of rank r at step t ends with; parents[t, r]: its parent's rank at
    step t - 1 (-1 at step 0); totals[t, r]: its summed log-probability.
    """

    tokens: np.ndarray
    parents: np.ndarray
    totals: np.ndarray


def beam_search(logp, beam_width: int, max_len: int, eos: int,
                alpha: float = 0.0) -> list[tuple[list[int], float]]:
    """The beam's final hypotheses as (tokens, normalised score), best first, at most beam_width of them."""
    alpha = check_number("alpha", alpha, 0.0)
    tree = beam_tree(logp, beam_width, max_len, eos)
    scored = [(_path(tree, step, rank), float(_length_normalised(tree.totals[step, rank], step + 1, alpha)))
              for step, rank in _final_entries(tree, max_len, eos)]
    return sorted(scored, key=lambda item: -item[1])


def beam_tree(logp, beam_width: int, max_len: int, eos: int) -> BeamTree:
    """The beam at every step (for drawing the search tree); beam_search ranks its final entries."""
    logp = _checked_model(logp, max_len, eos)
    beam_width = check_int("beam_width", beam_width, 1)
    tokens, parents, totals = _beam_tree(logp, beam_width, int(max_len), int(eos))
    steps = int(np.count_nonzero(tokens[:, 0] >= 0))
    return BeamTree(tokens[:steps], parents[:steps], totals[:steps])


def greedy(logp, max_len: int, eos: int, alpha: float = 0.0) -> tuple[list[int], float]:
    """The sequence that takes the most likely next token at every step, with its normalised score."""
    logp = _checked_model(logp, max_len, eos)
    alpha = check_number("alpha", alpha, 0.0)
    tokens, total = _greedy(logp, int(max_len), int(eos))
    return tokens.tolist(), float(_length_normalised(total, tokens.size, alpha))


def exhaustive(logp, max_len: int, eos: int, alpha: float = 0.0) -> tuple[list[int], float]:
    """The best-scoring sequence of all (the first in token order on ties): what beam search approximates."""
    logp = _checked_model(logp, max_len, eos)
    alpha = check_number("alpha", alpha, 0.0)
    tokens, score = _exhaustive(logp, int(max_len), int(eos), alpha)
    return tokens.tolist(), float(score)


def beam_candidates(logp, beam_width: int, max_len: int, eos: int, step: int) -> list[tuple[list[int], float, bool]]:
    """Every candidate the beam weighs at `step` (1 = the first token): each live hypothesis of step - 1 extended
    by each token of nonzero probability, as (tokens, summed log-probability, kept in the beam), best first.
    Empty when the search ended before `step`."""
    tree = beam_tree(logp, beam_width, max_len, eos)
    logp = np.asarray(logp, dtype=np.float64)
    step = check_int("step", step, 1, max_len)
    if step > tree.tokens.shape[0]:
        return []
    if step == 1:
        parents = [(-1, [], 0.0, int(eos))]
    else:
        parents = [(rank, _path(tree, step - 2, rank), float(tree.totals[step - 2, rank]),
                    int(tree.tokens[step - 2, rank])) for rank in range(tree.tokens.shape[1])
                   if tree.tokens[step - 2, rank] >= 0 and tree.tokens[step - 2, rank] != eos]
    kept = {(int(tree.parents[step - 1, rank]), int(tree.tokens[step - 1, rank]))
            for rank in range(tree.tokens.shape[1]) if tree.tokens[step - 1, rank] >= 0}
    candidates = [([*prefix, token], total + float(logp[step - 1, prev, token]), (rank, token) in kept)
                  for rank, prefix, total, prev in parents for token in range(logp.shape[2])
                  if logp[step - 1, prev, token] > -np.inf]
    return sorted(candidates, key=lambda item: -item[1])


def _checked_model(logp, max_len, eos) -> np.ndarray:
    """logp as a float64 (T, V, V) array of log-probabilities, with max_len and eos checked against it."""
    logp = check_array("logp", logp, finite=False)
    if logp.ndim != 3 or logp.shape[1] != logp.shape[2] or logp.shape[1] < 2:
        raise ValueError(f"logp shape {logp.shape}: must be (T, V, V) with V >= 2")
    if np.isnan(logp).any() or (logp > 0).any():
        raise ValueError("logp: must hold log-probabilities (<= 0, -inf allowed, no nan)")
    if not np.isfinite(logp).any(axis=2).all():
        raise ValueError("logp: every row logp[t, prev] must give some next token a finite log-probability")
    check_int("max_len", max_len, 1, logp.shape[0])
    check_int("eos", eos, 0, logp.shape[1] - 1)
    return logp


def _final_entries(tree: BeamTree, max_len: int, eos: int) -> list[tuple[int, int]]:
    """(step, rank) of the hypotheses the search returns: those ending in EOS and those live at max_len."""
    return [(step, rank) for step in range(tree.tokens.shape[0]) for rank in range(tree.tokens.shape[1])
            if tree.tokens[step, rank] == eos or (step == max_len - 1 and tree.tokens[step, rank] >= 0)]


def _path(tree: BeamTree, step: int, rank: int) -> list[int]:
    """The tokens of the hypothesis at (step, rank), read back through its parents."""
    path = []
    while step >= 0:
        path.append(int(tree.tokens[step, rank]))
        rank = tree.parents[step, rank]
        step -= 1
    return path[::-1]


@njit(cache=True)
def _length_normalised(total, length, alpha):
    """Summed log-probability divided by length**alpha (the notes' length normalisation)."""
    return total / length ** alpha


@njit(cache=True)
def _beam_tree(logp, beam_width, max_len, eos):
    """Each step's kept candidates, best first (see BeamTree); finished hypotheses keep their slot for good."""
    vocab = logp.shape[1]
    tokens = np.full((max_len, beam_width), -1, np.int64)
    parents = np.full((max_len, beam_width), -1, np.int64)
    totals = np.full((max_len, beam_width), -np.inf)
    live = np.zeros(1, np.int64)
    open_slots = beam_width
    for step in range(max_len):
        candidates = np.empty(live.size * vocab)
        for j in range(live.size):
            prev = eos if step == 0 else tokens[step - 1, live[j]]
            base = 0.0 if step == 0 else totals[step - 1, live[j]]
            for token in range(vocab):
                candidates[j * vocab + token] = base + logp[step, prev, token]
        order = np.argsort(-candidates, kind="mergesort")
        kept = 0
        while kept < min(open_slots, order.size) and candidates[order[kept]] > -np.inf:
            best = order[kept]
            tokens[step, kept] = best % vocab
            parents[step, kept] = -1 if step == 0 else live[best // vocab]
            totals[step, kept] = candidates[best]
            kept += 1
        live = np.flatnonzero(tokens[step, :kept] != eos)
        open_slots -= kept - live.size
        if live.size == 0:
            break
    return tokens, parents, totals


@njit(cache=True)
def _greedy(logp, max_len, eos):
    """The argmax token at every step until EOS or max_len, and the summed log-probability."""
    tokens = np.empty(max_len, np.int64)
    prev, total = eos, 0.0
    for step in range(max_len):
        token = np.argmax(logp[step, prev])
        tokens[step] = token
        total += logp[step, prev, token]
        if token == eos:
            return tokens[:step + 1], total
        prev = token
    return tokens, total


@njit(cache=True)
def _exhaustive(logp, max_len, eos, alpha):
    """Depth-first walk over every sequence of nonzero probability, keeping the best normalised score."""
    vocab = logp.shape[1]
    prefix = np.empty(max_len, np.int64)
    next_token = np.zeros(max_len, np.int64)
    prefix_total = np.zeros(max_len)
    best, best_len, best_score = np.empty(max_len, np.int64), 0, -np.inf
    depth = 0
    while depth >= 0:
        token = next_token[depth]
        if token == vocab:
            depth -= 1
            continue
        next_token[depth] = token + 1
        lp = logp[depth, eos if depth == 0 else prefix[depth - 1], token]
        if lp == -np.inf:
            continue
        prefix[depth] = token
        total = prefix_total[depth] + lp
        if token == eos or depth == max_len - 1:
            score = _length_normalised(total, depth + 1, alpha)
            if score > best_score:
                best[:depth + 1] = prefix[:depth + 1]
                best_len, best_score = depth + 1, score
        else:
            depth += 1
            prefix_total[depth] = total
            next_token[depth] = 0
    return best[:best_len].copy(), best_score


# The demo: a toy decoder for "Jane visite l'Afrique en septembre" (deeplearning.ai, sequence models).

EOS_TEXT = "<eos>"
VOCABULARY = (EOS_TEXT, "Jane", "is", "visits", "visiting", "going", "to", "be", "Africa", "in", "September",
              "In")
# P(next | prev), the same at every step; unlisted pairs have probability zero.
TRANSITIONS = {
    EOS_TEXT: {"Jane": 0.7, "In": 0.3},
    "Jane": {"is": 0.5, "visits": 0.4, "visiting": 0.1},
    "is": {"going": 0.5, "visiting": 0.4, "in": 0.1},
    "going": {"to": 0.9, EOS_TEXT: 0.1},
    "to": {"be": 0.6, "Africa": 0.4},
    "be": {"visiting": 1.0},
    "visiting": {"Africa": 0.9, EOS_TEXT: 0.1},
    "visits": {"Africa": 0.95, EOS_TEXT: 0.05},
    "Africa": {"in": 0.55, EOS_TEXT: 0.45},
    "in": {"September": 1.0},
    "September": {EOS_TEXT: 0.8, "Jane": 0.2},
    "In": {"September": 1.0},
}
STEPS = 12
# The notes' worked step (B = 2): P(Jane) 0.5, P(In) 0.3, P(September) 0.1 first; after Jane: is 0.4, visits 0.35;
# after In: September 0.9; every other word less likely. The rest of the table is the toy model's.
WORKED_TRANSITIONS = {
    **TRANSITIONS,
    EOS_TEXT: {"Jane": 0.5, "In": 0.3, "September": 0.1, "Africa": 0.06, "is": 0.04},
    "Jane": {"is": 0.4, "visits": 0.35, "visiting": 0.25},
    "In": {"September": 0.9, "Africa": 0.1},
}
MODELS = {"toy": TRANSITIONS, "worked": WORKED_TRANSITIONS}


def toy_translation_model(steps: int = STEPS, model: str = "toy") -> np.ndarray:
    """The demo's log-probability table (steps, V, V) built from TRANSITIONS (model "toy") or WORKED_TRANSITIONS
    ("worked": the notes' worked beam step), with -inf for impossible pairs."""
    index = {word: i for i, word in enumerate(VOCABULARY)}
    table = np.full((len(VOCABULARY), len(VOCABULARY)), -np.inf)
    for prev, nexts in MODELS[check_choice("model", model, tuple(MODELS))].items():
        for word, probability in nexts.items():
            table[index[prev], index[word]] = np.log(probability)
    return np.broadcast_to(table, (steps, *table.shape)).copy()


def sentence(tokens: list[int]) -> str:
    """Tokens as words, with a full stop for a finished hypothesis and an ellipsis for a cut-off one."""
    eos = VOCABULARY.index(EOS_TEXT)
    words = " ".join(VOCABULARY[t] for t in tokens if t != eos)
    return words + ("." if tokens and tokens[-1] == eos else " …")


def run(
    beam_width: Annotated[int, Arg("hypotheses kept at each step (1 = greedy)", "每步保留的假设数(1 即贪心)",
                                   low=1, high=10)] = 3,
    alpha: Annotated[float, Arg("length normalisation: score = log P / L^alpha", "长度归一化:得分 = log P / L^alpha",
                                low=0.0, high=1.5)] = 0.7,
    max_len: Annotated[int, Arg("longest output, in tokens (with <eos>)", "输出的最大长度(含 <eos>)",
                                low=1, high=STEPS)] = 10,
    model: Annotated[str, Arg("toy: the demo's translation model; worked: the notes' worked step (first word Jane "
                              "0.5, In 0.3, September 0.1; after Jane: is 0.4, visits 0.35; after In: September 0.9)",
                              "toy:演示自带的翻译模型;worked:笔记中手算的那一步(第一个词 Jane 0.5、In 0.3、"
                              "September 0.1;Jane 之后 is 0.4、visits 0.35;In 之后 September 0.9)",
                              choices=tuple(MODELS))] = "toy",
    step: Annotated[int, Arg("show every candidate of this step, kept or dropped (0 = the final hypotheses)",
                             "列出这一步的所有候选及其去留(0 = 显示最终假设)", low=0, high=STEPS)] = 0,
) -> DemoResult:
    """Greedy, beam and exhaustive search on the toy model; the table ranks the beam's final hypotheses, or, for
    a step, every candidate the beam weighed then."""
    logp, eos = toy_translation_model(model=model), VOCABULARY.index(EOS_TEXT)
    beam = beam_search(logp, beam_width, max_len, eos, alpha)
    unnormalised = beam_search(logp, beam_width, max_len, eos, 0.0)[0]
    greedy_tokens, greedy_score = greedy(logp, max_len, eos, alpha)
    best_tokens, best_score = exhaustive(logp, max_len, eos, alpha)
    rows = [("greedy", sentence(greedy_tokens), *_score_cells(logp, greedy_tokens, greedy_score))]
    rows += [(f"beam #{i + 1}", sentence(tokens), *_score_cells(logp, tokens, score))
             for i, (tokens, score) in enumerate(beam[:10])]
    rows.append(("exhaustive", sentence(best_tokens), *_score_cells(logp, best_tokens, best_score)))
    top, top_score = sentence(beam[0][0]), beam[0][1]
    greedy_text, plain, plain_total = sentence(greedy_tokens), sentence(unnormalised[0]), unnormalised[1]
    summary = (f"Beam width {beam_width}, alpha {alpha:g}: \"{top}\" ({top_score:.3f}); "
               f"greedy: \"{greedy_text}\" ({greedy_score:.3f}).\n"
               f"Without length normalisation the beam picks \"{plain}\" "
               f"(log P {plain_total:.3f}); the exhaustive best is \"{sentence(best_tokens)}\".")
    summary_zh = (f"束宽 {beam_width},alpha {alpha:g}:“{top}”({top_score:.3f});"
                  f"贪心搜索:“{greedy_text}”({greedy_score:.3f})。\n"
                  f"不做长度归一化时,集束搜索选出“{plain}”(log P {plain_total:.3f});"
                  f"穷举搜索的最优结果是“{sentence(best_tokens)}”。")
    table = Table(columns=("search", "output", "log P", "L", f"score a={alpha:g}"), rows=tuple(rows),
                  columns_zh=("搜索方式", "输出", "log P", "L", f"得分 a={alpha:g}"))
    candidates = []
    if step:
        candidates = beam_candidates(logp, beam_width, max_len, eos, min(step, max_len))
        step_en, step_zh, table = _step_view(logp, candidates, beam_width, min(step, max_len), step)
        summary, summary_zh = f"{step_en}\n{summary.split(chr(10))[0]}", f"{step_zh}\n{summary_zh.split(chr(10))[0]}"
    return DemoResult(
        summary=summary,
        summary_zh=summary_zh,
        table=table,
        figure=_tree_figure(beam_tree(logp, beam_width, max_len, eos), beam[0][0]),
        data={"beam": [{"tokens": [VOCABULARY[t] for t in tokens], "score": score} for tokens, score in beam],
              "greedy": {"tokens": [VOCABULARY[t] for t in greedy_tokens], "score": greedy_score},
              "exhaustive": {"tokens": [VOCABULARY[t] for t in best_tokens], "score": best_score},
              "beam_without_normalisation": [VOCABULARY[t] for t in unnormalised[0]], "model": model,
              "step": step, "candidates": [{"tokens": [VOCABULARY[t] for t in tokens], "log_p": total,
                                            "probability": float(np.exp(total)), "kept": kept}
                                           for tokens, total, kept in candidates]})


def _step_view(logp: np.ndarray, candidates: list, beam_width: int, step: int, asked: int):
    """The summary line and table of one step: the beam it starts from, what it keeps, the best dropped."""
    past = (f" (step {asked} is past max_len: showing step {step})" if asked > step else "")
    past_zh = f"(第 {asked} 步超出 max_len:显示第 {step} 步)" if asked > step else ""
    if not candidates:
        return (f"Step {step}{past}: the search had already ended, every hypothesis with <eos>.",
                f"第 {step} 步{past_zh}:搜索已经结束,所有假设都以 <eos> 结尾。",
                Table(columns=("candidate", "joint P", "log P", "kept"), rows=(("–", "–", "–", "–"),),
                      columns_zh=("候选", "联合概率", "log P", "保留")))
    eos = VOCABULARY.index(EOS_TEXT)

    def product(tokens: list[int], total: float) -> str:
        prev = eos if len(tokens) == 1 else tokens[-2]
        last = float(np.exp(logp[step - 1, prev, tokens[-1]]))
        if len(tokens) == 1:
            return f"{last:.3g}"
        return f"{float(np.exp(total)) / last:.3g} · {last:.3g} = {float(np.exp(total)):.3g}"

    def words(tokens: list[int]) -> str:
        return " ".join(VOCABULARY[t] for t in tokens)

    kept = [(tokens, total) for tokens, total, keep in candidates if keep]
    dropped = [(tokens, total) for tokens, total, keep in candidates if not keep]
    prefixes = {}
    for tokens, total, _ in candidates:
        prev = eos if len(tokens) == 1 else tokens[-2]
        prefixes[tuple(tokens[:-1])] = total - float(logp[step - 1, prev, tokens[-1]])
    beam = sorted(prefixes.items(), key=lambda item: -item[1])
    start = ("the beam holds " + ", ".join(f"\"{words(list(prefix))}\" ({np.exp(total):.3g})" for prefix, total in beam)
             + "; " if step > 1 else "")
    start_zh = ("束中有 " + "、".join(f"“{words(list(prefix))}”({np.exp(total):.3g})" for prefix, total in beam)
                + ";" if step > 1 else "")
    keeps = ", ".join(f"\"{words(tokens)}\" ({product(tokens, total)})" for tokens, total in kept)
    keeps_zh = "、".join(f"“{words(tokens)}”({product(tokens, total)})" for tokens, total in kept)
    text = (f"Step {step}{past}, B = {beam_width}: {start}of {len(candidates)} candidates, scored by the joint "
            f"probability, it keeps {keeps}")
    text_zh = f"第 {step} 步{past_zh},B = {beam_width}:{start_zh}在 {len(candidates)} 个按联合概率打分的候选中保留 {keeps_zh}"
    if dropped:
        tokens, total = dropped[0]
        text += f"; the best dropped is \"{words(tokens)}\" ({product(tokens, total)})."
        text_zh += f";落选的最好候选是“{words(tokens)}”({product(tokens, total)})。"
    else:
        text, text_zh = text + ".", text_zh + "。"
    rows = tuple((words(tokens), product(tokens, total), f"{total:.3f}", "kept" if keep else "dropped")
                 for tokens, total, keep in candidates[:12])
    return text, text_zh, Table(columns=("candidate", "joint P", "log P", "kept"), rows=rows,
                                columns_zh=("候选", "联合概率", "log P", "保留"))


def _score_cells(logp: np.ndarray, tokens: list[int], score: float) -> tuple[str, str, str]:
    """Summed log-probability, length and normalised score of a sequence, formatted for the table."""
    prevs = [VOCABULARY.index(EOS_TEXT), *tokens[:-1]]
    total = sum(logp[step, prev, token] for step, (prev, token) in enumerate(zip(prevs, tokens)))
    return f"{total:.3f}", str(len(tokens)), f"{score:.3f}"


def _tree_figure(tree: BeamTree, winner: list[int]):
    """The search tree: x = step, y = rank in the beam, a line from each parent to its child, the winner thick."""
    blue, orange, red, gray = COLOURS[0], COLOURS[1], COLOURS[3], COLOURS[9]
    fig, ax = new_axes("Beam search tree (lines join parent and child)", "step (tokens generated)", "rank in the beam")
    eos = VOCABULARY.index(EOS_TEXT)
    for step, rank in zip(*np.nonzero(tree.tokens[1:] >= 0)):
        parent = tree.parents[step + 1, rank]
        ax.plot([step + 1, step + 2], [parent + 1, rank + 1], color=gray, linewidth=2)
    kept = np.nonzero(tree.tokens >= 0)
    live = tree.tokens[kept] != eos
    ax.scatter(kept[0][live] + 1, kept[1][live] + 1, color=blue, marker=MARKERS[0], label="live hypothesis")
    ax.scatter(kept[0][~live] + 1, kept[1][~live] + 1, color=red, marker=MARKERS[1], label="ended with <eos>")
    ranks = _winning_ranks(tree, winner)
    steps = np.arange(1, len(ranks) + 1)
    ax.plot(steps, np.array(ranks) + 1, color=orange, linewidth=4, marker=MARKERS[3], label="best hypothesis")
    for step, (rank, token) in enumerate(zip(ranks, winner)):
        if token != eos:
            ax.annotate(VOCABULARY[token], (step + 1, rank + 1), textcoords="offset points",
                        xytext=(0, 9 if step % 2 == 0 else -16), ha="center")
    ax.set_xlim(0.5, tree.tokens.shape[0] + 0.5)
    ax.set_ylim(tree.tokens.shape[1] + 0.5, 0.5)
    ax.set_yticks(range(1, tree.tokens.shape[1] + 1))
    ax.legend()
    return fig


def _winning_ranks(tree: BeamTree, winner: list[int]) -> list[int]:
    """The rank at each step of the hypothesis whose tokens are `winner`."""
    last = len(winner) - 1
    rank = next(r for r in range(tree.tokens.shape[1]) if _path(tree, last, r) == winner)
    ranks = [rank]
    for step in range(last, 0, -1):
        ranks.append(int(tree.parents[step, ranks[-1]]))
    return ranks[::-1]


def warm() -> None:
    """Compile (or load from cache) every kernel on a two-token model."""
    logp = np.log(np.full((2, 2, 2), 0.5))
    beam_search(logp, 2, 2, 0, 0.7)
    greedy(logp, 2, 0, 0.7)
    exhaustive(logp, 2, 0, 0.7)
    beam_candidates(logp, 2, 2, 0, 2)


DEMO = declare_demo(
    run, warm,
    title_en="Beam search",
    title_zh="集束搜索",
    description_en="Decode a toy French-to-English model with greedy, beam and exhaustive search, "
                   "with length normalisation.",
    description_zh="用贪心搜索、集束搜索和穷举搜索解码一个玩具法译英模型,并比较长度归一化的效果。",
)


# Drill: which hypotheses one beam-search step keeps, from a small table of probabilities.

_DRILL_FIRST = ("Jane", "Tom", "She", "He", "We", "They", "Anna", "I")  # subjects, and past-tense verbs to follow
_DRILL_NEXT = ("went", "saw", "visited", "liked", "read", "played", "met", "left", "came", "ate", "wrote")
_OPTIONS = ("A", "B", "C", "D")
_UNIT = 0.05  # every drawn probability is a multiple of this


def _draw_parts(rng, parts: int) -> list[int]:
    """`parts` distinct whole numbers >= 1 summing to 1 / _UNIT, in random order."""
    total = round(1 / _UNIT)
    while True:
        cuts = sorted(int(cut) for cut in rng.choice(np.arange(1, total), parts - 1, replace=False))
        sizes = [b - a for a, b in zip([0, *cuts], [*cuts, total])]
        if len(set(sizes)) == parts:
            return sizes


def _draw_beam_step(rng) -> dict:
    """B, B + 1 first words, 2 or 3 next words after each of the B likeliest, and four answer options; the joint
    probabilities of step 2 are all different and the last kept one clearly beats the best dropped one."""
    while True:
        width = int(rng.choice((2, 3)))
        firsts = [str(word) for word in rng.choice(_DRILL_FIRST, width + 1, replace=False)]
        first_units = _draw_parts(rng, width + 1)
        kept_firsts = sorted(firsts, key=lambda word: -first_units[firsts.index(word)])[:width]
        parents = [word for word in firsts if word in kept_firsts]  # in the order the question lists them
        second, joints = [], {}
        for parent in parents:
            count_next = int(rng.choice((2, 3)))
            words = [str(word) for word in rng.choice(_DRILL_NEXT, count_next, replace=False)]
            units = _draw_parts(rng, count_next)
            second.append([parent, [[word, round(unit * _UNIT, 2)] for word, unit in zip(words, units)]])
            for word, unit in zip(words, units):
                joints[f"{parent} {word}"] = (first_units[firsts.index(parent)] * unit, unit)
        ranked = sorted(joints.values(), reverse=True)
        if len({joint for joint, _ in ranked}) < len(ranked) or ranked[width - 1][0] - ranked[width][0] < 4:
            continue  # a tie, or a margin under 0.01 (joint units are 0.0025)
        options = _beam_options(rng, width, parents, second, joints)
        if options is None:
            continue
        first = [[word, round(unit * _UNIT, 2)] for word, unit in zip(firsts, first_units)]
        return {"beam_width": width, "first": first, "second": second, "options": options,
                "first_text": ", ".join(f"P({word}) = {p:g}" for word, p in first),
                "second_text": "; ".join(", ".join(f"P({word} | {parent}) = {p:g}" for word, p in nexts)
                                         for parent, nexts in second),
                "options_text": "; ".join(f"{letter}) " + ", ".join(f"“{text}”" for text in option)
                                          for letter, option in zip(_OPTIONS, options))}


def _beam_options(rng, width: int, parents: list[str], second: list, joints: dict) -> list[list[str]] | None:
    """Four different sets of `width` hypotheses, one of them the beam's, the others the usual mistakes (ranking
    by the second word alone, following the best first word, one per first word, the best dropped one in), each
    listed in the question's order; None when there are not four."""
    listed = [f"{parent} {word}" for parent, nexts in second for word, _ in nexts]
    by_joint = sorted(listed, key=lambda text: -joints[text][0])
    by_second = sorted(listed, key=lambda text: (-joints[text][1], listed.index(text)))
    best_parent = max(parents, key=lambda parent: max(joints[text][0] for text in listed
                                                     if text.startswith(parent + " ")))
    following = sorted(listed, key=lambda text: (not text.startswith(best_parent + " "), -joints[text][1]))
    one_each = [f"{parent} {max(nexts, key=lambda item: item[1])[0]}" for parent, nexts in second]
    candidates = [by_joint[:width], by_second[:width], following[:width], one_each[:width],
                  by_joint[:width - 1] + [by_joint[width]]]
    for _ in range(20):
        candidates.append([str(text) for text in rng.choice(listed, width, replace=False)])
    options: list[frozenset] = []
    for candidate in candidates:
        if len(candidate) == width and frozenset(candidate) not in options:
            options.append(frozenset(candidate))
        if len(options) == len(_OPTIONS):
            break
    if len(options) < len(_OPTIONS):
        return None
    order = [int(i) for i in rng.permutation(len(options))]
    return [[text for text in listed if text in options[i]] for i in order]


def _drill_model(first: list, second: list) -> tuple[np.ndarray, list[str]]:
    """The log-probability table (2, V, V) of the drill's two steps, and its vocabulary (<eos> first): step 1 reads
    the row of <eos>, step 2 the row of the first word; every other row goes to <eos>."""
    words = [EOS_TEXT]
    for word in [word for word, _ in first] + [word for _, nexts in second for word, _ in nexts]:
        if word not in words:
            words.append(word)
    logp = np.full((2, len(words), len(words)), -np.inf)
    logp[:, :, 0] = 0.0
    logp[0, 0, 0] = -np.inf
    for word, probability in first:
        logp[0, 0, words.index(word)] = np.log(probability)
    for parent, nexts in second:
        logp[1, words.index(parent), 0] = -np.inf
        for word, probability in nexts:
            logp[1, words.index(parent), words.index(word)] = np.log(probability)
    return logp, words


def _solve_next_beam(beam_width: int, first: list, second: list, options: list, first_text: str = "",
                     second_text: str = "", options_text: str = "") -> Worked:
    """The module's beam search on the drill's table: step 1's kept words, step 2's candidates by joint probability."""
    logp, words = _drill_model(first, second)
    kept_first = [(tokens, total) for tokens, total, kept in beam_candidates(logp, beam_width, 2, 0, 1) if kept]
    candidates = beam_candidates(logp, beam_width, 2, 0, 2)
    kept = {" ".join(words[t] for t in tokens) for tokens, _, keep in candidates if keep}
    letter = next(letter for letter, option in zip(_OPTIONS, options) if set(option) == kept)
    firsts = ", ".join(f"{words[tokens[0]]} ({np.exp(total):.3g})" for tokens, total in kept_first)
    steps_en = ["score = P(y1 | x) · P(y2 | x, y1), the joint probability (a sum of logs in practice)",
                f"step 1 keeps the B = {beam_width} likeliest first words: {firsts}"]
    steps_zh = ["得分 = P(y1 | x) · P(y2 | x, y1),即联合概率(实际中用对数之和)",
                f"第 1 步保留概率最高的 B = {beam_width} 个首词:{firsts}"]
    for tokens, total, keep in candidates:
        head, tail = (float(np.exp(logp[step, prev, token])) for step, prev, token in
                      ((0, 0, tokens[0]), (1, tokens[0], tokens[1])))
        line = f"“{words[tokens[0]]} {words[tokens[1]]}”: {head:g} · {tail:g} = {np.exp(total):.4g}"
        steps_en.append(f"{line}, {'kept' if keep else 'dropped'}")
        steps_zh.append(f"{line},{'保留' if keep else '淘汰'}")
    chosen = ", ".join(f"“{text}”" for text in options[_OPTIONS.index(letter)])
    steps_en.append(f"kept after step 2: {chosen}, option {letter}")
    steps_zh.append(f"第 2 步后保留:{chosen},即选项 {letter}")
    return Worked({"kept": letter}, tuple(steps_en), tuple(steps_zh))


DRILLS = declare_drills(
    __name__,
    Drill("next_beam", "One beam-search step", "一步集束搜索",
          "Beam search with beam width B = {beam_width}. Step 1, the first word: {first_text}. Step 2, the next word "
          "after each first word the beam keeps: {second_text} (no other word is possible). Which {beam_width} "
          "two-word hypotheses are in the beam after step 2? {options_text}.",
          "束宽 B = {beam_width} 的集束搜索。第 1 步,首词的概率:{first_text}。第 2 步,在集束保留的每个首词之后,"
          "下一个词的概率:{second_text}(不可能出现其他词)。第 2 步后集束中是哪 {beam_width} 个两词假设?"
          "{options_text}。",
          (Field("kept", "hypotheses kept", "保留的假设", kind="choice", choices=_OPTIONS),),
          _draw_beam_step, _solve_next_beam),
)
