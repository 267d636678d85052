"""Print quirks, rounding ties, the strength of every code, and 4.16's shares of women column by column.

Expected numbers are worked out by hand next to them.
"""

from __future__ import annotations

from fractions import Fraction

import pytest

from vive_survey.review import audit as A
from vive_survey.review.audit.findings import CODE_STRENGTH, CODE_TEXT, STRENGTHS
from vive_survey.review.audit.partition_shares import two_group_shares
from vive_survey.review.audit.print_quirks import find_quirks
from vive_survey.review.audit.ties import BOTH, HALF_EVEN, HALF_UP, NEITHER, tie_rule

from test_audit import dist_row, make_cells


# ------------------------------------------------------------------ print quirks


def test_a_trailing_zero_is_judged_at_the_tables_precision():
    # 7,7 + 15,4 + 30,80 + 46,2 = 100,1: with '30,80' read as 30,80 +- 0,005, 4/13 = 30,77 is outside and
    # no base fits; as 30,8 +- 0,05 the row is 1/2/4/6 of 13.
    rows = dist_row("4.12", "Procedure", "r", "", [7.7, 15.4, 30.8, 46.2])
    rows[2].update(printed="30,80", decimals=2)
    cells = make_cells(rows)
    assert A.implied_bases([7.7, 15.4, 30.8, 46.2], [1, 1, 2, 1]) == []
    assert A.implied_bases([7.7, 15.4, 30.8, 46.2], 1)[0] == 13
    quirks = find_quirks(cells)
    assert [(q.kind, q.decimals, q.reading) for q in quirks] == [("trailing zero", 1, "30,8")]
    assert A.judged_cells(cells)["decimals"].tolist() == [1, 1, 1, 1]
    assert cells["decimals"].tolist() == [1, 1, 2, 1]      # the caller's frame is not changed
    # as printed, row_sum does not call the row unattainable either: the print quirk explains it
    assert A.check_row_sum(cells, {}).empty
    note = A.check_print_quirk(cells, {})
    assert note["code"].tolist() == ["print_quirk"] and not note["unattainable"].any()
    assert note["strength"].tolist() == ["note"] and "judged as 30,8" in note["reason"].iloc[0]


def test_a_decimal_point_and_a_misplaced_parenthesis():
    cells = make_cells([
        {"table": "4.16", "row": "a", "column": "c", "stat": "mean", "value": 3.5, "printed": "3.5", "decimals": 1},
        {"table": "4.16", "row": "a", "column": "c", "stat": "sd", "value": 0.0, "printed": "(0,)0", "decimals": 1},
        {"table": "4.16", "row": "b", "column": "c", "stat": "sd", "value": 0.4, "printed": "(0,4)", "decimals": 1},
        {"table": "4.16", "row": "b", "column": "c", "stat": "mean", "value": 3.25, "printed": "3,25", "decimals": 2},
        {"table": "4.16", "row": "c", "column": "c", "stat": "mean", "value": 3.2, "printed": "3,2", "decimals": 1},
    ])
    # '(0,4)' is how an SD is printed, and '3,25' has a non-zero last digit: neither is a quirk
    assert [(q.position, q.kind) for q in find_quirks(cells)] == [(0, "decimal point"), (1, "misplaced parenthesis")]


def test_the_published_quirks_and_the_4_12_row_that_is_no_longer_unattainable(published_audit):
    *_, findings = published_audit
    quirks = findings[findings["code"].eq("print_quirk")]
    assert sorted(zip(quirks["table"], quirks["stat"])) == sorted(
        [("4.8", "mean"), ("4.12", "pct"), ("4.13", "pct"), ("4.15", "pct"), ("4.16", "mean"), ("4.16", "sd")])
    assert not quirks["unattainable"].any()
    row = findings[findings["table"].eq("4.12") & findings["row"].str.startswith("Der er alt for mange formelle")]
    # at n = 13 the row is 2/4/4/3 (15,4/30,8/30,8/23,1): a print quirk and the 34 of the title, no proof
    assert not row["unattainable"].any()
    assert set(row["code"]) == {"print_quirk", "stated_n_not_implied"}


# ------------------------------------------------------------------ rounding ties


@pytest.mark.parametrize("value, n, expected", [
    (6.2, 16, (1, HALF_EVEN)),     # 1/16 = 6,25: the lower, even
    (6.3, 16, (1, HALF_UP)),       # the upper, odd
    (68.8, 16, (11, BOTH)),        # 11/16 = 68,75: the upper is even
    (68.7, 16, (11, NEITHER)),     # the lower is odd: half-down
    (12.5, 16, None),              # 2/16 = 12,5 exactly: no tie at one decimal
    (33.3, 3, None),               # 1/3: not halfway
])
def test_a_tie_and_its_rule(value, n, expected):
    assert tie_rule(value, 1, n) == expected


def test_ties_are_counted_per_table():
    # one row of sixteenths (1/3/5/7 of 16 = 6,25 / 18,75 / 31,25 / 43,75): printed 6,2 (even), 18,8 (up,
    # even: both), 31,2 (even), 43,8 (up and even: both)
    cells = make_cells(dist_row("B2.1", "s", "r", "", [6.2, 18.8, 31.2, 43.8]))
    assert A.implied_bases([6.2, 18.8, 31.2, 43.8], 1)[0] == 16
    note = A.check_rounding_ties(cells, {})
    assert note["code"].tolist() == ["rounding_ties"] and not note["unattainable"].any()
    assert "4 printed share(s)" in note["reason"].iloc[0] and "2 half-even, 2 either rule" in note["reason"].iloc[0]
    assert "the decisive ones follow half-even" in note["reason"].iloc[0]
    assert "1/16 = 6.25 printed 6,2 (half-even)" in note["details"].iloc[0]


def test_the_published_ties(published_audit):
    *_, findings = published_audit
    ties = findings[findings["code"].eq("rounding_ties")].set_index("table")["reason"]
    # the newly qualified's rows of Bilagstabel 2.1 and 2.2 rest on 16 answers (sixteenths)
    assert set(ties.index) == {"B2.1", "B2.2"}
    assert all("follow half-even" in r for r in ties)


# ------------------------------------------------------------------ strength


def test_every_code_has_a_strength_and_proven_codes_are_the_unattainable_ones(published_audit):
    *_, findings = published_audit
    assert set(CODE_STRENGTH) == set(CODE_TEXT) and set(CODE_STRENGTH.values()) <= set(STRENGTHS)
    proven_codes = set(findings.loc[findings["unattainable"], "code"])
    assert all(CODE_STRENGTH[c] == "proven" for c in proven_codes)
    expected = [A.strength(c, u) for c, u in zip(findings["code"], findings["unattainable"])]
    assert (findings["strength"] == expected).all()
    assert A.strength("sd_exceeds_max", True) == "proven" and A.strength("sd_exceeds_max", False) == "strong warning"
    assert A.strength("print_quirk", False) == "note"
    assert A.strength("index_mean_inconsistent", False) == "strong warning"
    assert list(A.FINDING_COLUMNS).index("strength") == list(A.FINDING_COLUMNS).index("unattainable") + 1


def test_every_check_has_its_function_in_order():
    assert [f.__name__ for f in A.CHECK_FUNCTIONS] == [f"check_{c}" for c in A.CHECKS]


# ------------------------------------------------------------------ 4.16: shares of women, column by column


def test_two_group_shares_hand_case():
    # overall 2,8 (2.75-2.85), Mand 2,7 (2.65-2.75), Kvinde 3,1 (3.05-3.15): w Kvinde from
    # (1 - w) 2.65 + w 3.05 <= 2.85 -> w <= 0.2 / 0.4 = 1/2 and (1 - w) 2.75 + w 3.15 >= 2.75 -> w >= 0
    f = Fraction
    assert two_group_shares((f("2.75"), f("2.85")), (f("2.65"), f("2.75")), (f("3.05"), f("3.15"))) == (0, f(1, 2))
    # overall 2,5, Mand 1,9, Kvinde 2,8: (1 - w) 1.85 + w 2.75 <= 2.55 -> w <= 0.7 / 0.9 = 7/9;
    # (1 - w) 1.95 + w 2.85 >= 2.45 -> w >= 0.5 / 0.9 = 5/9
    shares = two_group_shares((f("2.45"), f("2.55")), (f("1.85"), f("1.95")), (f("2.75"), f("2.85")))
    assert shares == (f(5, 9), f(7, 9))
    # an overall mean above both groups fits no share
    assert two_group_shares((f("2.85"), f("2.95")), (f("2.35"), f("2.45")), (f("2.55"), f("2.65"))) is None


def test_4_16_needs_other_shares_of_women_in_two_columns(published_audit):
    *_, findings = published_audit
    conflict = findings[findings["code"].eq("partition_shares_conflict")]
    women = conflict[conflict["section"].isin(["", "Baggrundsforhold"]) & conflict["reason"].str.contains("Kvinde")]
    assert set(women["column"]) == {"Faktiske samarbejdsoplevelser / Inddragelse",
                                    "Faktiske samarbejdsoplevelser / Procedure"}
    assert set(women["row"]) == {"Indeksværdi", "Mand", "Kvinde"} and len(women) == 6
    assert not conflict["unattainable"].any() and set(conflict["strength"]) == {"strong warning"}
    # Inddragelse allows 0-50 % women, Procedure 5/9-7/9 = 55.6-77.8 %
    assert "0.0-50.0 %" in women["reason"].iloc[0] and "55.6-77.8 %" in women["reason"].iloc[0]


# ------------------------------------------------------------------ a single share printed with its n


@pytest.mark.parametrize("share, n, proven", [
    (0.1, 100, True),       # j / 100 is 0,0 or 1,0 %: 0,1 % needs 1/667 = 0,1499 % or more answers
    (0.001, 10000, True),   # 0,001 % needs 1 of 66 667 or more (three decimals: 0,0005-0,0015 %)
    (62.1, 29, False),      # 18/29 = 62,07 %: fits 29, so only a warning against another n
])
def test_a_single_share_no_base_up_to_its_n_gives(share, n, proven):
    decimals = len(f"{share}".split(".")[1])
    cells = make_cells([
        {"table": "3.2", "row": "Gruppe", "column": "Antal", "stat": "n", "value": n, "printed": str(n), "decimals": 0},
        {"table": "3.2", "row": "Gruppe", "column": "Andel kvinder", "stat": "pct", "value": share,
         "printed": f"{share}".replace(".", ","), "decimals": decimals}])
    found = A.check_implied_n(cells, {})
    if proven:
        assert found["code"].tolist() == ["no_base_within_stated_n"] * 2 and found["unattainable"].all()
        assert f"the row has n = {n}" in found["reason"].iloc[0]
    else:
        assert found.empty
