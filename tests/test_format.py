"""Printing numbers the way the report does (the one formatter of the report, the figures and the diff, by
the table's format), and the tolerance rule of the diff at its edges."""

from __future__ import annotations

import pytest

from vive_survey.analysis.spec import TableFormat, TableSpec, format_of
from vive_survey.printing.format import (DANISH, Printed, Words, coefficient_cell, fmt_number, print_bases,
                                         print_cell, print_p, print_stat)
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


# ------------------------------------------------------------------- the one formatter of a cell

LIKERT = TableFormat(zero="-", n_column=True)


def stats(**values) -> dict:
    return {stat: (value, 16, "") for stat, value in values.items()}


def test_a_cell_prints_by_its_table_format():
    assert print_cell(stats(pct=0.0), LIKERT).text == "-"
    assert print_cell(stats(pct=0.0), TableFormat()).text == "0,0"
    assert print_cell(stats(pct=0.04), LIKERT).text == "0,0"           # rounds to zero: not an exact zero
    assert print_cell(stats(pct=100.0), LIKERT) == Printed("100", 100.0, 0, "-")
    assert print_cell(stats(pct=100.0), TableFormat(whole_hundred=False)).text == "100,0"
    assert print_cell(stats(pct=100 / 16), TableFormat(decimals={**TableFormat().decimals, "pct": 2})).text == "6,25"
    assert print_cell(stats(n=109.0), TableFormat()).text == "109"


def test_the_shape_of_a_mean_with_its_sd():
    fmt = TableFormat()
    cell = print_cell(stats(mean=2.75, sd=0.35, n=16, alpha=0.7), fmt)
    assert cell.text == "2,8 (0,4)" and [p.value for p in cell.parts] == [2.8, 0.4]
    assert print_cell(stats(mean=2.75), fmt) == Printed("2,8", parts=(Printed("2,8", 2.8, 1),))  # no SD
    assert print_cell(stats(sd=0.35), fmt).text == ""                                           # no mean
    assert print_cell(stats(mean=2.75, sd=0.35), TableFormat(shape="{mean} ± {sd}")).text == "2,8 ± 0,4"


def test_regression_cells_suppressed_and_not_estimable():
    fmt = TableFormat()
    assert print_cell({"coef": (0.234, 179, ""), "p": (0.07, 179, "")}, fmt).text == "0,23†"
    assert print_cell({"coef": (0.234, 179, ""), "p": (0.2, 179, "")}, fmt).text == "N.S."
    assert print_cell({"coef": (None, 179, "ref")}, fmt).text == "Ref."
    assert print_cell({"coef": (None, 179, "not_estimable")}, fmt).text == "ikke est."
    assert print_cell({"coef": (0.234, 179, ""), "p": (0.2, 179, "")}, TableFormat(marks="none")).text == "0,23"
    assert print_cell({"pct": (float("nan"), 3, "suppressed")}, LIKERT).text == ".."
    english = Words(".", "..", "not est.")
    assert print_cell(stats(mean=2.75, sd=0.35), TableFormat(), english).text == "2.8 (0.4)"


def test_the_diff_prints_at_the_published_precision_with_the_same_rules():
    assert print_stat("pct", 100 * 4 / 13, TableFormat(), decimals=2).text == "30,77"
    assert print_stat("pct", 0.0, LIKERT, decimals=1).text == "-"
    assert print_stat("coef", -0.7711, TableFormat(), p=0.02).text == "-0,77*"


def test_the_n_column_and_p_values():
    assert print_bases([stats(pct=10.0), stats(pct=20.0)]).text == "16"
    assert print_bases([{"mean": (3.0, 12, "")}, {"mean": (3.0, 14, "")}]).text == "12–14"
    assert print_p(0.1036, TableFormat()) == (False, "0,104")
    assert print_p(2e-10, TableFormat()) == (True, "0,001")


def test_the_default_words_are_the_danish_report_words():
    from vive_survey.render.labels import Labels

    assert Words.of(Labels("da")) == DANISH


def test_a_spec_format_block_over_the_defaults_of_its_kind():
    likert = format_of({"kind": "likert_distribution"})
    assert (likert.zero, likert.n_column, likert.digits("pct")) == ("-", True, 1)
    table_3_2 = format_of({"kind": "respondent_summary", "format": {"decimals": {"mean": 2, "sd": 2}}})
    assert (table_3_2.digits("mean"), table_3_2.digits("pct"), table_3_2.digits("n")) == (2, 1, 0)
    assert format_of({"kind": "likert_distribution", "format": {"zero": None, "decimals": 2}}).zero is None
    assert format_of({"kind": "likert_distribution", "format": {"decimals": 2}}).digits("p") == 3
    assert not format_of({"kind": "share_table", "columns": [{"label": "n", "stat": "n"}]}).n_column
    assert format_of({"kind": "index_summary", "layout": "indices_as_columns"}).n_column
    assert TableSpec("4.4", "likert_distribution", "t", {"kind": "likert_distribution"}, "x").format == likert


def test_every_table_spec_declares_its_format_and_the_schema_checks_it(tmp_path):
    import yaml

    from conftest import CODEBOOK_PATH, ROOT
    from vive_survey.analysis.spec import load_specs
    from vive_survey.errors import SurveyInputError
    from vive_survey.inputs.codebook import load_codebook

    for path in sorted((ROOT / "tables").glob("*.yaml")):
        assert "format" in yaml.safe_load(path.read_text(encoding="utf-8")), f"{path.name}: no format block"
    raw = yaml.safe_load((ROOT / "tables" / "4.4.yaml").read_text(encoding="utf-8"))
    raw["format"] = {"decimals": {"pct": 1, "bar": 2}, "shape": "{mean} ({median})", "zero": 0, "colour": "red"}
    (tmp_path / "4.4.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(SurveyInputError) as error:
        load_specs(tmp_path, load_codebook(CODEBOOK_PATH))
    text = error.value.render()
    for key in ("format.decimals", "format.shape", "format.zero", "format:"):
        assert key in text, text
