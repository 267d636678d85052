"""Printing numbers the way the report does, and the tolerance rule of the diff at its edges."""

from __future__ import annotations

import pytest

from vive_survey.printing.format import coefficient_cell, fmt_number
from vive_survey.printing.rounding import within_printed_precision


@pytest.mark.parametrize("value, decimals, text", [
    (100 / 16, 1, "6,2"),        # 6.25: the tie goes to the even digit, as the report prints it
    (300 / 16, 1, "18,8"),       # 18.75 -> 18.8
    (500 / 16, 1, "31,2"),       # 31.25 -> 31.2 (Bilagstabel 2.1 prints 31,2)
    (100 / 3, 1, "33,3"),
    (200 / 3, 1, "66,7"),
    (47.75, 2, "47,75"),
    (0.0, 1, "0,0"),
    (-0.04, 1, "0,0"),           # no negative zero
    (-0.77, 2, "-0,77"),
    (109, 0, "109"),
])
def test_half_even_on_the_decimal_value(value, decimals, text):
    assert fmt_number(value, decimals) == text


def test_zero_dash_and_missing():
    assert fmt_number(0.0, 1, zero="-") == "-"
    assert fmt_number(0.04, 1, zero="-") == "0,0"
    assert fmt_number(float("nan"), 1) == "" and fmt_number(None, 1, missing="–") == "–"
    assert fmt_number(6.25, 1, decimal_mark=".") == "6.2"


@pytest.mark.parametrize("coef, p, flag, text", [
    (0.234, 0.0999, "", "0,23†"), (0.234, 0.1, "", "N.S."), (0.234, 0.05, "", "0,23†"),
    (-0.771, 0.049, "", "-0,77*"), (0.24, 0.01, "", "0,24*"), (0.24, 0.0099, "", "0,24**"),
    (None, None, "ref", "Ref."),
])
def test_report_style_regression_cell(coef, p, flag, text):
    assert coefficient_cell(coef, p, flag) == text


@pytest.mark.parametrize("value, printed, decimals, ok", [
    (6.25, 6.2, 1, True),         # half-even print of 1/16
    (6.25, 6.3, 1, True),         # half-up print of the same: both accepted at the boundary
    (6.2501, 6.2, 1, False),      # just past half a unit
    (6.15, 6.2, 1, True),
    (6.1499, 6.2, 1, False),
    (30.769, 30.80, 2, False),    # "30,80" in Tabel 4.13 claims two decimals: 4/13 = 30.77 does not match
    (30.769, 30.8, 1, True),
    (47.75, 47.75, 2, True),
    (2.45, 2.5, 1, True),
    (2.44, 2.5, 1, False),
])
def test_tolerance_is_half_a_unit_of_the_printed_last_digit(value, printed, decimals, ok):
    assert within_printed_precision(value, printed, decimals) is ok
