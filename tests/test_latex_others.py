"""Formulas as d2l, Goodfellow, CS229/CS231n and Bishop write them, sibling scripts in one style, and `cases` in
the card's language (issue 17)."""

from __future__ import annotations

import pytest

from revise.text.latex import latex_to_unicode

OVERLINE, UNDERLINE = "\u0305", "\u0332"

STACKED = [
    (r"\underset{x}{\arg\min} f(x)", "argminₓ f(x)"),
    (r"\underset{\theta}{\operatorname{argmax}} J(\theta)", "argmax_θ J(θ)"),
    (r"a \overset{def}{=} b", "a =ᵈᵉᶠ b"),
    (r"a \stackrel{?}{=} b", "a =^? b"),
    (r"A \xrightarrow{f} B", "A →ᶠ B"),
    (r"A \xrightarrow[g]{f} B", "A →_gᶠ B"),
    (r"B \xleftarrow{f} A", "B ←ᶠ A"),
    (r"\underbrace{a+b}_{n}", "(a+b)ₙ"),
    (r"\overbrace{a+b}^{n}", "(a+b)ₙ"),
    (r"\underbrace{x \cdots x}_{n \text{ times}}", "(x ⋯ x)_(n times)"),
    (r"\overrightarrow{AB}", "(AB)^→"),
    (r"\overleftarrow{a}", "a^←"),
    (r"\overrightarrow{a}^{<t>}", "a^(→,<t>)"),
    (r"{x^2}^3", "(x²)³"),
    (r"{a+b}^2", "(a+b)²"),
    (r"{(a+b)}^2", "(a+b)²"),
    (r"{x}_i^2", "xᵢ²"),
    (r"{x_i}^2", "(xᵢ)²"),
]

IGNORED = [
    (r"\color{red}{x} + y", "x + y"),
    (r"\color{red} x + y", "x + y"),
    (r"\textcolor{red}{x} + y", "x + y"),
    (r"a\phantom{x}b", "ab"),
    (r"E = mc^2 \label{eq:1}", "E = mc²"),
    (r"\hat{}", ""),
    (r"a\hat{}b", "ab"),
    (r"\hat{} x", "x"),
    (r"\overrightarrow{} x", "x"),
]

OTHERS = [
    (r"{n \choose k}", "C(n, k)"),
    (r"\binom{n}{k} = {n \choose k}", "C(n, k) = C(n, k)"),
    (r"{a \over b}", "a/b"),
    (r"a \equiv b \pmod{m}", "a ≡ b (mod m)"),
    (r"a \bmod m", "a mod m"),
    (r"\begin{multline} a + b \\ + c \end{multline}", "a + b; + c"),
    (r"\begin{eqnarray} a &=& b \\ c &=& d \end{eqnarray}", "a = b; c = d"),
    (r"\begin{eqnarray*} a &=& b \end{eqnarray*}", "a = b"),
    (r"90^\circ", "90°"),
    (r"\theta = 45^{\circ}", "θ = 45°"),
    (r"\frac{a}{b}/c", "(a/b)/c"),
    (r"\frac{a}{b}/\frac{c}{d}", "(a/b)/(c/d)"),
    (r"\begin{pmatrix} d & -b \\ -c & a \end{pmatrix}", "(d, -b; -c, a)"),
    (r"\begin{bmatrix} \cos\theta & -\sin\theta \\ \sin\theta & \cos\theta \end{bmatrix}",
     "[cos θ, -sin θ; sin θ, cos θ]"),
    (r"\begin{bmatrix} -1 & 2 \\ 3 & 4 \end{bmatrix}", "[-1 2; 3 4]"),
    (r"\begin{cases} 1 & x > 0 \\ 0 & \text{otherwise.} \end{cases}", "{1 if x > 0; 0 otherwise}"),
    (r"\begin{cases} 1, & \text{if } x > 0, \\ 0, & \text{otherwise.} \end{cases}", "{1 if x > 0; 0 otherwise}"),
    (r"a \star b", "a ⋆ b"),
    (r"w^\star", "w⋆"),
    (r"\overline{x + y}", "x" + OVERLINE + " " + OVERLINE + "+" + OVERLINE + " " + OVERLINE + "y" + OVERLINE),
    (r"\overline{x_i}", "x" + OVERLINE + "ᵢ" + OVERLINE),
    (r"\underline{a b}", "a" + UNDERLINE + " " + UNDERLINE + "b" + UNDERLINE),
]

SIBLINGS = [
    (r"b_x, b_y, b_h, b_w", "b_x, b_y, b_h, b_w"),
    (r"(l_x, l_y)", "(l_x, l_y)"),
    (r"e_{man} - e_{woman}", "e_man - e_woman"),
    (r"\Gamma_f, \Gamma_u, \Gamma_o", "Γ_f, Γ_u, Γ_o"),
    (r"W_{aa}, W_{ax}, W_{ya}", "W_aa, W_ax, W_ya"),
    (r"W^q, W^k, W^v", "W^q, W^k, W^v"),
    (r"\mu_{run} \leftarrow 0.9 \mu_{run} + 0.1 \mu_{batch}", "μ_run ← 0.9 μ_run + 0.1 μ_batch"),
    (r"w_1 x_1 + \dots + w_d x_d", "w_1 x_1 + … + w_d x_d"),
    (r"\frac{\partial L}{\partial b_x}", "∂L/∂bₓ"),
    (r"b_x + c_y", "bₓ + c_y"),
    (r"x_i^2 + x_j^k", "xᵢ² + xⱼᵏ"),
    (r"e^{-c} e^{z_i}", "e⁻ᶜ e^(zᵢ)"),
    (r"\hat{y}_t, y_q", "ŷₜ, y_q"),
    (r"\mathrm{head}_i = \mathrm{Attention}(QW_i^Q, KW_i^K, VW_i^V)", "headᵢ = Attention(QWᵢ^Q, KWᵢ^K, VWᵢ^V)"),
]

CHINESE = [
    (r"\begin{cases} 1 & z > 0 \\ 0 & \text{otherwise} \end{cases}", "{1 若 z > 0; 0 否则}"),
    (r"\begin{cases} 1 & z > 0 \\ 0 & z < 0 \end{cases}", "{1 若 z > 0; 0 若 z < 0}"),
    (r"\begin{cases} 1 & \text{if } c > r \\ e^{1 - r/c} & \text{if } c \le r \end{cases}",
     "{1 若 c > r; e^(1-r/c) 若 c ≤ r}"),
    (r"\begin{cases} x & \text{else} \end{cases}", "{x 否则}"),
    (r"\begin{cases} 1 & \text{当 } z > 0 \\ 0 & \text{其他} \end{cases}", "{1 当 z > 0; 0 其他}"),
    (r"x^2 + \text{if}", "x² + if"),
]


@pytest.mark.parametrize(("src", "expected"), [*STACKED, *IGNORED, *OTHERS])
def test_formulas_written_by_others(src: str, expected: str) -> None:
    assert latex_to_unicode(src) == expected


@pytest.mark.parametrize(("src", "expected"), SIBLINGS)
def test_sibling_scripts_take_one_style(src: str, expected: str) -> None:
    assert latex_to_unicode(src) == expected


@pytest.mark.parametrize(("src", "expected"), CHINESE)
def test_cases_read_in_chinese_on_the_chinese_side(src: str, expected: str) -> None:
    assert latex_to_unicode(src, "zh") == expected


def test_the_english_side_keeps_english_cases() -> None:
    assert latex_to_unicode(r"\begin{cases} 1 & z > 0 \\ 0 & \text{otherwise} \end{cases}", "en") == \
        "{1 if z > 0; 0 otherwise}"


def test_each_side_of_a_card_shows_cases_in_its_language() -> None:
    from revise.cards.parser import parse_card_file
    from revise.text.card_markdown import CardSides, DisplayFormula
    from revise.text.math_markdown import render_math

    relu = r"$$\begin{cases} 1 & z > 0 \\ 0 & \text{otherwise} \end{cases}$$"
    text = f"# D | 甲\n## ReLU | ReLU\nid: relu\n\n### Q\nSlope?\n### A\n{relu}\n### 问\n斜率?\n### 答\n{relu}\n"
    card = parse_card_file(text, "cards/deck.md", "deck").cards[0]
    sides = CardSides.of(card)
    assert sides.back["en"] == [DisplayFormula(relu.strip("$"), "{1 if z > 0; 0 otherwise}")]
    assert sides.back["zh"] == [DisplayFormula(relu.strip("$"), "{1 若 z > 0; 0 否则}")]
    assert card.maths["back_zh"].converted == ("{1 若 z > 0; 0 否则}",)
    assert card.maths["back_en"].converted == ("{1 if z > 0; 0 otherwise}",)
    assert "否则" in render_math(card.back_zh, for_markdown=False, language="zh")
