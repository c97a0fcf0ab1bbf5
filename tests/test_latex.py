"""Tests for converting LaTeX formulas to terminal Unicode text."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from revise.text.latex import LatexError, latex_to_unicode

HAT, BAR, TILDE, VEC, DOT, DDOT = "\u0302", "\u0305", "\u0303", "\u20d7", "\u0307", "\u0308"


def _composed(text: str) -> str:
    """The NFC form the converter returns, e.g. y + combining hat -> precomposed ŷ."""
    return unicodedata.normalize("NFC", text)


TARGETS = [
    (r"\hat{v}_t = \frac{v_t}{1-\beta_2^t}", "v̂ₜ = vₜ/(1-β₂ᵗ)"),
    (
        r"\theta_t = \theta_{t-1} - \alpha \frac{\hat{m}_t}{\sqrt{\hat{v}_t}+\epsilon}",
        "θₜ = θₜ₋₁ - α m̂ₜ/(√v̂ₜ+ε)",
    ),
    (r"\left\lfloor \frac{n+2p-f}{s} \right\rfloor + 1", "⌊(n+2p-f)/s⌋ + 1"),
    (
        r"PE_{(pos,2i)} = \sin\left(\frac{pos}{10000^{2i/d_{model}}}\right)",
        "PE_(pos,2i) = sin(pos/10000^(2i/d_model))",
    ),
]

SCRIPTS = [
    (r"x_t^2", "xₜ²"),
    (r"w^* = \arg\min_w J", "w* = argmin_w J"),
    (r"y^{*}", "y*"),
    (r"A^\dagger", "A†"),
    (r"x^2_t", "xₜ²"),
    (r"x_{ij}", "xᵢⱼ"),
    (r"x_{i j}", "xᵢⱼ"),
    (r"x^{n-1}", "xⁿ⁻¹"),
    (r"e^{-x}", "e⁻ˣ"),
    (r"x_{\text{max}}", "xₘₐₓ"),
    (r"d_{model}", "d_model"),
    (r"x_B", "x_B"),
    (r"\sigma_B^2", "σ_B²"),
    (r"x_{i,j}", "x_(i,j)"),
    (r"G_{kk'}", "G_(kk')"),
    (r"x^{T}", "xᵀ"),
    (r"x^\top", "xᵀ"),
    (r"x^{\top} y", "xᵀ y"),
    (r"W^{[l]}", "W^[l]"),
    (r"n^{[l-1]}", "n^[l-1]"),
    (r"a^{(i)}", "a⁽ⁱ⁾"),
    (r"c^{\langle t \rangle}", "c^⟨t⟩"),
    (r"e^{z_i}", "e^(zᵢ)"),
    (r"e^{1 - r/c}", "e^(1-r/c)"),
    (r"x^{\prime}", "x′"),
    (r"\theta^*", "θ*"),
    (r"x^{}", "x"),
    (r"{}^{14}C", "¹⁴C"),
    (r"x ^ 2", "x²"),
]

FRACTIONS = [
    (r"\frac{a}{b}", "a/b"),
    (r"\dfrac{a}{b}", "a/b"),
    (r"\tfrac{a}{b}", "a/b"),
    (r"\frac12", "1/2"),
    (r"\frac{a+b}{c}", "(a+b)/c"),
    (r"\frac{a}{b c}", "a/(b c)"),
    (r"\frac{2i}{d}", "(2i)/d"),
    (r"\frac{pos}{2}", "pos/2"),
    (r"\frac{x_t}{\beta_1}", "xₜ/β₁"),
    (r"\frac{\hat{m}_t}{10}", "m̂ₜ/10"),
    (r"\frac{(a+b)}{2}", "(a+b)/2"),
    (r"\frac{\partial L}{\partial w}", "∂L/∂w"),
    (r"\frac{1}{\log n}", "1/(log n)"),
    (r"\frac{\frac{a}{b}}{c}", "(a/b)/c"),
    (r"\frac{a}{b}c", "(a/b)c"),
    (r"\frac{a}{b}^2", "(a/b)²"),
    (r"\frac{1}{m}\sum_i x_i", "(1/m) Σᵢ xᵢ"),
    (r"\log\frac{p}{q}", "log(p/q)"),
    (r"a = \frac{b}{c} + d", "a = b/c + d"),
    (r"\frac{-b \pm \sqrt{b^2-4ac}}{2a}", "(-b ± √(b²-4ac))/(2a)"),
]

ROOTS = [
    (r"\sqrt{x}", "√x"),
    (r"\sqrt{2}", "√2"),
    (r"\sqrt{x+y}", "√(x+y)"),
    (r"\sqrt{\hat{v}_t}", "√v̂ₜ"),
    (r"\sqrt{\frac{2}{n}}", "√(2/n)"),
    (r"\sqrt[3]{x}", "∛x"),
    (r"\sqrt[n]{x}", "ⁿ√x"),
    (r"\sqrt[q]{x}", "(x)^(1/q)"),
    (r"\sqrt{x}^2", "(√x)²"),
]

ACCENTS = [
    (r"\hat{x}", "x" + HAT),
    (r"\hat x", "x" + HAT),
    (r"\widehat{y}", _composed("y" + HAT)),
    (r"\bar{x}", "x" + BAR),
    (r"\tilde{c}", "c" + TILDE),
    (r"\vec{v}", "v" + VEC),
    (r"\dot{x}", _composed("x" + DOT)),
    (r"\ddot{x}", _composed("x" + DDOT)),
    (r"\overline{xy}", "x" + BAR + "y" + BAR),
    (r"\hat{v}_t", "v" + HAT + "ₜ"),
    (r"\hat{\theta}", "θ" + HAT),
    (r"\not\in", "∉"),
    (r"\hat{y}", "\u0177"),
]

BIG_OPERATORS = [
    (r"\sum_{i=1}^{n} x_i", "Σᵢ₌₁ⁿ xᵢ"),
    (r"\sum_{i \in S} x_i", "Σ_(i∈S) xᵢ"),
    (r"\sum\limits_{i=1}^n i", "Σᵢ₌₁ⁿ i"),
    (r"\sum_i\sum_j a_{ij}", "Σᵢ Σⱼ aᵢⱼ"),
    (r"\prod_{i=1}^n p_i", "∏ᵢ₌₁ⁿ pᵢ"),
    (r"\int_0^1 f(x)\,dx", "∫₀¹ f(x) dx"),
    (r"\max_{x} f(x)", "maxₓ f(x)"),
    (r"\min_\theta J", "min_θ J"),
    (r"\arg\max_\theta J(\theta)", "argmax_θ J(θ)"),
    (r"\lim_{x \to 0} f(x)", "lim_(x→0) f(x)"),
]

WORDS = [
    (r"\log x", "log x"),
    (r"\tanh'(z) = 1 - \tanh^2 z", "tanh'(z) = 1 - tanh² z"),
    (r"\exp(x)", "exp(x)"),
    (r"\sin\theta + \cos\theta", "sin θ + cos θ"),
    (r"\tan x", "tan x"),
    (r"\tanh(x)", "tanh(x)"),
    (r"\sigma(z)", "σ(z)"),
    (r"\det A", "det A"),
    (r"2\log x", "2 log x"),
    (r"\log\hat{y}", _composed("log y" + HAT)),
    (r"\operatorname{softmax}(z)", "softmax(z)"),
    (r"\operatorname*{arg\,max}_x", "arg maxₓ"),
    (r"\mathrm{softmax}(z)", "softmax(z)"),
    (r"\text{if } x > 0", "if x > 0"),
    (r"\textrm{learning rate}", "learning rate"),
    (r"\mathbf{x}", "x"),
    (r"\boldsymbol{\theta}", "θ"),
    (r"\mathbf{W}^{[l]}", "W^[l]"),
    (r"\mathbb{R}", "ℝ"),
    (r"\mathbb{R}^{n}", "ℝⁿ"),
    (r"\mathbb{R}^{n \times m}", "ℝ^(n×m)"),
    (r"\mathcal{L}", "ℒ"),
    (r"\mathbb{E}[x]", "𝔼[x]"),
]

DELIMITERS = [
    (r"\left( x \right)", "(x)"),
    (r"\left[ x \right]", "[x]"),
    (r"\left\{ x \right\}", "{x}"),
    (r"\left| x \right|", "|x|"),
    (r"\left\| x \right\|", "‖x‖"),
    (r"\left. x \right|", "x|"),
    (r"\lfloor x \rfloor", "⌊x⌋"),
    (r"\lceil x \rceil", "⌈x⌉"),
    (r"\langle x, y \rangle", "⟨x, y⟩"),
    (r"\big( x \big)", "(x)"),
    (r"\{x_i\}", "{xᵢ}"),
    (r"[0, 1)", "[0, 1)"),
]

SPACING = [
    (r"a\,b", "a b"),
    (r"a\;b", "a b"),
    (r"a\:b", "a b"),
    (r"a\!b", "ab"),
    (r"a\quad b", "a b"),
    (r"a\qquad b", "a b"),
    (r"a\ b", "a b"),
    (r"a~b", "a b"),
    ("a  \t b", "a b"),
    ("  a  ", "a"),
    (r"\alpha x", "α x"),
    (r"\partial x", "∂x"),
    (r"\sigma (z)", "σ(z)"),
    (r"\log (x)", "log(x)"),
    (r"\alpha \frac{a}{b}", "α a/b"),
]

SYMBOLS = [
    (r"\cdot", "·"),
    (r"\times", "×"),
    (r"\pm", "±"),
    (r"\leq", "≤"),
    (r"\le", "≤"),
    (r"\geq", "≥"),
    (r"\ge", "≥"),
    (r"\neq", "≠"),
    (r"\approx", "≈"),
    (r"\sim", "∼"),
    (r"\propto", "∝"),
    (r"\in", "∈"),
    (r"\infty", "∞"),
    (r"\partial", "∂"),
    (r"\nabla", "∇"),
    (r"\odot", "⊙"),
    (r"\otimes", "⊗"),
    (r"\circ", "∘"),
    (r"\leftarrow", "←"),
    (r"\gets", "←"),
    (r"\rightarrow", "→"),
    (r"\to", "→"),
    (r"\Rightarrow", "⇒"),
    (r"\mapsto", "↦"),
    (r"\ldots", "…"),
    (r"\cdots", "⋯"),
    (r"\dots", "…"),
    (r"\|", "‖"),
    (r"\{", "{"),
    (r"\}", "}"),
    (r"\%", "%"),
    (r"\$", "$"),
    (r"\_", "_"),
    (r"\&", "&"),
    (r"\top", "⊤"),
    (r"\epsilon", "ε"),
    (r"\varepsilon", "ε"),
    (r"\alpha", "α"),
    (r"\Sigma", "Σ"),
    (r"a - b", "a - b"),
]

ENVIRONMENTS = [
    (r"\begin{bmatrix} a & b \\ c & d \end{bmatrix}", "[a b; c d]"),
    (r"\begin{pmatrix} a & b \\ c & d \end{pmatrix}", "(a b; c d)"),
    (r"\begin{vmatrix} a & b \\ c & d \end{vmatrix}", "|a b; c d|"),
    (r"\begin{matrix} a & b \\ c & d \end{matrix}", "a b; c d"),
    (r"\begin{cases} x & x>0 \\ 0 & \text{otherwise} \end{cases}", "{x if x>0; 0 otherwise}"),
    (r"\begin{cases} 1, & x > 0 \\ 0, & \text{otherwise} \end{cases}", "{1 if x > 0; 0 otherwise}"),
    (r"\begin{aligned} a &= b \\ &= c \end{aligned}", "a = b; = c"),
    (r"\begin{align*} a &= b \\ c &= d \\ \end{align*}", "a = b; c = d"),
    (r"\begin{split} a &= b \end{split}", "a = b"),
    (r"\begin{array}{cc} a & b \end{array}", "a b"),
]

REALISTIC = [
    (r"m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t", "mₜ = β₁ mₜ₋₁ + (1-β₁) gₜ"),
    (r"v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2", "vₜ = β₂ vₜ₋₁ + (1-β₂) gₜ²"),
    (r"\hat{m}_t = \frac{m_t}{1-\beta_1^t}", "m̂ₜ = mₜ/(1-β₁ᵗ)"),
    (r"\frac{e^{z_i}}{\sum_{j=1}^{K} e^{z_j}}", "e^(zᵢ)/(Σⱼ₌₁ᴷ e^(zⱼ))"),
    (r"-\sum_i y_i \log \hat{y}_i", "-Σᵢ yᵢ log ŷᵢ"),
    (r"\hat{x}_i = \frac{x_i - \mu_B}{\sqrt{\sigma_B^2 + \epsilon}}", "x̂ᵢ = (xᵢ - μ_B)/√(σ_B² + ε)"),
    (r"\mathrm{softmax}\left(\frac{QK^\top}{\sqrt{d_k}}\right)V", "softmax(QKᵀ/√dₖ)V"),
    (
        r"n_{out} = \left\lfloor \frac{n_{in} + 2p - f}{s} \right\rfloor + 1",
        "nₒᵤₜ = ⌊(nᵢₙ + 2p - f)/s⌋ + 1",
    ),
    (r"\frac{|A \cap B|}{|A \cup B|}", "|A ∩ B|/|A ∪ B|"),
    (
        r"\max(\|f(A)-f(P)\|^2 - \|f(A)-f(N)\|^2 + \alpha, 0)",
        "max(‖f(A)-f(P)‖² - ‖f(A)-f(N)‖² + α, 0)",
    ),
    (
        r"\tilde{c}^{\langle t \rangle} = \tanh(W_c[\Gamma_r \odot c^{\langle t-1 \rangle}, x^{\langle t \rangle}] + b_c)",
        "c̃^⟨t⟩ = tanh(W_c[Γᵣ ⊙ c^⟨t-1⟩, x^⟨t⟩] + b_c)",
    ),
    (
        r"c^{\langle t \rangle} = \Gamma_u \odot \tilde{c}^{\langle t \rangle} + (1 - \Gamma_u) \odot c^{\langle t-1 \rangle}",
        "c^⟨t⟩ = Γᵤ ⊙ c̃^⟨t⟩ + (1 - Γᵤ) ⊙ c^⟨t-1⟩",
    ),
    (r"f_t = \sigma(W_f [h_{t-1}, x_t] + b_f)", "fₜ = σ(W_f [hₜ₋₁, xₜ] + b_f)"),
    (r"h_t = o_t \odot \tanh(c_t)", "hₜ = oₜ ⊙ tanh(cₜ)"),
    (
        r"BP = \begin{cases} 1 & \text{if } c > r \\ e^{1 - r/c} & \text{if } c \le r \end{cases}",
        "BP = {1 if c > r; e^(1-r/c) if c ≤ r}",
    ),
    (r"G_{kk'} = \sum_i \sum_j a_{ijk} a_{ijk'}", "G_(kk') = Σᵢ Σⱼ aᵢⱼₖ a_(ijk')"),
    (
        r"W^{[l]} = np.random.randn(n^{[l]}, n^{[l-1]}) \cdot \sqrt{\frac{2}{n^{[l-1]}}}",
        "W^[l] = np.random.randn(n^[l], n^[l-1]) · √(2/n^[l-1])",
    ),
    (r"\theta \leftarrow \theta - \alpha \nabla_\theta J(\theta)", "θ ← θ - α ∇_θ J(θ)"),
]

ERRORS = [
    (r"\foo", r"unknown command \foo at column 1"),
    (r"x + \foo", r"unknown command \foo at column 5"),
    (r"{a", "unbalanced braces"),
    (r"a}", "unbalanced braces"),
    (r"\frac{a}", r"\frac"),
    (r"\frac", r"\frac"),
    (r"\sqrt", r"\sqrt"),
    (r"\begin{cases} a", r"\begin{cases}"),
    (r"\begin{cases} x \end{pmatrix}", r"\begin{cases}"),
    (r"\begin{foo} x \end{foo}", "unknown environment foo"),
    (r"\end{cases}", r"\end"),
    (r"x^", "missing argument for ^"),
    (r"x_", "missing argument for _"),
    (r"x^2^3", "double superscript"),
    (r"x_1_2", "double subscript"),
    (r"\left( x", r"\right"),
    (r"\right)", r"\right"),
    (r"\left\foo x \right)", "delimiter"),
    (r"\sqrt[3{x}", r"\sqrt["),
    ("x \\", "lone backslash"),
    ("{" * 200 + "x" + "}" * 200, "nested too deeply"),
    (r"{a \choose b \choose c}", r"ambiguous \choose"),
    (r"\label{eq", r"argument of \label"),
    (r"\overleftarrow{a}^1^2", "double superscript"),
    (r"{x}_1_2", "double subscript"),
    (r"\xrightarrow[f{x}", r"\xrightarrow["),
]

LATEX_PIECES = [
    "\\frac", "\\sqrt", "\\sqrt[", "\\left", "\\right", "\\left(", "\\right)", "\\middle", "\\begin", "\\end",
    "\\begin{cases}", "\\end{cases}", "\\begin{bmatrix}", "\\end{bmatrix}", "{cases}", "\\hat", "\\not",
    "\\text", "\\mathbb", "\\mathrm", "\\operatorname", "\\operatorname*", "\\sum", "\\log", "\\limits",
    "\\alpha", "\\top", "\\lfloor", "\\rfloor", "\\{", "\\}", "\\|", "\\,", "\\\\", "\\", "\\foo",
    "{", "}", "^", "_", "&", "(", ")", "[", "]", "|", "a", "x", "1", ".", " ", "'", "~", "*", "<",
    "\\choose", "\\over", "\\overset", "\\underset", "\\xrightarrow", "\\underbrace", "\\overbrace",
    "\\overrightarrow", "\\overleftarrow", "\\overline", "\\color", "\\textcolor", "\\phantom", "\\label",
    "\\pmod", "\\circ", "/", "-", "\\begin{eqnarray}", "\\end{eqnarray}", "\\text{otherwise.}", "x_y", "x_1",
]


def _cases(*tables: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """All rows of the given tables, for one parametrised test."""
    return [row for table in tables for row in table]


@pytest.mark.parametrize(("src", "expected"), TARGETS)
def test_exact_targets(src: str, expected: str) -> None:
    assert latex_to_unicode(src) == expected


@pytest.mark.parametrize(
    ("src", "expected"),
    _cases(SCRIPTS, FRACTIONS, ROOTS, ACCENTS, BIG_OPERATORS, WORDS, DELIMITERS, SPACING, SYMBOLS, ENVIRONMENTS),
)
def test_rules(src: str, expected: str) -> None:
    assert latex_to_unicode(src) == expected


@pytest.mark.parametrize(("src", "expected"), REALISTIC)
def test_realistic_formulas(src: str, expected: str) -> None:
    assert latex_to_unicode(src) == expected


@pytest.mark.parametrize(("src", "fragment"), ERRORS)
def test_errors_name_problem_and_column(src: str, fragment: str) -> None:
    with pytest.raises(LatexError) as caught:
        latex_to_unicode(src)
    message = str(caught.value)
    assert fragment in message
    assert re.search(r"column \d+", message)
    assert "\n" not in message


def test_latex_error_is_a_value_error() -> None:
    assert issubclass(LatexError, ValueError)


def _assert_converts_or_refuses(src: str) -> None:
    """The property: a str with no backslash command left in it, or a LatexError, for either side of a card."""
    for language in ("en", "zh"):
        try:
            out = latex_to_unicode(src, language)
        except LatexError as error:
            assert "\n" not in str(error)
            continue
        assert isinstance(out, str)
        assert not re.search(r"\\[A-Za-z]", out)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_text_converts_or_raises_latex_error(src: str) -> None:
    _assert_converts_or_refuses(src)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(LATEX_PIECES), max_size=16).map("".join))
def test_latex_like_text_converts_or_raises_latex_error(src: str) -> None:
    _assert_converts_or_refuses(src)
