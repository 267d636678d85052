"""The statistics of a wave-over-wave comparison (review.waves.compare_waves), each checked against
an independent computation: scipy on the same counts or on the respondents' own scores, a z by
hand, statsmodels' Benjamini–Hochberg; and on two real waves, every cell of both listed once."""

from __future__ import annotations

import math
import time

import numpy as np
import pandas as pd
import pytest
import scipy.stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportions_ztest

from vive_survey.analysis.cells import KEY, cell, frame
from vive_survey.analysis.spec import TableSpec
from vive_survey.review.waves import COMPARE_COLUMNS, compare_waves

from conftest import bundled_and_synthetic_cells

CATEGORIES = ["Stort set aldrig", "Sjældent", "Nogle gange", "Altid"]
SPECS = [
    TableSpec("L", "likert_distribution", "likert", {"total_column": True}, "L.yaml"),
    TableSpec("M", "likert_distribution", "likert", {"total_column": False}, "M.yaml"),
    TableSpec("S", "share_table", "shares", {}, "S.yaml"),
    TableSpec("R", "respondent_summary", "respondents", {}, "R.yaml"),
    TableSpec("X", "crosstab", "crosstab", {"percent": "total"}, "X.yaml"),
    TableSpec("I", "index_summary", "indices", {"layout": "indices_as_rows", "indices": [
        {"theme": "tema", "label": "Tema"}, {"theme": "andet", "label": "Andet"}]}, "I.yaml"),
    TableSpec("O", "ols", "ols", {
        "outcomes": [{"theme": "tema", "label": "Tema"}, {"theme": "andet", "label": "Andet"}],
        "predictors": [{"var": "age", "label": "Alder"}, {"index": "kontrol", "label": "Kontrol"}]}, "O.yaml"),
]


def likert(counts, *, table="L", row="Item", subrow="", section="Sektion", categories=CATEGORIES, total=None):
    n = int(sum(counts))
    out = [cell(table, row, c, "pct", 100.0 * k / n if n else None, section=section, subrow=subrow, base_n=n)
           for c, k in zip(categories, counts)]
    if total if total is not None else table == "L":
        out.append(cell(table, row, "Total", "pct", 100.0 if n else None, section=section, subrow=subrow, base_n=n))
    return out


def share(hits, n, *, table="S", row="Gruppe", column="Ja"):
    return [cell(table, row, column, "pct", 100.0 * hits / n if n else None, base_n=n),
            cell(table, row, "Antal", "n", n, base_n=n)]


def mean_cells(scores, *, table="I", row="Tema", column="Alle", section="Tema-sektion"):
    scores = np.asarray(scores, dtype=float)
    sd = float(scores.std(ddof=1)) if len(scores) > 1 else None
    return [cell(table, row, column, stat, value, section=section, base_n=len(scores))
            for stat, value in (("mean", float(scores.mean())), ("sd", sd), ("n", len(scores)), ("alpha", 0.7))]


def coef_cells(b, se, *, row="Alder", column="Tema", section="", n=200, flag=""):
    if flag:
        return [cell("O", row, column, "coef", None, section=section, base_n=n, flag=flag)]
    return [cell("O", row, column, stat, value, section=section, base_n=n)
            for stat, value in (("coef", b), ("se", se), ("t", b / se), ("p", 0.5))]


def compare(base, wave, **kw):
    kw.setdefault("seed", 7)
    return compare_waves(frame(base), frame(wave), SPECS, **kw)


def rows(out, **where):
    mask = np.ones(len(out), dtype=bool)
    for key, value in where.items():
        mask &= (out[key] == value).to_numpy()
    return out[mask]


def one(out, **where):
    found = rows(out, **where)
    assert len(found) == 1, found
    return found.iloc[0]


def is_empty(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


# ------------------------------------------------------------------------------- distributions

def test_item_distribution_is_one_chi_square_matching_scipy_on_every_category_row():
    base, wave = [10, 20, 30, 40], [25, 25, 30, 20]
    out = compare(likert(base), likert(wave))
    expected = scipy.stats.chi2_contingency(np.array([base, wave]), correction=False)
    cats = rows(out, table="L", stat="pct")
    cats = cats[cats["column"] != "Total"]
    assert list(cats["column"]) == CATEGORIES
    assert (cats["test"] == "chi2").all() and (cats["status"] == "compared").all()
    np.testing.assert_allclose(cats["statistic"], expected.statistic, rtol=1e-12)
    np.testing.assert_allclose(cats["p"], expected.pvalue, rtol=1e-10)
    np.testing.assert_allclose(cats["p_asymptotic"], expected.pvalue, rtol=1e-10)
    assert (cats["df"] == expected.dof).all()
    # each category's own change, wave minus base, in percentage points
    np.testing.assert_allclose(cats["change"], np.array(wave) - np.array(base))
    total = one(out, table="L", column="Total")
    assert is_empty(total["test"]) and is_empty(total["p"]) and total["note"] == "not tested"


def test_two_by_two_chi_square_by_hand():
    out = compare(likert([30, 20], categories=["Ja", "Nej"], total=False),
                  likert([20, 30], categories=["Ja", "Nej"], total=False))
    # chi² = N (ad - bc)² / (r1 r2 c1 c2) = 100 * (30*30 - 20*20)² / (50^4) = 4; df 1; p = erfc(sqrt(chi²/2))
    row = one(out, column="Ja")
    assert row["statistic"] == pytest.approx(4.0, rel=1e-12)
    assert row["df"] == 1
    assert row["p"] == pytest.approx(math.erfc(math.sqrt(2.0)), rel=1e-10)


def test_a_category_no_one_chose_in_either_wave_is_left_out_of_the_test():
    out = compare(likert([0, 20, 30, 50]), likert([0, 30, 30, 40]))
    expected = scipy.stats.chi2_contingency(np.array([[20, 30, 50], [30, 30, 40]]), correction=False)
    row = one(out, column="Altid")
    assert row["df"] == 2 and row["statistic"] == pytest.approx(expected.statistic, rel=1e-12)
    assert "Stort set aldrig" in row["note"]


def test_small_expected_gives_a_seeded_permutation_p_beside_the_asymptotic_one():
    base, wave = [1, 9, 10, 0], [4, 6, 10, 0]        # expected count of the first category: 2.5
    out = compare(likert(base, total=False, table="M"), likert(wave, total=False, table="M"),
                  permutation_resamples=4000)
    row = one(out, column="Sjældent")
    asymptotic = scipy.stats.chi2_contingency(np.array([base[:3], wave[:3]]), correction=False)
    assert row["test"] == "chi2_permutation"
    assert row["p_asymptotic"] == pytest.approx(asymptotic.pvalue, rel=1e-10)
    assert row["statistic"] == pytest.approx(asymptotic.statistic, rel=1e-12)
    assert "expected" in row["note"] and "permutation" in row["note"]
    assert (row["p"] * 4001) == pytest.approx(round(row["p"] * 4001), abs=1e-6)    # (1 + #extreme) / (1 + R)
    # An independent estimate: shuffle the pooled answers between the waves and recount.
    rng = np.random.default_rng(99)
    pooled = np.repeat(np.arange(3), np.add(base[:3], wave[:3]))
    null = []
    for _ in range(4000):
        shuffled = rng.permutation(pooled)
        table = np.array([np.bincount(shuffled[:20], minlength=3), np.bincount(shuffled[20:], minlength=3)])
        null.append(scipy.stats.chi2_contingency(table[:, table.sum(0) > 0], correction=False).statistic
                    if (table.sum(0) > 0).sum() > 1 else 0.0)
    literal = (1 + np.sum(np.array(null) >= asymptotic.statistic - 1e-9)) / 4001
    assert abs(row["p"] - literal) < 5 * math.sqrt(literal * (1 - literal) / 4000) + 1e-3
    # seeded: the same seed gives the same p, in any order of the cells and whatever else is compared
    again = compare(likert(wave, table="L") + likert(base, total=False, table="M"),
                    likert(wave, table="L") + likert(wave, total=False, table="M"),
                    permutation_resamples=4000)
    assert one(again, table="M", column="Sjældent")["p"] == row["p"]
    shuffled_order = compare(likert(base, total=False, table="M")[::-1], likert(wave, total=False, table="M"),
                             permutation_resamples=4000)
    assert one(shuffled_order, column="Sjældent")["p"] == row["p"]
    other_seed = compare(likert(base, total=False, table="M"), likert(wave, total=False, table="M"),
                         permutation_resamples=4000, seed=8)
    assert one(other_seed, column="Sjældent")["p"] != row["p"]
    # with a lower threshold the same table is tested asymptotically
    relaxed = compare(likert(base, total=False, table="M"), likert(wave, total=False, table="M"), min_expected=2)
    assert one(relaxed, column="Sjældent")["test"] == "chi2"


def test_counts_that_are_not_whole_are_an_error():
    rounded = [cell("L", "Item", c, "pct", v, section="Sektion", base_n=3)
               for c, v in zip(CATEGORIES, [33.3, 33.3, 33.4, 0.0])]
    with pytest.raises(ValueError, match="not a whole count"):
        compare(rounded, likert([1, 1, 1, 0]))


# ------------------------------------------------------------------------------- shares, means, coefficients

def test_shares_get_a_two_proportion_z_by_hand():
    out = compare(share(30, 100), share(45, 120))
    p1, p2, q = 0.30, 45 / 120, 75 / 220
    z = (p2 - p1) / math.sqrt(q * (1 - q) * (1 / 120 + 1 / 100))
    row = one(out, table="S", stat="pct")
    assert row["test"] == "z_proportions" and is_empty(row["df"])
    assert row["statistic"] == pytest.approx(z, rel=1e-12)
    assert row["p"] == pytest.approx(math.erfc(abs(z) / math.sqrt(2)), rel=1e-10)
    sm_z, sm_p = proportions_ztest([45, 30], [120, 100])
    assert row["statistic"] == pytest.approx(sm_z, rel=1e-10) and row["p"] == pytest.approx(sm_p, rel=1e-10)
    assert row["change"] == pytest.approx(100 * (p2 - p1))
    assert one(out, table="S", stat="n")["note"] == "not tested"


def test_crosstab_shares_use_their_row_and_column_bases():
    def crosstab(counts):
        n = int(np.sum(counts))
        out = []
        for i, r in enumerate(["A", "B"]):
            for j, c in enumerate(["a", "b"]):
                k = counts[i][j]
                out += [cell("X", r, c, "pct", 100 * k / n, base_n=n),
                        cell("X", r, c, "pct_row", 100 * k / sum(counts[i]), base_n=n),
                        cell("X", r, c, "pct_column", 100 * k / (counts[0][j] + counts[1][j]), base_n=n),
                        cell("X", r, c, "n", k, base_n=n), cell("X", r, c, "expected", 1.0, base_n=n)]
        return out + [cell("X", "Chi²-test", "", "chi2", 1.0, section="_test", base_n=n)]

    out = compare(crosstab([[10, 30], [20, 40]]), crosstab([[30, 10], [25, 35]]))
    checks = {"pct": ([30, 10], [100, 100]), "pct_row": ([30, 10], [40, 40]), "pct_column": ([30, 10], [55, 30])}
    for stat, (hits, bases) in checks.items():
        z, p = proportions_ztest(hits, bases)
        row = one(out, row="A", column="a", stat=stat)
        assert row["statistic"] == pytest.approx(z, rel=1e-10) and row["p"] == pytest.approx(p, rel=1e-10), stat
    assert one(out, row="A", column="a", stat="expected")["status"] == "not_tested"
    assert one(out, section="_test", stat="chi2")["note"] == "not tested"


def test_means_get_welch_t_matching_scipy_on_the_respondents_scores():
    base_scores = [2.0, 2.5, 3.0, 3.25, 2.75, 1.5, 3.5]
    wave_scores = [3.0, 3.5, 2.5, 4.0, 3.75, 3.25, 2.0, 3.5, 4.0, 3.0]
    out = compare(mean_cells(base_scores), mean_cells(wave_scores))
    expected = scipy.stats.ttest_ind(wave_scores, base_scores, equal_var=False)
    row = one(out, table="I", stat="mean")
    assert row["test"] == "welch_t" and row["status"] == "compared"
    assert row["statistic"] == pytest.approx(expected.statistic, rel=1e-10)
    assert row["p"] == pytest.approx(expected.pvalue, rel=1e-10)
    assert row["df"] == pytest.approx(expected.df, rel=1e-10)
    vb, vw = np.var(base_scores, ddof=1) / 7, np.var(wave_scores, ddof=1) / 10
    assert row["df"] == pytest.approx((vb + vw) ** 2 / (vb ** 2 / 6 + vw ** 2 / 9), rel=1e-12)
    for stat in ("sd", "n", "alpha"):
        other = one(out, table="I", stat=stat)
        assert other["note"] == "not tested" and is_empty(other["test"]) and other["status"] == "not_tested"
        assert not is_empty(other["change"])
    # a respondent_summary mean is tested the same way
    ages = [cell("R", "Alle", "Alder", "mean", float(np.mean(s)), base_n=len(s)) for s in (base_scores, wave_scores)]
    sds = [cell("R", "Alle", "Alder", "sd", float(np.std(s, ddof=1)), base_n=len(s))
           for s in (base_scores, wave_scores)]
    summary = compare([ages[0], sds[0]], [ages[1], sds[1]])
    assert one(summary, stat="mean")["statistic"] == pytest.approx(expected.statistic, rel=1e-10)


def test_coefficients_get_z_by_hand():
    out = compare(coef_cells(0.10, 0.04), coef_cells(0.25, 0.05))
    z = (0.25 - 0.10) / math.sqrt(0.05 ** 2 + 0.04 ** 2)
    row = one(out, stat="coef")
    assert row["test"] == "z_coefficients" and row["statistic"] == pytest.approx(z, rel=1e-12)
    assert row["p"] == pytest.approx(math.erfc(abs(z) / math.sqrt(2)), rel=1e-10)
    assert one(out, stat="se")["note"] == "not tested"
    ref = compare(coef_cells(0, 0, row="Kvinde", section="Køn", flag="ref"),
                  coef_cells(0, 0, row="Kvinde", section="Køn", flag="ref"))
    assert one(ref, stat="coef")["status"] == "not_tested"
    assert one(ref, stat="coef")["note"] == "not tested: a reference level in both waves"
    moved = compare(coef_cells(0, 0, row="Kvinde", section="Køn", flag="ref"),
                    coef_cells(0.2, 0.1, row="Kvinde", section="Køn"))
    assert one(moved, stat="coef")["note"] == "not tested: a reference level in the base"
    assert is_empty(one(moved, stat="coef")["p"]) and one(moved, stat="se")["status"] == "only_wave"


def test_change_and_signed_statistics_run_wave_minus_base():
    up = compare(share(30, 100) + mean_cells([1, 2, 3]) + coef_cells(0.1, 0.05),
                 share(50, 100) + mean_cells([3, 4, 5]) + coef_cells(0.3, 0.05))
    down = compare(share(50, 100) + mean_cells([3, 4, 5]) + coef_cells(0.3, 0.05),
                   share(30, 100) + mean_cells([1, 2, 3]) + coef_cells(0.1, 0.05))
    for stat in ("pct", "mean", "coef"):
        a, b = one(up, stat=stat), one(down, stat=stat)
        assert a["change"] > 0 and a["statistic"] > 0, stat
        assert b["change"] == pytest.approx(-a["change"]) and b["statistic"] == pytest.approx(-a["statistic"])
        assert b["p"] == pytest.approx(a["p"])


# ------------------------------------------------------------------------------- undefined, statuses

def test_undefined_tests_are_empty_never_p_one():
    out = compare(share(0, 40) + likert([5, 5, 0, 0], row="Tom") + mean_cells([3.0], row="Tema")
                  + mean_cells([2.0, 2.0, 2.0], row="Andet") + likert([0, 0, 10, 0], row="Fast"),
                  share(0, 50) + likert([0, 0, 0, 0], row="Tom") + mean_cells([3.0, 4.0], row="Tema")
                  + mean_cells([3.0, 3.0], row="Andet") + likert([0, 0, 12, 0], row="Fast"))
    cases = {("S", "Gruppe", "pct"): "0 %", ("L", "Tom", "pct"): "no answers in the wave",
             ("I", "Tema", "mean"): "fewer than two respondents in the base",
             ("I", "Andet", "mean"): "SD of 0 in both", ("L", "Fast", "pct"): "one category"}
    for (table, row_label, stat), why in cases.items():
        found = rows(out, table=table, row=row_label, stat=stat)
        found = found[found["column"] != "Total"]
        assert len(found) >= 1
        for _, row in found.iterrows():
            for col in ("test", "statistic", "df", "p", "p_asymptotic"):
                assert is_empty(row[col]), (table, row_label, col, row[col])
            assert row["status"] == "compared" and row["mark"] == ""
            assert row["note"].startswith("test undefined") and why in row["note"], row["note"]


def test_cells_in_one_wave_only_are_listed_with_the_other_side_empty():
    out = compare(likert([1, 2, 3, 4], row="Gammel") + likert([4, 3, 2, 1], row="Begge"),
                  likert([4, 3, 2, 1], row="Begge") + likert([2, 2, 2, 2], row="Ny"))
    old, new = rows(out, row="Gammel"), rows(out, row="Ny")
    assert len(old) == 5 and (old["status"] == "only_base").all()
    assert old["wave_value"].isna().all() and old["wave_n"].isna().all() and old["p"].isna().all()
    assert len(new) == 5 and (new["status"] == "only_wave").all()
    assert new["base_value"].isna().all() and new["base_n"].isna().all() and new["change"].isna().all()
    assert list(out["row"]) == ["Gammel"] * 5 + ["Begge"] * 5 + ["Ny"] * 5     # base order, new cells after
    # a category added to a scale: the item's distribution is not tested
    grown = compare(likert([1, 2, 3, 4], total=False, table="M"),
                    likert([1, 2, 3, 4, 5], total=False, table="M", categories=CATEGORIES + ["Ved ikke"]))
    assert one(grown, column="Ved ikke")["status"] == "only_wave"
    assert one(grown, column="Altid")["status"] == "not_tested" and "Ved ikke" in one(grown, column="Altid")["note"]


def test_suppressed_cells_stay_empty_and_are_not_tested():
    hidden = [dict(c, value=np.nan, base_n=None, flag="suppressed") if c["stat"] == "pct" else c
              for c in share(2, 3)]
    out = compare(share(30, 100), hidden)
    row = one(out, table="S", stat="pct")
    assert row["status"] == "suppressed" and is_empty(row["wave_value"]) and pd.isna(row["wave_n"])
    assert row["base_value"] == pytest.approx(30.0) and is_empty(row["p"]) and is_empty(row["change"])
    assert "suppressed in the wave" in row["note"]
    # even when the suppressed side still holds numbers, they are emptied
    leaky = [dict(c, flag="suppressed") for c in share(2, 3)]
    assert is_empty(one(compare(share(30, 100), leaky), table="S", stat="pct")["wave_value"])
    # one hidden category: the distribution is not tested
    item = likert([1, 2, 3, 4])
    item[0] = dict(item[0], value=np.nan, base_n=None, flag="suppressed")
    dist = compare(likert([5, 5, 5, 5]), item)
    assert one(dist, column="Stort set aldrig")["status"] == "suppressed"
    assert one(dist, column="Altid")["status"] == "not_tested" and "suppressed" in one(dist, column="Altid")["note"]
    # a mean whose SD is hidden is not tested
    means = mean_cells([1, 2, 3, 4])
    means[1] = dict(means[1], value=np.nan, base_n=None, flag="suppressed")
    mean = one(compare(mean_cells([1, 2, 3]), means), stat="mean")
    assert mean["status"] == "not_tested" and "SD is suppressed" in mean["note"] and is_empty(mean["p"])


def test_an_index_whose_items_differ_is_not_tested_and_the_items_are_named():
    base = mean_cells([1, 2, 3, 4], row="Tema") + mean_cells([1, 2, 3, 4], row="Andet") + coef_cells(0.1, 0.05)
    wave = mean_cells([2, 3, 4, 4], row="Tema") + mean_cells([2, 3, 4, 4], row="Andet") + coef_cells(0.2, 0.05)
    items = {"tema": ("a1", "a2", "a3"), "andet": ("b1", "b2"), "kontrol": ("k1",)}
    out = compare(base, wave, base_items=items, wave_items={**items, "tema": ("a1", "a2", "a4")})
    changed = one(out, table="I", row="Tema", stat="mean")
    assert changed["status"] == "not_tested" and is_empty(changed["p"])
    assert "only in base: a3" in changed["note"] and "only in wave: a4" in changed["note"]
    assert one(out, table="I", row="Andet", stat="mean")["status"] == "compared"
    assert one(out, table="O", stat="coef")["status"] == "not_tested"          # the model of Tema's outcome
    same = compare(base, wave, base_items=items, wave_items=items)
    assert one(same, table="I", row="Tema", stat="mean")["status"] == "compared"
    assert one(same, table="O", stat="coef")["status"] == "compared"
    # a predictor index whose items differ: its coefficient is not tested, the others are
    base += coef_cells(0.3, 0.1, row="Kontrol", column="Andet") + coef_cells(0.1, 0.05, column="Andet")
    wave += coef_cells(0.5, 0.1, row="Kontrol", column="Andet") + coef_cells(0.2, 0.05, column="Andet")
    predictor = compare(base, wave, base_items=items, wave_items={**items, "kontrol": ("k1", "k2")})
    assert one(predictor, table="O", row="Kontrol", stat="coef")["status"] == "not_tested"
    assert "only in wave: k2" in one(predictor, table="O", row="Kontrol", stat="coef")["note"]
    assert one(predictor, table="O", row="Alder", column="Andet", stat="coef")["status"] == "compared"
    with pytest.raises(ValueError, match="both"):
        compare(base, wave, base_items=items)


# ------------------------------------------------------------------------------- multiple testing, marks

def test_benjamini_hochberg_per_table_counting_a_distribution_once():
    base = (likert([10, 20, 30, 40], row="A") + likert([20, 20, 30, 30], row="B")
            + share(30, 100) + share(40, 100, row="Anden") + share(20, 80, row="Tredje"))
    wave = (likert([25, 25, 30, 20], row="A") + likert([22, 20, 30, 28], row="B")
            + share(45, 100) + share(41, 100, row="Anden") + share(35, 80, row="Tredje"))
    out = compare(base, wave, multiple_testing="fdr_bh")
    plain = compare(base, wave)
    assert plain["p_adjusted"].isna().all()
    for table in ("L", "S"):
        tested = rows(out, table=table).dropna(subset=["p"])
        one_per_test = tested.drop_duplicates(["row"]) if table == "L" else tested
        expected = multipletests(one_per_test["p"].to_numpy(), method="fdr_bh")[1]
        np.testing.assert_allclose(one_per_test["p_adjusted"], expected, rtol=1e-12)
        assert len(one_per_test) == (2 if table == "L" else 3)
    dist = rows(out, table="L", row="A").dropna(subset=["p"])
    assert dist["p_adjusted"].nunique() == 1 and len(dist) == 4
    # marks follow the adjusted p when it is set
    used = out["p_adjusted"]
    for _, row in out.iterrows():
        p = used[_]
        assert row["mark"] == ("" if not p == p else "**" if p < 0.01 else "*" if p < 0.05 else "†" if p < 0.10
                               else "")
    assert (rows(out, table="S", row="Gruppe", stat="pct")["p_adjusted"] > rows(plain, table="S", row="Gruppe",
                                                                               stat="pct")["p"].to_numpy()).all()


def test_marks_use_the_reports_thresholds():
    # z of 2.7, 2.2, 1.8 and 1.0 give p of about .007, .028, .072 and .32
    base, wave = [], []
    for k, z in enumerate([2.7, 2.2, 1.8, 1.0]):
        base += coef_cells(0.0, 0.1, row=f"R{k}")
        wave += coef_cells(z * math.sqrt(0.02), 0.1, row=f"R{k}")
    marks = rows(compare(base, wave), stat="coef")["mark"].tolist()
    assert marks == ["**", "*", "†", ""]


def test_same_inputs_and_seed_give_identical_output():
    base = likert([1, 2, 3, 4]) + share(3, 10) + mean_cells([1, 2, 3]) + coef_cells(0.1, 0.1)
    wave = likert([2, 2, 2, 2]) + share(6, 10) + mean_cells([1, 3, 4]) + coef_cells(0.2, 0.1)
    first = compare(base, wave, multiple_testing="fdr_bh")
    pd.testing.assert_frame_equal(first, compare(base, wave, multiple_testing="fdr_bh"))
    assert list(first.columns) == COMPARE_COLUMNS


# ------------------------------------------------------------------------------- two real waves

@pytest.fixture(scope="module")
def two_waves(tmp_path_factory):
    return bundled_and_synthetic_cells(tmp_path_factory.mktemp("waves"), 900, seed=3)


def test_two_real_waves_list_every_cell_of_both_once(two_waves):
    from vive_survey.review.waves import index_items

    base, wave, specs, codebook = two_waves
    items = index_items(codebook)
    compare_waves(base, wave, specs, seed=1)                       # the imports out of the timing
    start = time.perf_counter()
    out = compare_waves(base, wave, specs, seed=1, multiple_testing="fdr_bh", base_items=items, wave_items=items)
    elapsed = time.perf_counter() - start
    keys = list(map(tuple, out[KEY].to_numpy()))
    assert len(keys) == len(set(keys))
    assert set(keys) == set(map(tuple, base[KEY].to_numpy())) | set(map(tuple, wave[KEY].to_numpy()))
    assert set(out["status"]) <= {"compared", "not_tested", "suppressed", "only_base", "only_wave"}
    compared = out[out["status"] == "compared"]
    assert compared["p"].notna().mean() > 0.8
    assert set(compared["test"].dropna()) == {"chi2", "chi2_permutation", "z_proportions", "welch_t",
                                              "z_coefficients"}
    assert ((compared["p"] > 0) & (compared["p"] <= 1) | compared["p"].isna()).all()
    assert out.loc[out["p"].notna(), "p_adjusted"].notna().all()
    np.testing.assert_allclose(out["change"], out["wave_value"] - out["base_value"])
    pd.testing.assert_frame_equal(out, compare_waves(base, wave, specs, seed=1, multiple_testing="fdr_bh",
                                                     base_items=items, wave_items=items))
    print(f"{len(out)} cells compared in {elapsed:.3f} s")
    assert elapsed < 5.0
