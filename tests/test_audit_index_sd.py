"""The index SD against its items' printed distributions taken together (check index_sd).

Every expected number is worked out by hand next to it, or by a brute force written here that
shares no code with the module under test.
"""

from __future__ import annotations

import itertools
import math
import statistics
from fractions import Fraction
from pathlib import Path

import pandas as pd
import pytest

from vive_survey.inputs.codebook import load_codebook
from vive_survey.review import audit as A
from vive_survey.review.audit.index_sd import (comonotone_max_variance, count_vectors, enumerated_variance_range,
                                               min_variance_bound, variance_of_totals)
from vive_survey.review.audit.relations import load_relations
from vive_survey.review.published import load_metadata, load_published

from test_audit import dist_row, make_cells, mini_codebook

ROOT = Path(__file__).resolve().parents[1]
TABLES = ROOT / "data" / "published" / "tables"
RELATIONS = load_relations(ROOT / "data" / "published" / "relations.yaml")


def brute_force_variances(scores: list[list[int]]) -> list[float]:
    """The sample variance of the item totals for every pairing of every item's answers (all orders)."""
    out = []
    for orders in itertools.product(*(set(itertools.permutations(s)) for s in scores[1:])):
        totals = [sum(t) for t in zip(scores[0], *orders)]
        out.append(statistics.variance(totals))
    return out


@pytest.mark.parametrize("scores", [
    [[1, 2, 4], [1, 3, 3]],
    [[2, 3, 3, 4], [1, 1, 4, 4], [2, 2, 3, 3]],
    [[1, 1, 2, 4, 4], [3, 3, 3, 3, 3], [1, 2, 3, 4, 4]],
    [[4, 4, 4, 4], [1, 1, 4, 4]],
])
def test_comonotone_is_the_largest_and_the_bound_below_every_pairing(scores):
    variances = brute_force_variances(scores)
    assert float(comonotone_max_variance(scores)) == pytest.approx(max(variances))
    assert float(min_variance_bound(scores)) <= min(variances) + 1e-12
    low, high = enumerated_variance_range(scores)
    assert (float(low), float(high)) == pytest.approx((min(variances), max(variances)))


def test_variance_of_totals_hand_case():
    # totals 6, 8, 8, 9, 9: mean 8, squares of deviations 4 + 0 + 0 + 1 + 1 = 6, / 4 = 1.5
    assert variance_of_totals([6, 8, 8, 9, 9]) == Fraction(3, 2)
    assert variance_of_totals([5]) == 0


def test_the_lower_bound_hand_cases():
    # 7 and 2 respondents-worth: totals sum 12 over 4 people -> 3, 3, 3, 3 possible: bound 0 from the split;
    # items 4,4,4,4 (SD 0) and 1,1,4,4 (SD sqrt(3)): every pairing has SD sqrt(3) -> variance 3
    assert min_variance_bound([[4, 4, 4, 4], [1, 1, 4, 4]]) == pytest.approx(3)
    # totals 1+2+2 = 5 over 2 people: at best 2 and 3, variance 0.5
    assert min_variance_bound([[1, 2], [1, 1]]) >= Fraction(1, 2)


def test_count_vectors_at_a_base():
    # 25,0 / 50,0 / 25,0 at n = 4 is 1/2/1 only, and nothing at n = 5
    assert count_vectors([0.0, 25.0, 50.0, 25.0], [1, 1, 1, 1], 4) == [(0, 1, 2, 1)]
    assert count_vectors([0.0, 25.0, 50.0, 25.0], [1, 1, 1, 1], 5) == []
    # 10 / 90 with no decimals: at n = 40 only 4/36 (3/40 = 7.5 % and 5/40 = 12.5 % are outside 9.5-10.5);
    # at n = 200: 19, 20 or 21 (9.5-10.5 %), the rest 181-179
    assert count_vectors([10.0, 90.0], [0, 0], 40) == [(4, 36)]
    assert count_vectors([10.0, 90.0], [0, 0], 200) == [(19, 181), (20, 180), (21, 179)]


def two_item_index(sd: float, first: list[float], second: list[float]) -> pd.DataFrame:
    """A 4.8-style index ('Tema' / Erfarne, mean 2.5) with the SD given, and its two items in a 4.4-style table."""
    rows = [{"table": "4.8", "section": "Modul", "row": "Tema", "column": "Erfarne", "stat": "mean",
             "value": 2.5, "decimals": 1},
            {"table": "4.8", "section": "Modul", "row": "Tema", "column": "Erfarne", "stat": "sd",
             "value": sd, "decimals": 1}]
    rows += dist_row("4.4", "Tema", "Vi hjælper hinanden", "Erfarne", first)
    rows += dist_row("4.4", "Tema", "Vi skændes ofte", "Erfarne", second)
    return make_cells(rows)


def test_an_sd_above_the_comonotone_maximum_is_a_strong_warning():
    # Items 25/25/25/25 and 50/0/0/50: every base is a multiple of 4. At n = 4 the answers are 1,2,3,4
    # and 1,1,4,4; comonotone totals 2, 3, 7, 8 -> index 1, 1.5, 3.5, 4: mean 2.5, squares
    # 2.25 + 1 + 1 + 2.25 = 6.5, / 3 -> SD sqrt(13/6) = 1.472 (larger n only lower it, towards 1.275).
    first, second = [25.0, 25.0, 25.0, 25.0], [50.0, 0.0, 0.0, 50.0]
    assert math.sqrt(6.5 / 3) == pytest.approx(1.472, abs=1e-3)
    codebook = mini_codebook(reverse_second=False)
    assert A.check_index_sd(two_item_index(1.5, first, second), {}, codebook, RELATIONS).empty  # 1.45 <= 1.472
    too_big = A.check_index_sd(two_item_index(1.6, first, second), {}, codebook, RELATIONS)   # 1.55 > 1.472
    # Not unattainable: an index over fewer respondents than its items' (someone skipped an item) is
    # not bounded by the items' distributions.
    assert too_big["code"].tolist() == ["index_sd_exceeds_joint_max"] and not too_big["unattainable"].any()
    assert too_big["strength"].tolist() == ["strong warning"]
    assert too_big["stat"].tolist() == ["sd"] and "at most 1.472 (n = 4" in too_big["reason"].iloc[0]


def test_an_sd_below_every_pairing_is_a_strong_warning():
    # Items all 'Altid' and 50/0/0/50: every respondent's index is (4 + 1) / 2 = 2.5 or (4 + 4) / 2 = 4,
    # half each, whatever the pairing: SD 0.75 sqrt(n / (n - 1)) >= 0.75 at every base (0.751 at 400).
    # A printed 0,5 (at most 0,55) is below it; 0,8 fits.
    first, second = [0.0, 0.0, 0.0, 100.0], [50.0, 0.0, 0.0, 50.0]
    codebook = mini_codebook(reverse_second=False)
    low = A.check_index_sd(two_item_index(0.5, first, second), {}, codebook, RELATIONS)
    assert low["code"].tolist() == ["index_sd_below_joint_min"] and not low["unattainable"].any()
    assert A.check_index_sd(two_item_index(0.8, first, second), {}, codebook, RELATIONS).empty


def test_reverse_items_are_tried_both_ways():
    # Reversed (5 - score), 50/0/0/50 is the same multiset of answers, so the maximum stays 1.472 and
    # 1,5 fits; the check flags only what neither coding allows.
    codebook = mini_codebook(reverse_second=True)
    first, second = [25.0, 25.0, 25.0, 25.0], [50.0, 0.0, 0.0, 50.0]
    assert A.check_index_sd(two_item_index(1.5, first, second), {}, codebook, RELATIONS).empty


def test_items_without_a_common_base_are_not_checked():
    # An SD of 3,0 exceeds anything on the 1-4 scale, yet a row that no base reproduces (20+20+20+41 =
    # 101) leaves no common base, so nothing ties the index to its items: not checked here (the row
    # itself is row_sum's finding, the SD mean_sd's).
    codebook = mini_codebook(reverse_second=False)
    assert A.implied_bases([20.0, 20.0, 20.0, 41.0], 1) == []
    blank = two_item_index(3.0, [25.0, 25.0, 25.0, 25.0], [20.0, 20.0, 20.0, 41.0])
    assert A.check_index_sd(blank, {}, codebook, RELATIONS).empty
    # with 20/20/20/40 (fifths) the rows share the bases 20, 40, ...: checked, and 3,0 is too large
    fifths = two_item_index(3.0, [25.0, 25.0, 25.0, 25.0], [20.0, 20.0, 20.0, 40.0])
    assert A.check_index_sd(fifths, {}, codebook, RELATIONS)["code"].tolist() == ["index_sd_exceeds_joint_max"]


@pytest.fixture(scope="module")
def real():
    published = load_published(TABLES)
    metadata = load_metadata(TABLES)
    codebook = load_codebook(ROOT / "data" / "codebook.yaml")
    return A.check_index_sd(A.judged_cells(published), metadata, codebook, RELATIONS)


def test_three_sds_of_the_newly_qualified_exceed_what_their_items_allow(real):
    assert sorted(real["row"]) == ["Inddragelse", "Samarbejde", "Tillid"]
    assert set(real["column"]) == {"Nyuddannede"} and not real["unattainable"].any()
    assert "if the index covers those who answered the items" in real["reason"].iloc[0]
    assert set(real["code"]) == {"index_sd_exceeds_joint_max"} and set(real["stat"]) == {"sd"}
    by_row = real.set_index("row")["reason"]
    # Tillid (printed 1,0): the three items of Tabel 4.5 are each 0/1/2/1 at n = 4 (25,0/50,0/25,0),
    # answers 2, 3, 3, 4; comonotone index 2, 3, 3, 4: squares 1 + 0 + 0 + 1 = 2, / 3 -> SD 0.816 < 0,95
    assert "at most 0.816 (n = 4" in by_row["Tillid"]
    # Inddragelse (printed 0,5) at n = 5 (Tabel 4.6): 3,3,3,3,3 / 1,2,2,3,3 / 2,3,3,3,3 sorted; totals
    # 6, 8, 8, 9, 9; index 2, 8/3, 8/3, 3, 3: variance 1.5 / 9 = 1/6 -> SD 0.408 < 0,45
    assert "at most 0.408 (n = 5" in by_row["Inddragelse"]
    # Internt samarbejde (printed 0,6) at n = 16 (B2.2): counts 0/0/10/6, 0/0/5/11, 1/0/3/12; sorted,
    # summed position-wise: totals 7, 9 (x3), 10, 11 (x5), 12 (x6) -> SD of totals 1.493, index 0.498
    hand = [sorted([3] * 10 + [4] * 6), sorted([3] * 5 + [4] * 11), sorted([1] + [3] * 3 + [4] * 12)]
    totals = [sum(t) for t in zip(*hand)]
    assert totals == [7, 9, 9, 9, 10, 11, 11, 11, 11, 11, 12, 12, 12, 12, 12, 12]
    sd = math.sqrt(statistics.variance(totals)) / 3
    assert f"at most {sd:.3f} (n = 16" in by_row["Samarbejde"] and sd == pytest.approx(0.498, abs=1e-3)
