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
    assert status_of(diff, "off") == ("mismatch", "regenerated 6.25")
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
