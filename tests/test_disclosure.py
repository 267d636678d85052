"""Disclosure control: primary and complementary suppression, in every output format."""

from __future__ import annotations

import numpy as np
import openpyxl
import pandas as pd
import pytest
import yaml

from vive_survey.analysis.cells import cell, frame, read_cells
from vive_survey.analysis.disclosure import SUPPRESSED, suppress
from vive_survey.steps import build_reports, compute_tables

from conftest import CODEBOOK_PATH, ROOT
from test_report import LABELS_EN, PUBLISHED, QUALITATIVE, bundled_wave  # noqa: F401 (fixture)


def test_primary_and_complementary_suppression_by_hand():
    cells = frame([
        cell("4.3", "Ingen", "Andel", "pct", 16.2, base_n=3),       # n < 5: suppressed
        cell("4.3", "1-3 år", "Andel", "pct", 52.5, base_n=42),
        cell("4.3", "4-10 år", "Andel", "pct", 25.0, base_n=20),    # next smallest: complementary
        cell("4.3", "I alt", "Andel", "pct", 100.0, base_n=65, section="x"),
        cell("4.9", "Kvinde", "Værdi", "coef", None, base_n=2, flag="ref"),
        cell("4.4", "q", "Altid", "pct", 50.0, subrow="Nyuddannede", base_n=4),
        cell("4.4", "q", "Altid", "pct", 40.0, subrow="Erfarne", base_n=90),
        cell("4.4", "q", "Altid", "pct", 30.0, subrow="Studerende", base_n=21),
    ])
    out = suppress(cells, 5).set_index(["table", "row", "subrow"])
    assert out.loc[("4.3", "Ingen", ""), "flag"] == SUPPRESSED
    assert out.loc[("4.3", "4-10 år", ""), "flag"] == SUPPRESSED      # else Ingen = 100 - the others
    assert out.loc[("4.3", "1-3 år", ""), "flag"] == ""
    assert out.loc[("4.3", "I alt", ""), "flag"] == ""
    assert out.loc[("4.9", "Kvinde", ""), "flag"] == "ref"
    assert out.loc[("4.4", "q", "Nyuddannede"), "flag"] == SUPPRESSED
    assert out.loc[("4.4", "q", "Studerende"), "flag"] == SUPPRESSED  # complementary within the question
    assert out.loc[("4.4", "q", "Erfarne"), "value"] == 40.0
    assert np.isnan(out.loc[("4.3", "Ingen", ""), "value"])
    assert suppress(cells, 0).equals(cells)


# ------------------------------------------------------------------ the rule set, case by case

@pytest.mark.parametrize("sizes, hidden, remainder, expected", [
    ([3, 42, 20], {0}, 0, {0, 2}),          # alone and below 5: the next smallest part joins
    ([2, 1, 40, 30], {0, 1}, 0, {0, 1, 3}),  # two hidden, but 2 + 1 = total - visible rests on 3
    ([4, 14, 5], {0}, 11, {0}),             # 4 + the 11 outside every level: no single part recoverable
    ([9, 40], set(), 2, {0}),               # nothing hidden, but the remainder (total - parts) is 2
    ([0, 0, 7], {2}, 0, {0, 2}),            # alone and not small: any second unknown part will do
    ([6, 7, 8], set(), 0, set()),
])
def test_family_rule(sizes, hidden, remainder, expected):
    from vive_survey.analysis.disclosure import complete_family

    assert complete_family(sizes, hidden, 5, remainder) == expected


def ledger_of(n_rows: int, groups: dict[str, list[int]], families=()) -> tuple:
    from vive_survey.analysis.disclosure import GroupLedger

    ledger = GroupLedger(n_rows)
    ids = {}
    for name, members in groups.items():
        mask = np.zeros(n_rows, dtype=bool)
        mask[members] = True
        ids[name] = ledger.group(None, mask, ("var", name))
    for population, members in families:
        ledger.family(ids[population], [ids[m] for m in members])
    return ledger, ids


PROFESSIONALS = {"all": range(100), "fag": range(60), "nyu": range(3), "erf": range(3, 60), "stud": range(60, 100)}


def test_a_group_hidden_in_one_table_is_not_given_back_by_another_tables_whole():
    # Tabel 3.2's Fagprofessionelle (rows 0-59) is 4.2's Nyuddannede (0-2) + Erfarne (3-59); 4.2
    # also has Studerende (60-99). The family rule alone hides Nyuddannede and the next smallest
    # part of 4.2, Studerende (40), which leaves Fagprofessionelle - Erfarne = Nyuddannede: the
    # span check must hide one of those two as well.
    ledger, ids = ledger_of(100, {name: list(rows) for name, rows in PROFESSIONALS.items()},
                            families=[("all", ["stud", "nyu", "erf"]), ("all", ["fag", "stud"])])
    hidden = ledger.protected_groups(5)
    assert ids["nyu"] in hidden and ids["stud"] in hidden
    assert ids["fag"] in hidden or ids["erf"] in hidden
    # Independently of the ledger: the visible groups' vectors do not span Nyuddannede's.
    indicator = {name: np.isin(np.arange(100), list(rows)).astype(float) for name, rows in PROFESSIONALS.items()}
    visible = np.array([indicator[g] for g in ("all", "fag", "erf", "stud") if ids[g] not in hidden]).T
    solution, *_ = np.linalg.lstsq(visible, indicator["nyu"], rcond=None)
    assert not np.allclose(visible @ solution, indicator["nyu"])


def test_a_small_remainder_outside_the_printed_levels_is_protected():
    # 50 respondents: 30 men, 18 women, 2 with no gender. Everyone's mean and the two printed
    # groups' means would give the 2 others' mean: a printed level is hidden with them.
    ledger, ids = ledger_of(50, {"all": list(range(50)), "m": list(range(30)), "k": list(range(30, 48))},
                            families=[("all", ["m", "k"])])
    assert ledger.protected_groups(5) == {ids["k"]}
    assert ledger.protected_groups(0) == set()


def test_crosstab_counts_are_hidden_with_complements_along_rows_and_columns():
    counts = [[20, 1, 12], [15, 30, 9], [11, 8, 25]]
    rows, columns = ["a", "b", "c"], ["x", "y", "z"]
    cells = frame([cell("X", r, c, stat, float(counts[i][j]) if stat == "n" else 1.0, base_n=131)
                   for i, r in enumerate(rows) for j, c in enumerate(columns) for stat in ("n", "pct", "expected")]
                  + [cell("X", "Chi²-test", "", s, 3.0, section="_test", base_n=131) for s in ("chi2", "df", "p")])
    out = suppress(cells, 5, crosstabs=["X"])
    hidden_counts = {(r, c) for r, c, s, f in zip(out["row"], out["column"], out["stat"], out["flag"])
                     if s == "n" and f == SUPPRESSED}
    # (a, y) = 1 is primary; row a adds its smallest other count (z, 12), column y its (c, 8). Then
    # column z has (a, z) alone: + (b, z) = 9; row b has (b, z) alone: + (b, x) = 15; row c has
    # (c, y) alone: + (c, x) = 11. Every row and column now has two hidden counts.
    assert hidden_counts == {("a", "y"), ("a", "z"), ("c", "y"), ("b", "z"), ("b", "x"), ("c", "x")}
    for r in rows:
        assert sum((r, c) in hidden_counts for c in columns) != 1
    for c in columns:
        assert sum((r, c) in hidden_counts for r in rows) != 1
    hidden = out[out["flag"] == SUPPRESSED]
    assert set(hidden[hidden["section"] == "_test"]["stat"]) == {"chi2", "p"}    # df depends on the shape only
    assert hidden["value"].isna().all() and hidden["base_n"].isna().all()
    assert set(hidden[hidden["section"] == ""]["stat"]) == {"n", "pct", "expected"}


def test_a_model_coefficient_resting_on_one_respondent_is_hidden():
    from vive_survey.analysis.models import Predictor, fit_ols

    rng = np.random.default_rng(3)
    n = 40
    gender = np.array(["Kvinde"] * 25 + ["Mand"] * 14 + ["Andet"])
    data = pd.DataFrame({"gender": pd.Categorical(gender), "y": rng.normal(size=n)})
    predictor = Predictor("gender", "Køn", "Køn", "Kvinde", (("Kvinde", "Kvinde"), ("Mand", "Mand"), ("Andet", "Andet")))
    result = fit_ols(data, "y", [predictor])
    assert result.respondents_behind(result.term(predictor, "Andet")) == 1
    assert result.respondents_behind(result.term(predictor, "Mand")) == 14
    # The reference level counts too: with 2 women as reference, Mand's coefficient rests on them.
    data["gender"] = pd.Categorical(["Kvinde"] * 2 + ["Mand"] * 38)
    result = fit_ols(data, "y", [predictor])
    assert result.respondents_behind(result.term(predictor, "Mand")) == 2


def test_cleaning_log_counts_follow_the_tables_hidden_groups():
    from vive_survey.analysis.disclosure.summary import protect_cleaning_log

    log = {"rows_kept": 378, "derived": {"volunteer_role_group": {"Leder": 4, "Koordinator": 14, "Medhjælp": 5,
                                                                  "Ukendt rolle": 11, "(missing)": 344},
                                         "group": {"Studerende": 109, "Nyuddannede": 54, "Erfarne": 181}}}
    out = protect_cleaning_log(log, 5, {"group": ["Erfarne"]})
    assert out["derived"]["volunteer_role_group"] == {"Leder": None, "Koordinator": 14, "Medhjælp": None,
                                                       "Ukendt rolle": 11, "(missing)": 344}
    assert out["derived"]["group"] == {"Studerende": 109, "Nyuddannede": None, "Erfarne": None}
    assert log["derived"]["volunteer_role_group"]["Leder"] == 4          # the input is left alone
    assert protect_cleaning_log(log, 0, {"group": ["Erfarne"]}) is log


def test_a_disclosure_preset_can_be_given_on_the_command_line():
    from vive_survey.inputs.config import validate_config

    raw = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    for k in ("3", "5"):
        config = validate_config({**raw, "disclosure": {"min_cell_n": k}})   # as Snakemake's --config passes it
        assert config["disclosure"]["min_cell_n"] == int(k)


@pytest.fixture(scope="module")
def suppressed_wave(bundled_wave, tmp_path_factory):
    out = tmp_path_factory.mktemp("suppressed")
    config = bundled_wave["config"]
    settings = {**{k: config[k] for k in ("seed", "indices", "crosstab", "models")}, "disclosure": {"min_cell_n": 5}}
    compute_tables(bundled_wave["data"], CODEBOOK_PATH, ROOT / "tables", settings, cells_out=out / "cells.csv",
                   models_out=out / "models.csv")
    build_reports(out / "cells.csv", ROOT / "tables", CODEBOOK_PATH, bundled_wave["log"], PUBLISHED, QUALITATIVE,
                  ROOT / "config.yaml", {"wave": "w", "language": "da", "labels": str(LABELS_EN), "min_cell_n": 5},
                  out / "reports")
    return out


def test_min_cell_n_5_suppresses_in_csv_html_and_xlsx(suppressed_wave):
    cells = read_cells(suppressed_wave / "cells.csv")
    hidden = cells[cells["flag"] == SUPPRESSED]
    assert len(hidden) > 0 and hidden["value"].isna().all() and hidden["base_n"].isna().all()
    primary = cells[(cells["base_n"].astype("Float64") < 5).fillna(False) & (cells["flag"] != "ref")]
    assert (primary["flag"] == SUPPRESSED).all()               # nothing below 5 escapes
    shown = cells[cells["flag"] != SUPPRESSED]
    assert not ((shown["base_n"].astype("Float64") < 5).fillna(False) & (shown["flag"] != "ref")).any()

    html = (suppressed_wave / "reports" / "index.html").read_text(encoding="utf-8")
    assert "..</td>" in html and "undertrykt af diskretionshensyn (færre end 5 svar" in html

    workbook = openpyxl.load_workbook(suppressed_wave / "reports" / "tables.xlsx")
    table_ids = set(hidden["table"])
    found = [ws.title for ws in workbook.worksheets
             if any(c.value == ".." for row in ws.iter_rows() for c in row)]
    assert found and all(any(t in title for t in table_ids) for title in found)


# ------------------------------------------------------------------ exports safe from formulas

@pytest.mark.parametrize("text, safe", [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+cmd", "'+cmd"), ("@SUM(A1)", "'@SUM(A1)"),
    ("-0,77*", "'-0,77*"), ("\tx", "'\tx"), ("-", "-"), ("-3", "-3"), ("-0,5", "-0,5"), ("Altid", "Altid"),
])
def test_csv_text_that_could_run_as_a_formula_is_neutralised(text, safe):
    from vive_survey.safe_text import neutralise, restore

    assert neutralise(text) == safe
    assert restore(safe) == text


def test_exclusions_csv_neutralises_a_formula_in_a_respondent_id(tmp_path, codebook, config):
    from vive_survey import steps

    from conftest import valid_rows, write_wave

    rows = valid_rows(codebook, "fagprofessionelle", 3)
    rows[2] = dict(rows[0])                       # a duplicate, so the id lands in the exclusions
    for row in (rows[0], rows[2]):
        row["respondent_id"] = "=cmd|' /C calc'!A0"
    paths = write_wave(tmp_path, codebook, fagprofessionelle=rows)
    steps.clean({q: {"path": str(p)} for q, p in paths.items()}, config["codebook"], config,
                data_out=tmp_path / "d.parquet", exclusions_out=tmp_path / "excl.csv", log_out=tmp_path / "log.json")
    text = (tmp_path / "excl.csv").read_text(encoding="utf-8")
    assert "'=cmd|" in text and ",=cmd|" not in text
