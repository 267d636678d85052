"""Tests of the audit of the published tables (src/vive_survey/review/audit/).

Hand-computed answers: every expected count, base, mean and SD below was worked out by hand
(noted next to it), not by the code under test.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from vive_survey.review import audit as A
from vive_survey.inputs.codebook import Codebook, Item, Scale, Theme
from vive_survey.analysis.cells import KEY
from vive_survey.review.audit.relations import load_relations
from vive_survey.review.published import PUBLISHED_COLUMNS
from vive_survey.analysis.spec import TABLE_ORDER

ROOT = Path(__file__).resolve().parents[1]
TABLES = ROOT / "data" / "published" / "tables"
RELATIONS = load_relations(ROOT / "data" / "published" / "relations.yaml")
LIKERT = ["Stort set aldrig", "Sjældent", "Nogle gange", "Altid"]


# ------------------------------------------------------------------ helpers for hand-made tables


def make_cells(rows: list[dict]) -> pd.DataFrame:
    """Published-format cells from dicts (missing text fields '', decimals from the printed text)."""
    out = []
    for r in rows:
        cell = {k: "" for k in PUBLISHED_COLUMNS}
        cell.update(r)
        value = r.get("value")
        cell["printed"] = r.get("printed", "" if value is None else str(value).replace(".", ","))
        cell["value"] = np.nan if value is None else float(value)
        printed = cell["printed"]
        cell["decimals"] = r.get("decimals", len(printed.split(",")[1]) if "," in printed else (0 if printed else None))
        out.append(cell)
    frame = pd.DataFrame(out, columns=PUBLISHED_COLUMNS)
    frame["decimals"] = pd.array(frame["decimals"], dtype="Int64")
    return frame


def dist_row(table, section, row, subrow, shares, decimals=1):
    return [{"table": table, "section": section, "row": row, "subrow": subrow, "column": c, "stat": "pct",
             "value": v, "printed": f"{v:.{decimals}f}".replace(".", ","), "decimals": decimals}
            for c, v in zip(LIKERT, shares)]


def mini_codebook(reverse_second: bool) -> Codebook:
    likert = Scale("likert4", "ordinal", {1: "Stort set aldrig", 2: "Sjældent", 3: "Nogle gange", 4: "Altid"})
    theme = Theme("tema", "Tema", "Modul", "Tema")
    items = (
        Item("a", "Vi hjælper hinanden", ("fagprofessionelle",), "likert4", ("a",), theme="tema"),
        Item("b", "Vi skændes ofte", ("fagprofessionelle",), "likert4", ("b",), theme="tema",
             reverse=reverse_second),
    )
    return Codebook({"likert4": likert}, {"tema": theme}, items)


def index_tables(mean: float) -> pd.DataFrame:
    """4.8-style index mean for 'Tema' / Erfarne and its two items in a 4.4-style table.

    Item 'Vi hjælper hinanden': all 'Altid' -> mean 4. Item 'Vi skændes ofte': all 'Stort set aldrig'
    -> mean 1 (reversed: 4). Index: 2.5 not reversed, 4.0 reversed."""
    rows = [{"table": "4.8", "section": "Modul", "row": "Tema", "column": "Erfarne", "stat": "mean",
             "value": mean, "decimals": 1},
            {"table": "4.8", "section": "Modul", "row": "Tema", "column": "Erfarne", "stat": "sd",
             "value": 0.5, "decimals": 1}]
    rows += dist_row("4.4", "Tema", "Vi hjælper hinanden", "Erfarne", [0.0, 0.0, 0.0, 100.0])
    rows += dist_row("4.4", "Tema", "Vi skændes ofte", "Erfarne", [100.0, 0.0, 0.0, 0.0])
    return make_cells(rows)


# ------------------------------------------------------------------ compatible_counts / implied_bases


def test_one_sixteenth_half_even_and_half_up_both_fit_n16():
    # 1/16 = 6.25 % and 15/16 = 93.75 %: printed 6,2/93,8 (half-even) or 6,3/93,7 (half-up).
    assert A.compatible_counts([6.2, 93.8], 1, 16) == [1, 15]
    assert A.compatible_counts([6.3, 93.7], 1, 16) == [1, 15]
    assert 16 in A.implied_bases([6.2, 93.8], 1)
    assert 16 in A.implied_bases([6.3, 93.7], 1)
    # 6,4 is 0,15 away from 6,25: not 1/16
    assert A.compatible_counts([6.4, 93.6], 1, 16) is None


def test_thirds_need_three():
    bases = A.implied_bases([33.3, 33.3, 33.3], 1)
    assert bases[0] == 3
    assert A.compatible_counts([33.3, 33.3, 33.3], 1, 3) == [1, 1, 1]
    assert A.compatible_counts([33.3, 33.3, 33.3], 1, 2) is None  # halves are 50 %


def test_row_summing_to_109_5_has_no_base():
    # 38,1 + 47,6 + 14,3 + 9,5 = 109,5; rounding moves the sum by at most 4 x 0,05.
    assert A.implied_bases([38.1, 47.6, 14.3, 9.5], 1, n_max=1000) == []
    assert all(A.compatible_counts([38.1, 47.6, 14.3, 9.5], 1, n) is None for n in (21, 42, 100))


def test_sixteenths_smallest_base_is_16():
    # 1/16, 2/16, 11/16, 2/16 = 6.25, 12.5, 68.75, 12.5; no n < 16 has a k/n in [6.15, 6.25].
    bases = A.implied_bases([6.2, 12.5, 68.8, 12.5], 1)
    assert bases[:3] == [16, 32, 48]
    assert A.compatible_counts([6.2, 12.5, 68.8, 12.5], 1, 16) == [1, 2, 11, 2]


def test_boundary_is_inclusive_in_exact_arithmetic():
    # 3/16 = 18.75 %: printed 18,8 or 18,7 is exactly half a unit away. Floats get this wrong:
    assert abs(100 * 3 / 16 - 18.7) > 0.05 and abs(100 * 3 / 16 - 18.8) > 0.05
    assert A.compatible_counts([18.7, 81.3], 1, 16) == [3, 13]
    assert A.compatible_counts([18.8, 81.2], 1, 16) == [3, 13]
    # two decimals: 18,75 exact fits; 18,74 does not (0,01 > 0,005)
    assert A.compatible_counts([18.75, 81.25], 2, 16) == [3, 13]
    assert A.compatible_counts([18.74, 81.26], 2, 16) is None


def test_blank_cells_are_unknown_and_dash_is_zero():
    # 20,5 and 11,4 with two blanks: 9/44 = 20.45, 5/44 = 11.36, the rest 30 in the blanks.
    assert A.implied_bases([20.5, 11.4, None, None], [1, 1, None, None])[0] == 44
    counts = A.compatible_counts([20.5, 11.4, None, None], [1, 1, None, None], 44)
    assert counts[:2] == [9, 5] and sum(counts) == 44
    assert A.implied_bases([20.5, 11.4, 0.0, 0.0], 1) == []


# ------------------------------------------------------------------ index means


def test_index_mean_above_what_items_allow_is_flagged():
    cb = mini_codebook(reverse_second=False)
    # items give exactly 4 and 1 -> index 2.5 (+-0.00x); 3.2 is far outside, 2.5 fits
    flagged = A.check_index_mean(index_tables(3.2), {}, cb, RELATIONS)
    assert flagged["code"].tolist() == ["index_mean_inconsistent"]
    assert flagged["column"].tolist() == ["Erfarne"] and flagged["stat"].tolist() == ["mean"]
    assert not flagged["unattainable"].any()
    assert A.check_index_mean(index_tables(2.5), {}, cb, RELATIONS).empty


def test_index_mean_reverse_coding_variants():
    cb = mini_codebook(reverse_second=True)
    assert A.check_index_mean(index_tables(4.0), {}, cb, RELATIONS).empty  # reversed: (4 + 4) / 2
    only_raw = A.check_index_mean(index_tables(2.5), {}, cb, RELATIONS)     # not reversed: (4 + 1) / 2
    assert only_raw["code"].tolist() == ["index_mean_fits_unreversed_only"]
    assert "not reversed fits" in only_raw["reason"].iloc[0]
    neither = A.check_index_mean(index_tables(3.2), {}, cb, RELATIONS)
    assert neither["code"].tolist() == ["index_mean_inconsistent"]
    assert "neither" in neither["reason"].iloc[0]


# ------------------------------------------------------------------ means and SDs


def test_max_sd_hand_case():
    # values {1, 4}: mean 2.5, sample SD sqrt(2 * 1.5**2 / 1) = 2.1213; for large n -> 1.5
    assert A.max_sd(2.5, 2) == pytest.approx(np.std([1, 4], ddof=1))
    assert A.max_sd(2.5, 2) == pytest.approx(math.sqrt(4.5))
    assert A.max_sd(2.5, 10**6) == pytest.approx(1.5, abs=1e-5)
    assert A.max_sd(4.0, 50) == 0.0


def test_sd_above_maximum_is_flagged():
    def table(mean, sd, n):
        return make_cells([
            {"table": "4.8", "row": "Tema", "column": "G", "stat": "mean", "value": mean, "decimals": 1},
            {"table": "4.8", "row": "Tema", "column": "G", "stat": "sd", "value": sd, "decimals": 1},
            {"table": "4.8", "row": "Antal", "column": "G", "stat": "n", "value": n, "decimals": 0}])
    # mean 3.8 (>= 3.75), sd 0.9 (>= 0.85): max at n=100 is sqrt(2.75*0.25*100/99) = 0.833 < 0.85 -> warning;
    # at n=2 sqrt(0.6875*2) = 1.17 >= 0.85 -> not proven
    warn = A.check_mean_sd(table(3.8, 0.9, 100), {}, None)
    assert set(warn["code"]) == {"sd_exceeds_max"} and not warn["unattainable"].any()
    assert len(warn) == 2  # the mean and the SD cell
    # mean 3.9 (>= 3.85), sd 1.0 (>= 0.95): even n=2 allows at most sqrt(2.85*0.15*2) = 0.925 -> proven
    proven = A.check_mean_sd(table(3.9, 1.0, 100), {}, None)
    assert set(proven["code"]) == {"sd_exceeds_max"} and proven["unattainable"].all()
    # mean 2.5, sd 1.4 fits under 1.5 * sqrt(100/99)
    assert A.check_mean_sd(table(2.5, 1.4, 100), {}, None).empty
    out = A.check_mean_sd(table(4.3, 0.2, 100), {}, None)
    assert set(out["code"]) == {"mean_out_of_range"} and out["unattainable"].all()


def test_sd_zero_needs_a_mean_identical_answers_give():
    cb = mini_codebook(reverse_second=False)
    cells = index_tables(2.3)
    cells.loc[cells["stat"].eq("sd"), ["printed", "value"]] = ["0,0", 0.0]
    # a 2-item index takes the values 1, 1.5, ..., 4: 2.3 is 0.2 from 2.5 -> flagged; 2.5 is on the grid
    out = A.check_mean_sd(cells, {}, cb, RELATIONS)
    assert set(out["code"]) == {"sd_zero_mean_off_grid"} and not out["unattainable"].any()
    cells.loc[cells["stat"].eq("mean"), ["printed", "value"]] = ["2,5", 2.5]
    assert A.check_mean_sd(cells, {}, cb, RELATIONS).empty


# ------------------------------------------------------------------ the real published tables


def test_chi2_recomputed_from_the_implied_counts_of_4_13(published_audit):
    published, _, _, findings = published_audit
    cells = published[published["table"].eq("4.13")]
    values = cells["value"].tolist()
    counts = [[2, 0, 0, 0], [0, 1, 0, 0], [0, 1, 4, 2], [0, 0, 0, 3]]
    # 15,4 = 2/13, 7,7 = 1/13, 30,8 = 4/13, 23,1 = 3/13; '30,80' read with one decimal
    assert A.implied_bases(values, 1)[0] == 13
    assert A.compatible_counts(values, 1, 13) == [k for row in counts for k in row]
    expected = stats.chi2_contingency(np.array(counts), correction=False)
    chi2, dof, p = A.crosstab_chi2(counts)
    assert (chi2, dof, p) == pytest.approx((expected.statistic, expected.dof, expected.pvalue))
    assert dof == 9 and 0.001 < p < 0.01
    note = findings[findings["code"].eq("p_value_impossible")]
    assert note["table"].tolist() == ["4.13"] and not note["unattainable"].any()  # the note, not the cell
    assert f"p = {p:.4f}" in note["reason"].iloc[0]
    # Tabel 4.14's Koordinator shares are fourteenths (3/14 = 21,43; 6/14 = 42,86): more than 13 people
    koord = findings[findings["table"].eq("4.14") & findings["code"].eq("base_conflict")]
    assert set(koord["row"]) == {"Koordinator"}


def test_competition_row_of_students_is_unattainable(published_audit):
    *_, findings = published_audit
    row = findings[findings["table"].eq("4.4") & findings["row"].eq("Vi er ofte i konkurrence med hinanden")
                   & findings["subrow"].eq("Studerende med praktikerfaring") & findings["check"].eq("row_sum")]
    assert set(row["column"]) == set(LIKERT) | {"Total"}
    assert row["unattainable"].all() and set(row["code"]) == {"row_sum_unattainable"}
    assert "109.5" in row["reason"].iloc[0]


def test_working_together_row_of_experienced_fits_88(published_audit):
    published, _, _, findings = published_audit
    row = published[published["table"].eq("4.4") & published["row"].eq("Vi arbejder sammen for at løse opgaver")
                    & published["subrow"].eq("Erfarne") & published["column"].isin(LIKERT)]
    values = row.set_index("column").loc[LIKERT, "value"].tolist()
    assert 88 in A.implied_bases(values, 1)
    # 4/88 = 4.55, 5/88 = 5.68, 41/88 = 46.59, 38/88 = 43.18
    assert A.compatible_counts(values, 1, 88) == [4, 5, 41, 38]
    mine = findings[findings["table"].eq("4.4") & findings["row"].eq("Vi arbejder sammen for at løse opgaver")
                    & findings["subrow"].eq("Erfarne")]
    assert not mine["unattainable"].any()
    assert set(mine["code"]) == {"stated_n_not_implied"}  # fits 88, not the 181 Erfarne of Tabel 4.2


def test_cross_table_contradictions(published_audit):
    *_, findings = published_audit
    women = findings[findings["code"].eq("group_share_conflict")]
    assert set(women["table"]) == {"3.2", "4.2"} and women["unattainable"].all()
    assert "63.30" in women["reason"].iloc[0] and "81.50" in women["reason"].iloc[0]
    prof = findings[findings["code"].eq("subgroups_exceed_total")]
    assert "235" in prof["reason"].iloc[0] and prof["unattainable"].all()
    # 'Mere end 10 år' is 6,2 % of the students (at most 25 of 400), 40,6 % women needs 32 (13/32)
    band = findings[findings["code"].eq("band_share_unattainable")]
    assert set(band["row"]) == {"Mere end 10 år"} and "13/32" in band["reason"].iloc[0]
    assert findings[findings["code"].eq("stated_n_exceeds_population")]["table"].tolist() == ["4.16", "B2.3"]


def test_crosstab_margins_against_the_items(published_audit):
    published, metadata, codebook, findings = published_audit
    # as printed, the margins of 4.13 at n = 13 (rows 2/1/7/3, columns 2/2/4/5) reproduce 4.12
    assert not findings["code"].eq("margin_conflict").any()
    # swap two shares of the influence item in 4.12: the row margins 2/1 no longer give 7,7 / 15,4
    changed = published.copy()
    row = changed["table"].eq("4.12") & changed["row"].str.contains("tilstrækkelig indflydelse")
    first = row & changed["column"].eq("Stort set aldrig")
    second = row & changed["column"].eq("Sjældent")
    changed.loc[first, ["printed", "value"]] = ["7,7", 7.7]
    changed.loc[second, ["printed", "value"]] = ["15,4", 15.4]
    conflict = A.check_cross_table(changed, metadata, codebook, RELATIONS)
    conflict = conflict[conflict["code"].eq("margin_conflict")]
    assert set(conflict["table"]) == {"4.12", "4.13"}
    assert "2/1/7/3" in conflict["reason"].iloc[0]


def test_intuition_row_needs_more_than_the_181_experienced(published_audit):
    *_, findings = published_audit
    row = findings[findings["code"].eq("no_base_within_stated_n")]
    # 1,1 % of n needs n >= 91; with 12,1 / 75,8 / 11,1 the smallest n is 190 (2/23/144/21)
    assert set(row["row"]) == {"At handle intuitivt"} and set(row["subrow"]) == {"Erfarne"}
    assert "190" in row["reason"].iloc[0] and row["unattainable"].all()


def test_significance_marks_of_4_9(published_audit):
    *_, findings = published_audit
    marks = findings[findings["check"].eq("significance_note")]
    missing = marks[marks["code"].eq("missing_significance_mark")]
    assert set(missing["column"]) == {"Tillid", "Tryghed"} and set(missing["row"]) == {"Internt samarbejde"}
    reversed_ = marks[marks["code"].eq("note_inequality_reversed")]
    assert set(reversed_["column"]) == {"Værdi", "Tillid"} and not marks["unattainable"].any()


def test_findings_shape_order_and_summary(published_audit):
    published, _, _, findings = published_audit
    assert list(findings.columns) == A.FINDING_COLUMNS
    keys = set(map(tuple, published[KEY].itertuples(index=False)))
    assert all(tuple(k) in keys for k in findings[KEY].itertuples(index=False))
    ranks = [TABLE_ORDER.index(t) for t in findings["table"]]
    assert ranks == sorted(ranks)
    summary = A.summarise(findings)
    assert summary["findings"].sum() == len(findings)
    assert summary["unattainable"].sum() == int(findings["unattainable"].sum())


def test_docs_page_is_current(published_audit):
    published, _, _, findings = published_audit
    page = (ROOT / "docs" / "audit.md").read_text(encoding="utf-8")
    assert page == A.audit_markdown(findings, published), "regenerate with: python -m vive_survey.review.audit"


def test_the_command_line_writes_the_docs_page(published_audit, tmp_path):
    from vive_survey.review.audit.__main__ import main

    page, findings_csv = tmp_path / "audit.md", tmp_path / "findings.csv"
    claims_page = tmp_path / "claims.md"
    assert main(["--published", str(TABLES), "--codebook", str(ROOT / "data" / "codebook.yaml"),
                 "--output", str(page), "--csv", str(findings_csv), "--claims-output", str(claims_page)]) == 0
    assert page.read_text(encoding="utf-8") == (ROOT / "docs" / "audit.md").read_text(encoding="utf-8")
    # docs/claims.md lists every claim of claims.yaml, current.
    assert claims_page.read_text(encoding="utf-8") == (ROOT / "docs" / "claims.md").read_text(encoding="utf-8"), \
        "regenerate with: python -m vive_survey.review.audit"
    assert claims_page.read_text(encoding="utf-8").count("\n| c") >= 40
    assert len(pd.read_csv(findings_csv)) == len(published_audit[3])


# ------------------------------------------------------------------ the relations are data


def test_a_relation_left_out_is_a_comparison_not_made(published_audit):
    # The checks hold no table ids: without the relation of 3.2 and 4.2, their conflict is not found.
    import dataclasses

    published, metadata, codebook, findings = published_audit
    assert findings["code"].eq("group_share_conflict").any()
    without = dataclasses.replace(RELATIONS, same_groups=())
    assert not A.check_cross_table(published, metadata, codebook, without)["code"].eq("group_share_conflict").any()
    assert A.check_cross_table(published, metadata, codebook, None).empty


def test_the_group_sizes_name_every_table_that_prints_them(published_audit):
    from vive_survey.review.audit.rows import group_of, group_sizes

    published = published_audit[0]
    sizes = group_sizes(published, RELATIONS)
    assert sizes == {"Studerende": (109, "Tabel 4.2/4.8"), "Nyuddannede": (54, "Tabel 4.2/4.8"),
                     "Erfarne": (181, "Tabel 4.2/4.8")}
    assert group_of("Studerende med praktikerfaring", sizes, RELATIONS) == "Studerende"
    assert group_of("Studerende med andet", sizes, RELATIONS) is None


def test_the_quick_item_match_equals_the_plain_one(published_audit):
    # best_item skips an item whose quick ratios cannot beat the best so far; the plain version
    # scores every item. Every row label of the published tables against every codebook item.
    from vive_survey.review.audit.rows import best_item, text_similarity

    published, _, codebook, _ = published_audit
    items = codebook.likert_items()
    for label in dict.fromkeys(published["row"]):
        scores = [text_similarity(label, item.text) for item in items]
        plain = (items[scores.index(max(scores))], max(scores)) if max(scores) > 0 else (None, 0.0)
        assert best_item(label, items) == plain, label
