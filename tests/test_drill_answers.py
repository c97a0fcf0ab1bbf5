"""Reading drill answers as people type them, and comparing them with the right one."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from revise.demo_engine.answers import AnswerError, Field, close_enough, significant

SHAPE = Field("shape", "output shape", "输出形状", kind="shape")
NUMBER = Field("loss", "loss", "损失", kind="number", sig_figs=3)
WHOLE = Field("count", "parameters", "参数量")
CHOICE = Field("kept", "kept", "保留", kind="choice", choices=("yes", "no"))
LIST = Field("boxes", "boxes kept", "保留的框", kind="list")


@pytest.mark.parametrize("typed", ["28x28x6", "28×28×6", "28 x 28 x 6", "(28, 28, 6)", "[28,28,6]", "28*28*6",
                                   "２８×２８×６", "２８，２８，６", "28、28、6", " 28x28x6 "])
def test_a_shape_is_read_however_it_is_written(typed: str) -> None:
    assert SHAPE.read(typed) == (28, 28, 6)


@pytest.mark.parametrize(("typed", "value"), [("0.001", 0.001), ("1e-3", 0.001), ("1E-3", 0.001), ("1/3", 1 / 3),
                                              ("-2.5", -2.5), (".5", 0.5), ("１／４", 0.25), ("−0.5", -0.5),
                                              ("3", 3.0)])
def test_a_number_is_read_in_decimal_scientific_or_fraction_form(typed: str, value: float) -> None:
    assert NUMBER.read(typed) == pytest.approx(value)


@pytest.mark.parametrize(("typed", "value"), [("6176", 6176), ("6,176", 6176), ("28.0", 28), ("2e3", 2000),
                                              ("１２", 12), ("-3", -3)])
def test_a_whole_number_is_read_with_or_without_thousands_commas(typed: str, value: int) -> None:
    assert WHOLE.read(typed) == value


@pytest.mark.parametrize(("field", "typed", "reason"), [
    (WHOLE, "2.5", "not a whole number"), (WHOLE, "abc", "not a whole number"), (NUMBER, "1/0", "not a number"),
    (NUMBER, "nan", "not a number"), (NUMBER, "1e999", "too large"), (SHAPE, "28xx", "not a shape"),
    (SHAPE, "a x b", "not a shape"), (CHOICE, "maybe", "not one of: yes, no"), (NUMBER, "", "nothing typed"),
    (NUMBER, "9" * 300, "too long"), (NUMBER, "1e99999999/1", "too large"), (WHOLE, "1e99999999", "whole"),
])
def test_what_cannot_be_read_says_why_in_one_line(field: Field, typed: str, reason: str) -> None:
    with pytest.raises(AnswerError, match=reason) as raised:
        field.read(typed)
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize("typed", ["2, 4", "2 4", "2,4", "(2, 4)", "２，４", "2、4"])
def test_a_list_of_numbers_is_read_however_it_is_separated_and_shown_with_commas(typed: str) -> None:
    assert LIST.read(typed) == (2, 4) and LIST.show((2, 4)) == "2, 4"
    with pytest.raises(AnswerError, match="not a list of whole numbers"):
        LIST.read("two and four")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60), st.sampled_from([SHAPE, NUMBER, WHOLE, CHOICE, LIST]))
def test_any_text_gives_a_value_or_a_reason_never_a_crash(typed: str, field: Field) -> None:
    try:
        field.read(typed)
    except AnswerError as error:
        assert str(error) and "\n" not in str(error)


def test_a_number_counts_when_it_agrees_to_the_stated_significant_figures() -> None:
    assert NUMBER.agrees(NUMBER.read("0.889"), 8 / 9) and NUMBER.agrees(NUMBER.read("8/9"), 8 / 9)
    assert not NUMBER.agrees(NUMBER.read("0.88"), 8 / 9)
    assert close_enough(1.23e-5, 1.2345e-5, 3) and not close_enough(1.24e-5, 1.2345e-5, 3)
    assert close_enough(0.0, 0.0, 3) and not close_enough(0.01, 0.0, 3)


def test_choices_ignore_case_and_answers_are_shown_as_the_solution_writes_them() -> None:
    assert CHOICE.read(" YES ") == "yes"
    assert SHAPE.show((28, 28, 6)) == "28x28x6" and WHOLE.show(6176) == "6,176" and NUMBER.show(8 / 9) == "0.889"
    assert significant(6176.2) == "6180" and significant(1.23456e-5) == "1.23e-05"
