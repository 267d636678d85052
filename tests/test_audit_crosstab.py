"""Tabel 4.13 and 4.14 taken together, the exact conditional p of 4.13, and 4.16's SD 0 against both.

Expected numbers are worked out by hand next to them, or by brute forces written here that share
no code with the modules under test (scipy for the exact test's 2x2 case and the Pearson statistic).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from scipy import special, stats

from vive_survey.review import audit as A
from vive_survey.review.audit.crosstab_groups import group_options, group_totals, sumset
from vive_survey.review.audit.exact_test import exact_test, tables_with_margins
from vive_survey.review.audit.relations import Crosstab, PatternTable, load_relations

from test_audit import make_cells

ROOT = Path(__file__).resolve().parents[1]
RELATIONS = load_relations(ROOT / "data" / "published" / "relations.yaml")


# ------------------------------------------------------------------ the exact conditional test


@pytest.mark.parametrize("table", [[[3, 1], [1, 3]], [[8, 2], [1, 5]], [[0, 5], [5, 0]], [[2, 7], [8, 2]],
                                   [[10, 3], [2, 15]]])
def test_fisher_freeman_halton_on_2x2_is_scipys_two_sided_fisher_exact(table):
    assert exact_test(table).p_fisher == pytest.approx(stats.fisher_exact(table).pvalue, rel=1e-9)


@pytest.mark.parametrize("table", [[[2, 0, 0, 0], [0, 1, 0, 0], [0, 1, 4, 2], [0, 0, 0, 3]],
                                   [[3, 1, 0], [1, 2, 2], [0, 1, 4]], [[5, 2], [1, 6]]])
def test_the_pearson_statistic_is_scipys(table):
    expected = stats.chi2_contingency(np.array(table), correction=False)
    assert exact_test(table).statistic == pytest.approx(expected.statistic)
    assert exact_test(table).min_expected == pytest.approx(expected.expected_freq.min())


def brute_force_exact(table) -> tuple[Fraction, Fraction]:
    """Both exact p-values by pairing a fixed list of row labels with every order of the column
    labels (each order equally likely under independence given the margins)."""
    table = np.asarray(table)
    row_labels = [i for i, r in enumerate(table.sum(axis=1)) for _ in range(r)]
    col_labels = [j for j, c in enumerate(table.sum(axis=0)) for _ in range(c)]
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()

    def chi2(t):
        return float(((t - expected) ** 2 / expected).sum())

    def prob_key(t):   # P(t) is proportional to 1 / prod t_ij!
        return math.prod(math.factorial(int(x)) for x in t.ravel())

    obs_key, obs_chi2 = prob_key(table), chi2(table)
    fisher = pearson = total = 0
    for order in itertools.permutations(col_labels):
        t = np.zeros_like(table)
        for i, j in zip(row_labels, order):
            t[i, j] += 1
        total += 1
        fisher += prob_key(t) >= obs_key
        pearson += chi2(t) >= obs_chi2 - 1e-9
    return Fraction(fisher, total), Fraction(pearson, total)


@pytest.mark.parametrize("table", [[[2, 0, 1], [0, 2, 0], [1, 0, 1]], [[3, 0], [1, 3]], [[1, 1, 0], [0, 2, 3]]])
def test_the_enumeration_equals_every_permutation_of_the_respondents(table):
    fisher, pearson = brute_force_exact(table)
    result = exact_test(table)
    assert result.p_fisher == pytest.approx(float(fisher)) and result.p_pearson == pytest.approx(float(pearson))


def test_every_table_with_the_margins_is_enumerated_once():
    # margins (2, 1) x (1, 2): the tables [[1, 1], [0, 1]] and [[0, 2], [1, 0]]
    assert sorted(tables_with_margins([2, 1], [1, 2])) == [((0, 2), (1, 0)), ((1, 1), (0, 1))]


# ------------------------------------------------------------------ the published tables


def test_the_exact_p_of_4_13_beside_the_asymptotic_one(published_audit):
    *_, findings = published_audit
    note = findings[findings["code"].eq("exact_p_differs")]
    assert note["table"].tolist() == ["4.13"] and not note["unattainable"].any()
    assert note["strength"].tolist() == ["note"]
    # 4.13 at n = 13: rows 2/1/7/3, columns 2/2/4/5; an independent Monte Carlo of the same conditional
    # distribution (shuffling the column answers among the 13 respondents) agrees with the enumeration
    counts = np.array([[2, 0, 0, 0], [0, 1, 0, 0], [0, 1, 4, 2], [0, 0, 0, 3]])
    rows = np.repeat(np.arange(4), counts.sum(axis=1))
    cols = np.repeat(np.arange(4), counts.sum(axis=0))
    expected = np.outer(counts.sum(axis=1), counts.sum(axis=0)) / 13
    obs_chi2 = ((counts - expected) ** 2 / expected).sum()
    rng = np.random.default_rng(2021)
    draws = 200_000
    shuffled = np.array([rng.permutation(cols) for _ in range(draws)])
    tables = np.zeros((draws, 16), dtype=int)
    np.add.at(tables, (np.repeat(np.arange(draws), 13), (rows[None, :] * 4 + shuffled).ravel()), 1)
    chi2 = ((tables.reshape(draws, 4, 4) - expected) ** 2 / expected).sum(axis=(1, 2))
    # P(table) is a constant / prod t_ij!: as likely or less <=> sum log t_ij! at least the observed
    log_fact = special.gammaln(tables + 1).sum(axis=1)
    obs_log_fact = special.gammaln(counts + 1).sum()
    result = exact_test(counts)
    assert np.mean(chi2 >= obs_chi2 - 1e-9) == pytest.approx(result.p_pearson, abs=4 * math.sqrt(0.0011 / draws))
    assert np.mean(log_fact >= obs_log_fact - 1e-9) == pytest.approx(result.p_fisher, abs=4 * math.sqrt(0.006 / draws))
    assert result.tables == 479 and result.statistic == pytest.approx(24.142857, abs=1e-6)
    assert result.min_expected == pytest.approx(2 / 13) and result.below_five == 16   # 1 x 2 / 13; 7 x 5 / 13 < 5
    details = note["details"].iloc[0]
    assert f"p_fisher_freeman_halton={result.p_fisher:.6f}" in details
    assert f"p_exact_pearson={result.p_pearson:.6f}" in details
    assert "min_expected=0.1538" in details and "p < 0,000" in note["reason"].iloc[0]
    # both exact p-values are above 0.001: the note's 'p < 0,000' (read as p < 0.001) does not hold
    assert result.p_fisher > 0.001 and result.p_pearson > 0.001


def brute_force_joint(crosstab: dict, groups: list[dict], n_max: int) -> list[int]:
    """Every N <= n_max at which some cell counts of the crosstab and some group sizes summing to N
    reproduce both, written with plain loops: crosstab cells {(row, col): pct}, groups [{pattern: pct}]
    with patterns 'A' (both answers A) and 'B' (both B); one decimal everywhere."""
    def counts(p, n):
        return [k for k in range(n + 1) if abs(Fraction(100 * k, n) - Fraction(str(p))) <= Fraction(1, 20)]

    found = []
    for n in range(1, n_max + 1):
        cells = {key: counts(p, n) for key, p in crosstab.items()}
        if any(not c for c in cells.values()) or sum(c[0] for c in cells.values()) != n:
            continue   # one decimal, n < 1000: each cell has one count at most
        need = (cells[("A", "A")][0], cells[("B", "B")][0])
        for sizes in itertools.product(range(n + 1), repeat=len(groups)):
            if sum(sizes) != n:
                continue
            options = [[(a, b) for a in (counts(g["A"], s) if s else [0]) for b in (counts(g["B"], s) if s else [0])
                        if a + b <= s] for g, s in zip(groups, sizes)]
            if any(s == 0 and (g["A"] or g["B"]) for g, s in zip(groups, sizes)):
                continue
            if any(tuple(map(sum, zip(*combo))) == need for combo in itertools.product(*options)):
                found.append(n)
                break
    return found


def synthetic(crosstab: dict, groups: list[dict]):
    rows = [{"table": "4.13", "row": r, "column": c, "stat": "pct", "value": p, "decimals": 1}
            for (r, c), p in crosstab.items()]
    rows += [{"table": "4.14", "row": f"g{i}", "column": column, "stat": "pct", "value": g[key], "decimals": 1}
             for i, g in enumerate(groups) for key, column in (("A", "both A"), ("B", "both B"))]
    relations = dataclasses.replace(
        RELATIONS, crosstabs=(Crosstab("4.13", None, None, ("4.14",)),),
        pattern_tables=(PatternTable("4.14", "4.13", (("both A", ("A",)), ("both B", ("B",)))),))
    return make_cells(rows), relations


@pytest.mark.parametrize("g1, g2, fits", [
    # crosstab at N = 4m: A/A m, A/B m, B/B 2m. g1 (2a people) has a both A, g2 (b) all both B.
    # N = 4: g1 = 2 (1 A, 1 mixed), g2 = 2 (2 B): 1 / 2 / mixed 1. Fits.
    ({"A": 50.0, "B": 0.0}, {"A": 0.0, "B": 100.0}, True),
    # g2 half both B: a = m, b / 2 = 2m -> sizes 2m + 4m = 6m != 4m: never.
    ({"A": 50.0, "B": 0.0}, {"A": 0.0, "B": 50.0}, False),
])
def test_the_joint_search_equals_a_brute_force(g1, g2, fits):
    crosstab = {("A", "A"): 25.0, ("A", "B"): 25.0, ("B", "A"): 0.0, ("B", "B"): 50.0}
    cells, relations = synthetic(crosstab, [g1, g2])
    found = A.check_crosstab_groups(cells, {}, None, relations, n_max=24)
    joint = brute_force_joint(crosstab, [g1, g2], 24)
    assert bool(joint) == fits and found.empty == fits
    if not fits:
        assert set(found["code"]) == {"crosstab_groups_irreconcilable"}
        # g2's members who answered one question alone could make its share 50 % of more people than
        # answered both: under that reading the tables fit, so the finding is a warning, not a proof.
        assert "only if a group's share counted members who answered one question alone" in found["details"].iloc[0]
        assert not found["unattainable"].any() and set(found["strength"]) == {"strong warning"}
        assert len(found) == len(cells)
        assert "searched N = 1-24" in found["reason"].iloc[0] and "4, 8, 12" in found["reason"].iloc[0]


def test_group_sizes_add_up_as_bitsets():
    # {1, 3} + {0, 2} = {1, 3, 5}
    assert sumset(0b1010, 0b101, 10) == 0b101010
    # a group printed 50,0 % both A: sizes 2, 4, 6 with 1, 2, 3 both A (n_max 6)
    assert group_options([50.0], [1], 6) == {(1,): 1 << 2, (2,): 1 << 4, (3,): 1 << 6}
    # two such groups: 2 A from sizes 4 (2 + 2 or 4 + 0 impossible: a group has at least 2)
    totals = group_totals([group_options([50.0], [1], 8)] * 2, 8)
    assert totals == {(2,): 1 << 4, (3,): 1 << 6, (4,): 1 << 8}


def test_4_13_and_4_14_have_no_common_base(published_audit):
    *_, findings = published_audit
    proof = findings[findings["code"].eq("crosstab_groups_irreconcilable")]
    assert set(proof["table"]) == {"4.13", "4.14"} and len(proof) == 16 + 8
    # Not proven: read as shares of every member of a role (as tables/4.14.yaml computes them), the
    # two tables fit at N = 13, and the bundled wave reproduces all 24 cells.
    assert not proof["unattainable"].any() and set(proof["strength"]) == {"strong warning"}
    reason, details = proof["reason"].iloc[0], proof["details"].iloc[0]
    assert "searched N = 1-400" in reason and "N = 13, 26, 39, 52, 65" in reason
    # 'both 1-2': 15,4 + 7,7 (+ four 0,0) hold at least 15.35 + 7.65 = 23.00 % of N, while a role gives
    # at most 21.4 + 0.05 = 21.45 % of its members (Koordinator), the others 0.05 %.
    assert "at least 23.00 % of N, every group at most 21.45 %" in reason
    # 'both 3-4': 30,8 + 15,4 + 0,0 + 23,1 >= 30.75 + 15.35 + 23.05 = 69.15 %; roles at most 50.05 % (Leder)
    assert "at least 69.15 % of N, every group at most 50.05 %" in reason
    # N = 13: Leder >= 2 (50,0 %), Koordinator >= 14 (3/14 = 21,4, 6/14 = 42,9), Medhjælp >= 5 (20,0): 21
    assert "N = 13: no group sizes sum to 13 (the groups' shares need at least 21 people)" in details
    # Read leniently (a role's share of members who answered one question alone), N = 13 would fit with
    # Koordinator 14 (3 and 6), Leder 4 (2), Medhjælp 5 (1): 3 and 6 + 2 + 1 = 9 = 4.13's 3 and 9 (2+1, 4+2+3)
    assert "the first at N = 13 with groups of 23 in all" in details
    # the row-by-row warning stays, without claiming that a larger base would work for all rows
    assert "for the rows taken together, see the check crosstab_groups" in \
        findings[findings["code"].eq("base_conflict")]["reason"].iloc[0]


def test_the_sd_0_of_medhjaelper_contradicts_4_13_and_4_14(published_audit):
    published, metadata, codebook, findings = published_audit
    found = findings[findings["code"].eq("sd_zero_contradicts_crosstab")]
    # A strong warning: it reads 4.14's shares as of the Medhjælp who answered both questions.
    assert not found["unattainable"].any() and set(found["strength"]) == {"strong warning"}
    cells = set(zip(found["table"], found["row"], found["column"], found["stat"]))
    index = "Faktiske samarbejdsoplevelser / Indflydelse"
    assert ("4.16", "Medhjælper", index, "sd") in cells and ("4.16", "Medhjælper", index, "mean") not in cells
    assert {("4.13", "Sjældent", "Altid", "pct"), ("4.13", "Altid", "Sjældent", "pct")} <= cells
    assert {c[1] for c in cells if c[0] == "4.14"} == {"Medhjælp"}
    reason = found["reason"].iloc[0]
    # 20,0 % both 3-4 -> index >= 3; 80 % mixed (one answer 1-2, one 3-4) -> index <= (2 + 4) / 2 = 3;
    # so 3 for all, the mixed ones 2/4 or 4/2 - cells 4.13 prints 0,0
    assert "every member's index is 3.0" in reason and "Sjældent/Altid, Altid/Sjældent" in reason
    # two different values 0.5 apart among at most 96 (4.16's title) give an SD of at least
    # 0.5 sqrt(95) / 96 = 0.0508 > 0.05, the most a printed 0,0 allows
    assert f"{0.5 * math.sqrt(95) / 96:.3f}" == "0.051" and "at least 0.051 among up to 96 people" in reason
    # if 4.13 had a respondent answering Altid to influence and Sjældent to responsibility, no contradiction
    changed = A.judged_cells(published).copy()
    cell = changed["table"].eq("4.13") & changed["row"].eq("Altid") & changed["column"].eq("Sjældent")
    changed.loc[cell, ["value", "printed"]] = [7.7, "7,7"]
    again = A.check_crosstab_groups(changed, metadata, codebook, RELATIONS)
    assert not again["code"].eq("sd_zero_contradicts_crosstab").any()
