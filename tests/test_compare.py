"""The diff's statuses on hand-made published and regenerated cells."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from vive_survey.analysis.cells import cell, frame
from vive_survey.review.compare import compare, summarise
from vive_survey.analysis.cells import KEY
from vive_survey.review.published import PUBLISHED_COLUMNS


def published(*rows) -> pd.DataFrame:
    records = []
    for table, row, column, stat, printed, value, decimals in rows:
        records.append({"table": table, "section": "", "row": row, "subrow": "", "column": column, "stat": stat,
                        "printed": printed, "value": value, "decimals": decimals, "note": ""})
    out = pd.DataFrame(records, columns=PUBLISHED_COLUMNS)
    out["value"] = out["value"].astype(float)
    out["decimals"] = out["decimals"].astype("Int64")
    return out


def status_of(diff: pd.DataFrame, row: str, column: str = "Altid") -> tuple[str, str]:
    hit = diff[(diff["row"] == row) & (diff["column"] == column)].iloc[0]
    return hit["status"], hit["reason"]


def test_statuses_of_percentage_cells():
    pub = published(("4.4", "tie", "Altid", "pct", "6,2", 6.2, 1),
                    ("4.4", "halfup", "Altid", "pct", "6,3", 6.3, 1),
                    ("4.4", "off", "Altid", "pct", "6,1", 6.1, 1),
                    ("4.4", "dash", "Altid", "pct", "-", 0.0, 1),
                    ("4.4", "absent", "Altid", "pct", "5,0", 5.0, 1),
                    ("4.4", "blank", "Altid", "pct", "", np.nan, pd.NA),
                    ("4.4", "empty base", "Altid", "pct", "5,0", 5.0, 1))
    regen = frame([cell("4.4", "tie", "Altid", "pct", 100 / 16, base_n=16),
                   cell("4.4", "halfup", "Altid", "pct", 100 / 16, base_n=16),
                   cell("4.4", "off", "Altid", "pct", 100 / 16, base_n=16),
                   cell("4.4", "dash", "Altid", "pct", 0.0, base_n=16),
                   cell("4.4", "blank", "Altid", "pct", 12.5, base_n=16),
                   cell("4.4", "empty base", "Altid", "pct", None, base_n=0),
                   cell("4.4", "new", "Altid", "pct", 1.0, base_n=16)])
    diff = compare(pub, regen)
    assert status_of(diff, "tie")[0] == "match"
    assert status_of(diff, "halfup")[0] == "match"
    # What differs, in numbers: the value, how it prints, the interval the published 6,1 needs.
    assert status_of(diff, "off") == ("mismatch", "regenerated 6.250 prints 6,2; published 6,1 needs 6.05-6.15")
    assert status_of(diff, "dash")[0] == "match"
    assert diff.loc[diff["row"] == "dash", "regenerated"].item() == "-"
    assert status_of(diff, "absent")[0] == "missing"
    assert status_of(diff, "blank")[0] == "unattainable"
    assert status_of(diff, "empty base")[0] == "missing"
    assert status_of(diff, "new")[0] == "extra"
    assert diff["status"].tolist()[-1] == "extra"           # extras after the published cells


def test_audit_findings_turn_a_non_match_into_unattainable_but_never_hide_a_match():
    pub = published(("4.4", "r1", "Altid", "pct", "9,5", 9.5, 1), ("4.4", "r2", "Altid", "pct", "6,2", 6.2, 1))
    regen = frame([cell("4.4", "r1", "Altid", "pct", 10.0), cell("4.4", "r2", "Altid", "pct", 6.25)])
    findings = pd.DataFrame([{**dict(zip(KEY, ("4.4", "", r, "", "Altid", "pct"))), "unattainable": True,
                              "reason": "row sums to 109.5"} for r in ("r1", "r2")])
    diff = compare(pub, regen, findings)
    assert status_of(diff, "r1") == ("unattainable", "row sums to 109.5")
    assert status_of(diff, "r2") == ("match", "")


def test_a_mismatch_names_the_audit_warning_on_its_cell_and_the_waves_limit():
    pub = published(("4.8", "Tillid", "Nyuddannede", "mean", "2,4", 2.4, 1),
                    ("4.8", "Tryghed", "Nyuddannede", "mean", "2,9", 2.9, 1))
    regen = frame([cell("4.8", "Tillid", "Nyuddannede", "mean", 2.486), cell("4.8", "Tryghed", "Nyuddannede",
                                                                             "mean", 2.7)])
    findings = pd.DataFrame([{**dict(zip(KEY, ("4.8", "", "Tillid", "", "Nyuddannede", "mean"))),
                              "check": "index_mean", "code": "index_mean_inconsistent", "unattainable": False,
                              "reason": "the items allow 2.45-2.60 at most", "strength": "strong warning"}])
    limits = lambda key: "annealed means of Nyuddannede" if key["column"] == "Nyuddannede" else ""
    diff = compare(pub, regen, findings, limits=limits).set_index("row")
    assert diff.at["Tillid", "status"] == "mismatch"
    assert diff.at["Tillid", "reason"] == ("audit strong warning: index_mean_inconsistent: the items allow 2.45-2.60 "
                                           "at most; regenerated 2.486 prints 2,5; published 2,4 needs 2.35-2.45")
    assert (diff.at["Tillid", "findings"], diff.at["Tillid", "strength"]) == ("index_mean_inconsistent",
                                                                              "strong warning")
    assert diff.at["Tillid", "limit"] == "annealed means of Nyuddannede"
    # No finding: the reason is the numbers alone.
    assert diff.at["Tryghed", "reason"] == "regenerated 2.700 prints 2,7; published 2,9 needs 2.85-2.95"
    assert diff.at["Tryghed", "findings"] == "" and diff.at["Tryghed", "limit"] == "annealed means of Nyuddannede"


@pytest.mark.parametrize("printed, coef, p, flag, status", [
    ("N.S.", 0.3, 0.5, "", "match"),
    ("N.S.", 0.3, 0.04, "", "mismatch"),
    ("0,23†", 0.2349, 0.07, "", "match"),
    ("0,23†", 0.2349, 0.03, "", "mismatch"),     # same coefficient, other significance class
    ("0,23†", 0.26, 0.07, "", "mismatch"),
    ("-0,77*", -0.7711, 0.02, "", "match"),
    ("0,32", 0.3201, 0.2, "", "match"),          # printed without a mark: p >= 0.10 is consistent
    ("Ref.", None, None, "ref", "match"),
    ("Ref.", 0.1, 0.5, "", "mismatch"),
])
def test_regression_cells_compare_coefficient_and_significance_class(printed, coef, p, flag, status):
    pub = published(("4.9", "Kontrol", "Værdi", "coef", printed, np.nan, pd.NA))
    cells = [cell("4.9", "Kontrol", "Værdi", "coef", coef, flag=flag)]
    if p is not None:
        cells.append(cell("4.9", "Kontrol", "Værdi", "p", p))
    diff = compare(pub, frame(cells))
    assert status_of(diff, "Kontrol", "Værdi")[0] == status


def test_summary_shares_of_all_and_of_attainable_cells():
    pub = published(("4.4", "a", "Altid", "pct", "10,0", 10.0, 1), ("4.4", "b", "Altid", "pct", "10,0", 10.0, 1),
                    ("4.4", "c", "Altid", "pct", "", np.nan, pd.NA), ("4.5", "d", "Altid", "pct", "1,0", 1.0, 1))
    regen = frame([cell("4.4", "a", "Altid", "pct", 10.0), cell("4.4", "b", "Altid", "pct", 20.0),
                   cell("4.5", "d", "Altid", "pct", 1.0), cell("4.5", "x", "Altid", "pct", 1.0)])
    summary = summarise(compare(pub, regen)).set_index("table")
    assert summary.loc["4.4", ["published", "match", "mismatch", "unattainable"]].tolist() == [3, 1, 1, 1]
    assert summary.loc["4.4", "match_share"] == pytest.approx(1 / 3)
    assert summary.loc["4.4", "match_share_attainable"] == pytest.approx(1 / 2)
    assert summary.loc["Total", ["published", "match", "extra"]].tolist() == [4, 2, 1]


def test_cells_of_a_table_the_wave_cannot_have_are_not_available_and_left_out_of_the_shares():
    pub = published(("4.4", "a", "Altid", "pct", "10,0", 10.0, 1), ("4.4", "b", "Altid", "pct", "10,0", 10.0, 1),
                    ("4.13", "c", "Altid", "pct", "5,0", 5.0, 1), ("4.13", "d", "Altid", "pct", "", np.nan, pd.NA))
    regen = frame([cell("4.4", "a", "Altid", "pct", 10.0), cell("4.4", "b", "Altid", "pct", 20.0)])
    availability = pd.DataFrame({"table": ["4.4", "4.13"], "status": ["available", "not_available"],
                                 "absent_questionnaires": ["", "frivillige"]})
    diff = compare(pub, regen, availability=availability)
    assert status_of(diff, "c") == ("not_available", "not available for this wave: it has no frivillige "
                                                     "questionnaire (inputs: frivillige: absent)")
    assert status_of(diff, "d")[0] == "not_available"        # even a cell the report leaves blank
    summary = summarise(diff).set_index("table")
    assert summary.loc["4.13", ["published", "match", "not_available"]].tolist() == [2, 0, 2]
    assert pd.isna(summary.loc["4.13", "match_share"])
    # 1 match of the 2 cells the wave could have; the two not-available cells count in neither share
    assert summary.loc["Total", "match_share"] == pytest.approx(1 / 2)
    assert summary.loc["Total", "match_share_attainable"] == pytest.approx(1 / 2)
    # without availability the same cells are simply missing
    assert status_of(compare(pub, regen), "c")[0] == "missing"


def test_regenerated_text_is_the_report_formatter_at_the_published_precision():
    from vive_survey.analysis.spec import TableFormat

    pub = published(("4.4", "blank", "Altid", "pct", "", np.nan, pd.NA),
                    ("4.4", "quirk", "Altid", "pct", "30,80", 30.8, 2),
                    ("4.4", "hidden", "Altid", "pct", "5,0", 5.0, 1),
                    ("4.12", "zero", "Altid", "pct", "0,0", 0.0, 1))
    regen = frame([cell("4.4", "blank", "Altid", "pct", 0.0, base_n=16),
                   cell("4.4", "quirk", "Altid", "pct", 100 * 4 / 13, base_n=13),
                   cell("4.4", "hidden", "Altid", "pct", None, base_n=3, flag="suppressed"),
                   cell("4.12", "zero", "Altid", "pct", 0.0, base_n=16)])
    formats = {"4.4": TableFormat(zero="-", n_column=True), "4.12": TableFormat(zero=None, n_column=True)}

    def shown(diff, row):
        return diff.loc[diff["row"] == row, "regenerated"].item()

    diff = compare(pub, regen, formats=formats)
    assert shown(diff, "blank") == "-"           # the table's exact zero, as the report prints the cell
    assert shown(diff, "quirk") == "30,77"       # at the published precision, beside "30,80"
    assert shown(diff, "hidden") == ".."         # suppressed, as the report prints it
    assert status_of(diff, "hidden") == ("missing", "suppressed by disclosure control (disclosure.min_cell_n)")
    assert shown(diff, "zero") == "0,0"
    # without the tables' formats, an exact zero prints as the published cell does
    assert shown(compare(pub, regen), "blank") == "0,0"


def test_a_waves_limits_file_is_read_and_checked(tmp_path):
    from vive_survey.errors import SurveyInputError
    from vive_survey.review.limits import limit_of, load_limits

    good = tmp_path / "limits.yaml"
    good.write_text('limits:\n  - {table: "4.8", stat: sd, limit: "SDs  annealed"}\n'
                    '  - {table: "4.8", limit: "means annealed"}\n', encoding="utf-8")
    find = limit_of(load_limits(good))
    key = dict(zip(KEY, ("4.8", "", "Tillid", "", "Nyuddannede", "sd")))
    assert find(key) == "SDs annealed"                               # the first entry that covers it
    assert find({**key, "stat": "mean"}) == "means annealed"
    assert find({**key, "table": "4.9"}) == ""
    bad = tmp_path / "bad.yaml"
    bad.write_text('limits:\n  - {table: "4.8", rows: [a], limit: "x"}\n', encoding="utf-8")
    with pytest.raises(SurveyInputError) as info:
        load_limits(bad)
    assert "limits[0]: unknown key(s) rows" in info.value.render() and str(bad) in info.value.render()
    bad.write_text('limits:\n  - {table: 4.8, limit: "x"}\n', encoding="utf-8")
    with pytest.raises(SurveyInputError, match=r"limits\[0\]: needs `table` \(text, in quotes\)"):
        load_limits(bad)
